//! Any status, headers (Retry-After above all) and body from the cloud: the classifier sorts it without
//! panicking, and its log summary and metric label can be made.
#![no_main]

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use camlytics_gateway::upstream::response::classify;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Answer {
    status: u16,
    retry_after: Option<Vec<u8>>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fuzz_target!(|answer: Answer| {
    let Ok(status) = StatusCode::from_u16(answer.status) else {
        return;
    };
    let mut headers = HeaderMap::new();
    if let Some(value) = answer
        .retry_after
        .and_then(|v| HeaderValue::from_bytes(&v).ok())
    {
        headers.insert(RETRY_AFTER, value);
    }
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(&value),
        ) {
            headers.append(name, value);
        }
    }
    let classified = classify(status, &headers, Bytes::from(answer.body));
    let _ = (classified.label(), classified.summary());
});
