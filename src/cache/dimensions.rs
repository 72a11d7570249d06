//! Answering every filter of `/locations`, `/channels` and `/triggers` from one cached copy of the whole list,
//! with the reference's "ignored if" precedence.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::camlytics::endpoints::list_precedence;
use crate::camlytics::query::CanonicalParams;

/// The one filter that applies, after precedence: `(item field, wanted value)`, or none for the whole list.
pub fn effective_filter(
    endpoint: &str,
    params: &CanonicalParams,
) -> Option<(&'static str, String)> {
    list_precedence(endpoint).iter().find_map(|(param, field)| {
        params
            .iter()
            .find(|(name, _)| name == param)
            .map(|(_, value)| (*field, value.clone()))
    })
}

#[derive(Deserialize)]
struct Envelope {
    code: Option<Box<RawValue>>,
    msg: Option<Box<RawValue>>,
    result: Option<Vec<Box<RawValue>>>,
}

#[derive(Deserialize)]
struct Keys {
    id: Option<Value>,
    location_id: Option<Value>,
    channel_id: Option<Value>,
}

/// A whole list, parsed once: the envelope's code and message, and each item's bytes as the cloud sent them.
#[derive(Debug)]
pub struct DimensionList {
    code: String,
    msg: String,
    items: Vec<(Keys, Box<RawValue>)>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({:?})", self.id)
    }
}

impl DimensionList {
    /// Parses the cloud's envelope; `None` if it is not a list envelope.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let envelope: Envelope = serde_json::from_slice(body).ok()?;
        let items = envelope
            .result?
            .into_iter()
            .map(|raw| {
                let keys: Keys = serde_json::from_str(raw.get()).ok()?;
                Some((keys, raw))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            code: envelope
                .code
                .map_or_else(|| "0".into(), |c| c.get().to_string()),
            msg: envelope
                .msg
                .map_or_else(|| "\"success\"".into(), |m| m.get().to_string()),
            items,
        })
    }

    /// The envelope with only the items whose `field` equals `wanted`; items keep the cloud's bytes.
    pub fn render_filtered(&self, field: &str, wanted: &str) -> Vec<u8> {
        let kept: Vec<&str> = self
            .items
            .iter()
            .filter(|(keys, _)| {
                let value = match field {
                    "id" => keys.id.as_ref(),
                    "location_id" => keys.location_id.as_ref(),
                    "channel_id" => keys.channel_id.as_ref(),
                    _ => None,
                };
                value.is_some_and(|v| text_of(v) == wanted)
            })
            .map(|(_, raw)| raw.get())
            .collect();
        format!(
            "{{\"code\":{},\"msg\":{},\"result\":[{}]}}",
            self.code,
            self.msg,
            kept.join(",")
        )
        .into_bytes()
    }
}

/// An id as the text a caller writes in a query: numbers as digits, strings as themselves.
fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANNELS: &str = r#"{"code":0,"msg":"success","result":[
        {"id":"a","location_id":1,"name":"Lobby"},
        {"id":"b","location_id":2,"name":"Door"},
        {"id":"c","location_id":2,"name":"Till"}]}"#;

    fn params(pairs: &[(&'static str, &str)]) -> CanonicalParams {
        pairs.iter().map(|(n, v)| (*n, v.to_string())).collect()
    }

    #[test]
    fn a_stronger_filter_makes_weaker_ones_ignored() {
        let both = params(&[("location_id", "1"), ("channel_id", "b")]);
        assert_eq!(
            effective_filter("/channels", &both),
            Some(("id", "b".to_string()))
        );
        let location = params(&[("location_id", "2")]);
        assert_eq!(
            effective_filter("/triggers", &location),
            Some(("location_id", "2".to_string()))
        );
        assert_eq!(effective_filter("/locations", &params(&[])), None);
    }

    #[test]
    fn filtering_keeps_the_clouds_bytes_for_each_item() {
        let list = DimensionList::parse(CHANNELS.as_bytes()).unwrap();
        let body = String::from_utf8(list.render_filtered("location_id", "2")).unwrap();
        let json: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["code"], 0);
        assert_eq!(json["msg"], "success");
        let ids: Vec<&str> = json["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["b", "c"]);
        assert!(body.contains(r#"{"id":"b","location_id":2,"name":"Door"}"#));
        let none = String::from_utf8(list.render_filtered("id", "zzz")).unwrap();
        assert_eq!(none, r#"{"code":0,"msg":"success","result":[]}"#);
    }
}
