//! In a group on one Redis, an event received by any gateway reaches the subscribers of every gateway, once.

use std::collections::HashSet;
use std::time::Duration;

use actix_web::http::StatusCode;

use super::sse::{client, event, object_of, post_batch, subscribe, Subscriber, WEBHOOK_TOKEN};
use crate::group::members::{start_cloud, Member};
use crate::group::redis_server::TestRedis;

/// Posts probe events (objects from `first` on) to `from` until `listener` sees one of them: the relay
/// between them is up. Frames of anything else the listener had are passed over.
async fn until_relayed(from: &str, listener: &mut Subscriber, first: usize) -> HashSet<usize> {
    let client = client();
    let mut probes = HashSet::new();
    for probe in first..first + 100 {
        assert_eq!(
            post_batch(&client, from, &[event(probe, 1)]).await,
            StatusCode::OK
        );
        probes.insert(probe);
        let frames = listener.events(1, Duration::from_millis(300)).await;
        if frames.iter().any(|f| probes.contains(&object_of(&f.data))) {
            return probes;
        }
    }
    panic!("no event was relayed between the gateways");
}

#[actix_web::test]
async fn an_event_received_by_one_gateway_of_a_group_reaches_the_subscribers_of_every_gateway_once()
{
    let redis = TestRedis::start();
    let (_cloud, cloud_url) = start_cloud(0.0, Duration::ZERO);
    let hooks = format!("portal:{WEBHOOK_TOKEN}");
    let env = [
        ("GATEWAY_WEBHOOK_TOKENS", hooks.as_str()),
        ("RUST_LOG", "info"),
    ];
    let a = Member::start(&cloud_url, &redis.url(), &env);
    let b = Member::start(&cloud_url, &redis.url(), &env);
    let (a, b) = (a.origin(), b.origin());
    let mut at_b = subscribe(&b, "", &[]).await.unwrap();
    let mut at_a = subscribe(&a, "", &[]).await.unwrap();
    let mut probes = until_relayed(&a, &mut at_b, 1_000_000).await;
    probes.extend(until_relayed(&b, &mut at_a, 2_000_000).await);

    let client = client();
    for chunk in (0..1000).collect::<Vec<usize>>().chunks(100) {
        let events: Vec<String> = chunk.iter().map(|&n| event(n, 2)).collect();
        let (to, again) = if chunk[0] % 200 == 0 {
            (&a, &b)
        } else {
            (&b, &a)
        };
        assert_eq!(post_batch(&client, to, &events).await, StatusCode::OK);
        // The cloud may deliver to both: the same events through the other gateway change nothing.
        assert_eq!(
            post_batch(&client, again, &events[..10]).await,
            StatusCode::OK
        );
    }
    let mut last_ids = Vec::new();
    for subscriber in [&mut at_a, &mut at_b] {
        let real = |frames: &[super::sse::Frame]| {
            frames
                .iter()
                .filter(|f| !probes.contains(&object_of(&f.data)))
                .count()
        };
        let mut frames = subscriber
            .read_until(Duration::from_secs(30), |frames| real(frames) >= 1000)
            .await;
        frames.extend(subscriber.events(1, Duration::from_millis(500)).await);
        let objects: Vec<usize> = frames
            .iter()
            .map(|f| object_of(&f.data))
            .filter(|n| !probes.contains(n))
            .collect();
        let distinct: HashSet<usize> = objects.iter().copied().collect();
        assert_eq!(objects.len(), distinct.len(), "an event came twice");
        assert_eq!(
            distinct,
            (0..1000).collect(),
            "every event, from either gateway"
        );
        last_ids.push(frames.iter().filter_map(|f| f.id).max().unwrap());
    }
    // Each log numbers the group's events itself: an id from one gateway means nothing on the other, and a
    // subscriber that resumes there with it is told so rather than resumed at a place that skips or repeats.
    let (last_at_a, last_at_b) = (last_ids[0].to_string(), last_ids[1].to_string());
    for (origin, last, foreign) in [
        (&b, &last_at_a, true),
        (&a, &last_at_a, false),
        (&a, &last_at_b, true),
    ] {
        let mut resumed = subscribe(origin, "", &[("Last-Event-ID", last)])
            .await
            .unwrap();
        let frames = resumed
            .read_until(Duration::from_secs(1), |frames| !frames.is_empty())
            .await;
        let named: Vec<_> = frames.iter().filter_map(|f| f.event.as_deref()).collect();
        if foreign {
            assert_eq!(named, ["reset"], "{last} resumed on {origin}");
        } else {
            assert!(named.is_empty(), "{named:?}: {last} resumed on {origin}");
        }
    }
}
