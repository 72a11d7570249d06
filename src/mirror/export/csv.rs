//! CSV rows of events (RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break),
//! with the Event model's fields as columns in the reference's order.

use serde_json::{Map, Value};

/// The columns: the reference's Event model.
pub const COLUMNS: &[&str] = &[
    "id",
    "location_id",
    "channel_id",
    "trigger_id",
    "event_type",
    "origin",
    "object_id",
    "event_time",
    "snapshot_id",
    "record_id",
];

/// The header row.
pub fn header() -> String {
    let mut row = COLUMNS.join(",");
    row.push_str("\r\n");
    row
}

/// Appends one event (its JSON bytes) as a row; a missing or null field is an empty cell.
pub fn push_row(out: &mut String, event: &str) -> Result<(), String> {
    let fields: Map<String, Value> = serde_json::from_str(event)
        .map_err(|e| format!("an event held is not a JSON object: {e}"))?;
    for (index, column) in COLUMNS.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        match fields.get(*column) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => push_cell(out, text),
            Some(other) => push_cell(out, &other.to_string()),
        }
    }
    out.push_str("\r\n");
    Ok(())
}

fn push_cell(out: &mut String, text: &str) {
    if text.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_has_every_column_in_order_with_nulls_empty_and_awkward_text_quoted() {
        let mut out = String::new();
        let event = r#"{"record_id":5,"id":7,"location_id":101,"channel_id":"a,b","trigger_id":"say \"hi\"",
            "event_type":"RegionJoin","origin":null,"event_time":"2026-01-01T00:00:00.000+00:00","snapshot_id":-3}"#;

        push_row(&mut out, event).unwrap();

        assert_eq!(
            out,
            "7,101,\"a,b\",\"say \"\"hi\"\"\",RegionJoin,,,2026-01-01T00:00:00.000+00:00,-3,5\r\n"
        );
        assert_eq!(header(), "id,location_id,channel_id,trigger_id,event_type,origin,object_id,event_time,snapshot_id,record_id\r\n");
        assert!(push_row(&mut out, "[1]").is_err());
    }
}
