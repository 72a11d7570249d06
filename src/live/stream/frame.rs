//! The bytes of the stream: Server-Sent Events frames as the WHATWG HTML standard reads them. An event's
//! `id:` is its place in the intake log, its `data:` the event object as the cloud sent it, on one line.

use actix_web::web::Bytes;

/// Sent first: how long a browser's `EventSource` waits before it reconnects, in milliseconds.
pub const RETRY: &[u8] = b"retry: 3000\n\n";

/// A comment line: keeps proxies and load balancers from closing an idle stream; clients ignore it.
pub const HEARTBEAT: &[u8] = b": heartbeat\n\n";

/// Appends one event frame (`id:` then `data:`, no `event:` so it is a plain message) to `out`.
pub fn push_event(out: &mut Vec<u8>, seq: u64, raw: &str) {
    out.extend_from_slice(b"id: ");
    out.extend_from_slice(itoa::Buffer::new().format(seq).as_bytes());
    out.extend_from_slice(b"\ndata: ");
    if raw.contains(['\n', '\r']) {
        // A line break in JSON can only be whitespace between tokens (strings escape theirs), and a bare
        // one would end the `data:` line; a space keeps the object the same.
        out.extend(
            raw.bytes()
                .map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
        );
    } else {
        out.extend_from_slice(raw.as_bytes());
    }
    out.extend_from_slice(b"\n\n");
}

/// A named event (`reset`, `cut-off`) whose data is `body`, a one-line JSON object.
pub fn named(name: &str, body: &serde_json::Value) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {body}\n\n"))
}

/// The last frame of a subscriber cut off: why, and the `Last-Event-ID` to resume with (no gap, no repeat).
pub fn cut_off(reason: &str, resume_from: u64) -> Bytes {
    named(
        "cut-off",
        &serde_json::json!({ "reason": reason, "resume_from": resume_from }),
    )
}

/// Sent when the stream cannot resume right after `asked`: why, and the id it continues after instead.
pub fn reset(reason: &str, asked: u64, continues_after: u64) -> Bytes {
    named(
        "reset",
        &serde_json::json!({
            "reason": reason,
            "last_event_id": asked,
            "continues_after": continues_after,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_an_id_and_one_data_line() {
        let mut out = Vec::new();
        push_event(&mut out, 42, r#"{"a":1}"#);
        assert_eq!(out, b"id: 42\ndata: {\"a\":1}\n\n");
    }

    #[test]
    fn line_breaks_in_the_clouds_json_do_not_split_the_data_line() {
        let mut out = Vec::new();
        push_event(&mut out, 1, "{\"a\":\r\n1}");
        assert_eq!(out, b"id: 1\ndata: {\"a\":  1}\n\n");
    }

    #[test]
    fn a_cut_off_names_its_reason_and_where_to_resume() {
        let frame = cut_off("too slow", 7);
        let text = std::str::from_utf8(&frame).unwrap();
        assert!(text.starts_with("event: cut-off\ndata: {"));
        assert!(text.ends_with("}\n\n"));
        let data: serde_json::Value =
            serde_json::from_str(text.lines().nth(1).unwrap().trim_start_matches("data: "))
                .unwrap();
        assert_eq!(data["resume_from"], 7);
        assert_eq!(data["reason"], "too slow");
    }
}
