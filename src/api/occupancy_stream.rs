//! The Server-Sent Events body of `/v1/occupancy/stream`: the current states first, then each change of a
//! location asked for, a `retry:` hint, and a heartbeat comment every 15 s. A subscriber that falls behind
//! the ring of changes is sent every state afresh (a state replaces the one before, so nothing is lost).

use std::collections::VecDeque;
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::live::occupancy::service::OccupancyService;
use crate::live::occupancy::state::LocationState;
use crate::live::stream::frame::{HEARTBEAT, RETRY};
use crate::live::stream::HEARTBEAT as HEARTBEAT_EVERY;

/// One SSE event carrying `state`.
fn frame(state: &LocationState) -> web::Bytes {
    let json = serde_json::to_string(state).unwrap_or_default();
    web::Bytes::from(format!("data: {json}\n\n"))
}

struct Stream {
    service: Arc<OccupancyService>,
    changes: Receiver<Arc<LocationState>>,
    location: Option<i64>,
    pending: VecDeque<web::Bytes>,
    heartbeat: tokio::time::Interval,
    closing: tokio::sync::watch::Receiver<bool>,
}

impl Stream {
    fn current(&mut self) {
        let states = self.service.states(self.location);
        self.pending.extend(states.iter().map(frame));
    }

    async fn next(&mut self) -> Option<web::Bytes> {
        loop {
            if let Some(frame) = self.pending.pop_front() {
                return Some(frame);
            }
            let change = tokio::select! {
                change = self.changes.recv() => change,
                _ = self.heartbeat.tick() => return Some(web::Bytes::from_static(HEARTBEAT)),
                _ = self.closing.wait_for(|closing| *closing) => return None,
            };
            match change {
                Ok(state) if self.location.is_none_or(|l| l == state.location_id) => {
                    return Some(frame(&state))
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => self.current(),
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

/// The streaming answer: states of `location` (or every location) now and as they change.
pub fn occupancy_events(service: Arc<OccupancyService>, location: Option<i64>) -> HttpResponse {
    let changes = service.subscribe();
    let closing = service.closing();
    let mut heartbeat = tokio::time::interval(HEARTBEAT_EVERY);
    heartbeat.reset();
    let mut stream = Stream {
        service,
        changes,
        location,
        pending: VecDeque::from([web::Bytes::from_static(RETRY)]),
        heartbeat,
        closing,
    };
    stream.current();
    let body = futures_util::stream::unfold(stream, |mut stream| async move {
        let frame = stream.next().await?;
        Some((Ok::<_, actix_web::Error>(frame), stream))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}
