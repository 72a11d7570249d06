//! Each subscription runs in its own task and hands its chunks to the response body through a small
//! channel. actix stops polling a body whose socket's send buffer is full, so a subscription driven by its
//! body would never learn that its client stopped reading, and would hold its place under the cap and its
//! receiver of the feed until the socket died. Driven by its own task, it sees its sends wait: past the stall
//! limit the client is taken to read nothing, and the subscription is ended.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc::{self, error::TrySendError};

use super::subscription::Subscription;

/// Chunks waiting between a subscription's task and its response body: enough to smooth a reader's pauses,
/// few enough that a stalled reader is noticed soon after its socket's buffers fill.
pub const CHUNKS: usize = 4;
/// How long a chunk may wait for room before the subscriber is taken to read nothing and is cut off.
pub const STALL_LIMIT: Duration = Duration::from_secs(30);

/// Starts `subscription` in its own task; the response body that reads what it sends.
pub fn spawn(
    subscription: Subscription,
    stall_limit: Duration,
) -> impl Stream<Item = Result<Bytes, Infallible>> + 'static {
    let (sender, receiver) = mpsc::channel(CHUNKS);
    actix_web::rt::spawn(pump(subscription, sender, stall_limit));
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        let chunk = receiver.recv().await?;
        Some((Ok(chunk), receiver))
    })
}

/// Moves the subscription's chunks into the channel until it ends, its client disconnects, or its client
/// stalls. Returning drops the subscription: its place under the cap and its feed receiver go with it.
async fn pump(mut subscription: Subscription, sender: mpsc::Sender<Bytes>, stall_limit: Duration) {
    loop {
        // Every chunk so far is in the channel: a client cut off for the next one resumes after this.
        let delivered = subscription.done();
        let chunk = tokio::select! {
            chunk = subscription.next() => match chunk {
                Some(chunk) => chunk,
                None => return,
            },
            // The client disconnected: end now rather than at the next event or heartbeat.
            () = sender.closed() => return,
        };
        // The usual case, room in the channel, costs no wait and no timer.
        let chunk = match sender.try_send(chunk) {
            Ok(()) => continue,
            Err(TrySendError::Closed(_)) => return,
            Err(TrySendError::Full(chunk)) => chunk,
        };
        let sent = tokio::select! {
            sent = tokio::time::timeout(stall_limit, sender.send(chunk)) => sent,
            // At shutdown a stalled client must not hold the server's graceful stop for the stall limit.
            () = subscription.closing() => return,
        };
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return,
            Err(_) => {
                let last = subscription.stalled(delivered, stall_limit);
                // Seldom room for it (the client reads nothing); one that reads again resumes from its
                // Last-Event-ID all the same.
                let _ = sender.try_send(last);
                return;
            }
        }
    }
}
