//! Large answers are compressed off the workers, and still arrive whole.

use std::io::Read;

use camlytics_gateway::cache::body::INLINE_COMPRESS_BYTES;

use crate::helpers::spawn_app;

/// GETs `url` with `Accept-Encoding: accept`, undecoded: the coding, `Cache-Status` and raw bytes.
async fn fetch_raw(url: &str, accept: &str) -> (Option<String>, String, Vec<u8>) {
    let mut response = awc::Client::default()
        .get(url)
        .no_decompress()
        .insert_header(("Accept-Encoding", accept))
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (coding, status) = (header("content-encoding"), header("cache-status"));
    let body = response.body().limit(64 << 20).await.unwrap();
    (coding, status.unwrap_or_default(), body.to_vec())
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

#[actix_web::test]
async fn a_large_cached_answer_is_brotli_compressed_whole_then_served_from_the_front_door() {
    let app = spawn_app().await;
    let url = format!("{}/events?until=2025-12-10T00:00:00Z&limit=1000", app.api);
    let (_, _, plain) = fetch_raw(&url, "identity").await;
    assert!(plain.len() > INLINE_COMPRESS_BYTES, "{} bytes", plain.len());

    let (coding, _, first) = fetch_raw(&url, "br").await;
    let (again_coding, again_status, again) = fetch_raw(&url, "br").await;

    assert_eq!(coding.as_deref(), Some("br"));
    assert_eq!(unbrotli(&first), plain);
    assert!(first.len() < plain.len() / 4, "{} bytes", first.len());
    assert_eq!(again_coding.as_deref(), Some("br"));
    assert_eq!(again, first, "compressed once, then reused");
    assert!(again_status.contains("hit"), "{again_status}");
    assert_eq!(app.cloud.requests_per_path("/service/api/v1/events"), 1);
}
