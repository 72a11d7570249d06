//! What makes two deliveries the same event. Webhooks send `"id": null`, and the cloud retries a delivery
//! it timed out on, so the id cannot be the key. `record_id` and `snapshot_id` name a recording and a
//! snapshot, which several events share (the reference's own example repeats them). What one camera reports
//! once is: the channel, the trigger, the event type, the tracked object, its origin, and the instant, to
//! the millisecond the webhook form carries. The same event synced later by the mirror, with its id and in
//! the API's date form, has the same identity, so it is counted once.

use super::event::LiveEvent;

/// The identity of `event`: its channel, trigger, type, object, origin and millisecond, as one string.
pub fn identity(event: &LiveEvent) -> String {
    let millis = event.event_time_micros.div_euclid(1000);
    let object = event.object_id.map_or_else(String::new, |o| o.to_string());
    format!(
        "{}|{}|{}|{}|{}|{}",
        event.channel_id, event.trigger_id, event.event_type, object, event.origin, millis
    )
}
