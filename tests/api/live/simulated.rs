//! The simulated cloud's webhooks into a gateway's intake: duplicated and reordered deliveries end as
//! each event once.

use std::time::{Duration, Instant};

use camlytics_gateway::simulator::webhooks::{deliver, WebhookSettings};

use super::{logged, webhook_config, WEBHOOK_TOKEN};
use crate::helpers::spawn_app_with;
use crate::moving_cloud::moving_config;

#[actix_web::test]
async fn the_simulators_webhooks_with_repeats_and_reordering_are_stored_once_each() {
    let start = "2026-03-02T18:00:00Z".parse().unwrap();
    let mut config = moving_config(start, Duration::from_secs(3600), 20_000, 0.05);
    config.live = webhook_config().live;
    let app = spawn_app_with(config).await;
    let settings = WebhookSettings {
        every: Duration::from_millis(20),
        batch: 25,
        duplicate_share: 0.2,
        reorder_share: 0.3,
        ..WebhookSettings::to(format!(
            "{}/webhooks/camlytics/{WEBHOOK_TOKEN}",
            app.origin()
        ))
    };
    let sender = actix_web::rt::spawn(deliver(app.cloud.clone(), settings));
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    for _ in 0..10 {
        app.cloud.advance(Duration::from_secs(360));
        actix_web::rt::time::sleep(Duration::from_millis(60)).await;
    }
    let end = app.cloud.now().unwrap();
    let expected = app.cloud.webhook_events(start, end).len();
    assert!(expected > 500, "only {expected} events in the hour");
    let deadline = Instant::now() + Duration::from_secs(30);
    while logged(app.state_dir.path()).len() < expected {
        assert!(Instant::now() < deadline, "not all delivered");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    sender.abort();
    assert_eq!(logged(app.state_dir.path()).len(), expected);
}
