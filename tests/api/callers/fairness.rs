//! Fair share upstream: the lane serves callers round-robin by token name.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{bearer, pairs, token_config};
use crate::helpers::{spawn_app_with, TestConfig};

#[actix_web::test]
async fn a_caller_flooding_the_lane_does_not_delay_another_callers_single_request() {
    // 5 calls a second upstream: one interval is 200 ms, and 15 queued calls take 3 s.
    let app = Rc::new(
        spawn_app_with(TestConfig {
            upstream_rps: 5.0,
            ..token_config("flood:tok-f,single:tok-s", 1000.0, 1000)
        })
        .await,
    );
    let unfinished = Rc::new(Cell::new(0usize));
    let mut flood = Vec::new();
    for limit in 1..=15 {
        let (app, unfinished) = (app.clone(), unfinished.clone());
        unfinished.set(unfinished.get() + 1);
        flood.push(actix_web::rt::spawn(async move {
            // Distinct queries, so no cache can fold them into one call.
            let url = format!("{}/events?limit={limit}", app.api);
            let answer = app.get_url(&url, &pairs(&bearer("tok-f"))).await;
            unfinished.set(unfinished.get() - 1);
            answer.status
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let url = format!("{}/locations", app.api);
    let single = app.get_url(&url, &pairs(&bearer("tok-s"))).await;
    let waited = started.elapsed();

    assert_eq!(single.status, 200, "{}", single.body);
    assert!(
        unfinished.get() >= 5,
        "the flood was still queued: {} left",
        unfinished.get()
    );
    // At most the call in progress, then our turn: two intervals, plus slack for a loaded machine.
    assert!(waited < Duration::from_millis(700), "waited {waited:?}");
    for call in flood {
        assert_eq!(call.await.unwrap(), 200);
    }
}
