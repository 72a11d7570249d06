//! The OpenAPI document and the Swagger UI: served, committed, complete, and in step with validation.

use std::collections::BTreeSet;
use std::process::Command;

use camlytics_gateway::camlytics::endpoints::ParamKind;
use camlytics_gateway::camlytics::endpoints::ROUTES;
use camlytics_gateway::camlytics::BASE_PATH;
use camlytics_gateway::ops::access_log::route_label;
use serde_json::Value;

use crate::helpers::{spawn_app, TestApp};
use crate::process::BINARY;

/// The statuses every API operation documents besides 200.
const ERROR_STATUSES: [&str; 9] = [
    "400", "401", "413", "414", "429", "431", "502", "503", "504",
];

/// The models the cloud's reference lists, each of which must have a schema.
const MODELS: [&str; 6] = [
    "Location",
    "Channel",
    "Trigger",
    "Event",
    "EventTotalByTrigger",
    "EventTotalByType",
];

fn committed_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    std::fs::read_to_string(path).expect("openapi.json is committed at the repository root")
}

fn committed() -> Value {
    serde_json::from_str(&committed_text()).expect("openapi.json is JSON")
}

fn origin(app: &TestApp) -> String {
    app.api.trim_end_matches(BASE_PATH).to_string()
}

fn operation<'a>(document: &'a Value, endpoint: &str) -> &'a Value {
    let path = format!("{BASE_PATH}{endpoint}");
    let operation = &document["paths"][&path]["get"];
    assert!(operation.is_object(), "{path} is not documented");
    operation
}

fn parameter_names(operation: &Value) -> BTreeSet<String> {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| p["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Every `$ref` in `value`, e.g. `#/components/schemas/Event`.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target.clone()),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

#[actix_web::test]
async fn the_committed_openapi_json_is_what_the_server_serves() {
    let app = spawn_app().await;

    let answer = app
        .get_url(&format!("{}/openapi.json", origin(&app)), &[])
        .await;

    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json(),
        committed(),
        "openapi.json is stale: regenerate it with `cargo run -- openapi > openapi.json`"
    );
}

#[test]
fn the_openapi_command_prints_the_committed_document_byte_for_byte() {
    let output = Command::new(BINARY)
        .arg("openapi")
        .output()
        .expect("the binary runs");

    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        committed_text(),
        "openapi.json is stale: regenerate it with `cargo run -- openapi > openapi.json`"
    );
}

#[test]
fn the_document_is_openapi_3_1_with_info_security_and_every_model() {
    let document = committed();

    assert_eq!(document["openapi"], "3.1.0");
    let info = &document["info"];
    assert_eq!(info["title"], "camlytics-gateway");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["license"]["identifier"], "Apache-2.0");
    assert!(info["description"].as_str().is_some_and(|d| d.len() > 50));
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    // Tokens are optional: the anonymous requirement {} stands beside the bearer one.
    let security = document["security"].as_array().expect("global security");
    assert!(security.contains(&serde_json::json!({})));
    assert!(security.contains(&serde_json::json!({"bearer": []})));
    for model in MODELS {
        let schema = &document["components"]["schemas"][model];
        assert_eq!(schema["type"], "object", "{model} has no schema");
    }
    let mut found = Vec::new();
    refs(&document, &mut found);
    for target in found {
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {target}"));
        assert!(
            document.pointer(pointer).is_some(),
            "$ref {target} points nowhere"
        );
    }
}

#[test]
fn every_route_documents_its_answer_and_every_error_status() {
    let document = committed();
    let documented: BTreeSet<&String> = document["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .collect();

    let routes: BTreeSet<String> = ROUTES
        .iter()
        .map(|spec| format!("{BASE_PATH}{}", spec.endpoint))
        .chain(
            [
                "/admin/cache",
                "/healthz",
                "/readyz",
                "/metrics",
                "/v1/mirror",
                "/v1/series",
                "/v1/export",
                "/v1/events/stream",
                "/v1/occupancy",
                "/v1/occupancy/stream",
                "/v1/webhooks/rejected",
                "/webhooks/camlytics/{token}",
            ]
            .map(String::from),
        )
        .collect();

    assert_eq!(documented, routes.iter().collect());
    for spec in ROUTES {
        let responses = &operation(&document, spec.endpoint)["responses"];
        let envelope = responses["200"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{} has no 200 body", spec.endpoint));
        assert!(envelope.ends_with("List"), "{envelope}");
        for status in ERROR_STATUSES {
            let body = &responses[status]["content"]["application/json"];
            assert_eq!(
                body["schema"]["$ref"], "#/components/schemas/ErrorBody",
                "{} {status}",
                spec.endpoint
            );
            assert_eq!(body["example"]["code"].to_string(), status);
        }
    }
}

#[test]
fn the_mirrors_routes_document_their_answers_and_refusals() {
    let document = committed();

    for (path, content_types) in [
        ("/v1/series", &["application/json"][..]),
        ("/v1/export", &["application/x-ndjson", "text/csv"][..]),
    ] {
        let responses = &document["paths"][path]["get"]["responses"];
        for content_type in content_types {
            assert!(
                responses["200"]["content"][content_type]["example"].is_string()
                    || responses["200"]["content"][content_type]["example"].is_object(),
                "{path} {content_type} has no example"
            );
        }
        for status in ["400", "401", "409", "413", "414", "429", "431", "503"] {
            let example = &responses[status]["content"]["application/json"]["example"];
            assert_eq!(example["code"].to_string(), status, "{path} {status}");
            assert!(
                example["msg"].as_str().is_some_and(|m| !m.is_empty()),
                "{path} {status}"
            );
        }
    }
    // A window left out is what the mirror holds, so nothing is required and the window has no example
    // (a fixed one could not lie inside every mirror's range).
    for path in ["/v1/series", "/v1/export"] {
        let parameters = document["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap();
        assert!(parameters.iter().all(|p| p["required"] != true), "{path}");
        for end in parameters
            .iter()
            .filter(|p| p["name"] == "since" || p["name"] == "until")
        {
            assert!(end["example"].is_null(), "{path}");
            assert!(end["description"]
                .as_str()
                .unwrap()
                .contains("Not given: where the mirror"));
        }
    }
}

#[test]
fn the_event_stream_is_documented_as_server_sent_events_under_live() {
    let document = committed();
    let stream = &document["paths"]["/v1/events/stream"]["get"];
    assert_eq!(stream["tags"][0], "Live");
    assert!(stream["responses"]["200"]["content"]["text/event-stream"]["example"].is_string());
    for status in ["400", "401", "503"] {
        assert_eq!(
            stream["responses"][status]["content"]["application/json"]["example"]["code"]
                .to_string(),
            status
        );
    }
    let names: Vec<&str> = stream["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for name in [
        "location_id",
        "event_type",
        "last_event_id",
        "Last-Event-ID",
        "access_token",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
}

#[test]
fn documented_parameters_are_exactly_the_validated_ones_with_their_enums() {
    let document = committed();

    for spec in ROUTES {
        let operation = operation(&document, spec.endpoint);
        let mut validated: BTreeSet<String> = spec
            .params
            .iter()
            .map(|(name, _)| name.to_string())
            .collect();
        // A drop-in client's own nonce is accepted and ignored, and documented as such.
        validated.insert("nonce".into());

        assert_eq!(parameter_names(operation), validated, "{}", spec.endpoint);
        for &(name, kind) in spec.params {
            let parameter = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == name)
                .expect("documented");
            assert_eq!(parameter["in"], "query");
            assert!(parameter["example"].is_string() || parameter["example"].is_number());
            let schema = &parameter["schema"];
            match kind {
                ParamKind::OneOf(words) => assert_eq!(schema["enum"], serde_json::json!(words)),
                ParamKind::Int32 => {
                    assert_eq!(schema["minimum"], 0);
                    assert_eq!(schema["maximum"], i32::MAX);
                }
                ParamKind::Limit => {
                    assert_eq!(schema["minimum"], 1);
                    assert_eq!(schema["maximum"], 1000);
                }
                ParamKind::DateTime => assert_eq!(schema["format"], "date-time"),
                ParamKind::TextId => assert_eq!(schema["minLength"], 1),
            }
        }
    }
}

#[actix_web::test]
async fn each_routes_examples_together_find_data_in_the_simulated_cloud() {
    // What "Try it out" sends, as Swagger UI fills every field with its example.
    let app = spawn_app().await;
    let document = committed();

    for spec in ROUTES {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for parameter in operation(&document, spec.endpoint)["parameters"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let value = match &parameter["example"] {
                Value::Null => continue,
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            query.append_pair(parameter["name"].as_str().unwrap_or_default(), &value);
        }
        let query = query.finish();

        let answer = app.get(&format!("{}?{query}", spec.endpoint)).await;

        assert_eq!(
            answer.status, 200,
            "{}?{query}: {}",
            spec.endpoint, answer.body
        );
        assert!(
            !answer.result().is_empty(),
            "{}?{query} found nothing",
            spec.endpoint
        );
    }
}

#[actix_web::test]
async fn swagger_ui_is_served_and_the_bare_path_redirects_to_it() {
    let app = spawn_app().await;
    let origin = origin(&app);
    let no_redirects = awc::Client::builder().disable_redirects().finish();

    let bare = no_redirects
        .get(format!("{origin}/swagger-ui"))
        .send()
        .await
        .expect("GET /swagger-ui");
    let page = app.get_url(&format!("{origin}/swagger-ui/"), &[]).await;
    let initializer = app
        .get_url(&format!("{origin}/swagger-ui/swagger-initializer.js"), &[])
        .await;

    assert!(bare.status().is_redirection(), "{}", bare.status());
    assert_eq!(bare.headers().get("location").unwrap(), "/swagger-ui/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("swagger-ui"), "{}", page.body);
    assert!(
        initializer.body.contains("/openapi.json"),
        "{}",
        initializer.body
    );
}

#[actix_web::test]
async fn other_methods_on_a_documented_route_get_405_with_allow_get() {
    let app = spawn_app().await;
    let client = awc::Client::default();

    let answer = client
        .post(format!("{}/locations", app.api))
        .send()
        .await
        .expect("POST /locations");
    let unknown = app.get("/nowhere").await;

    assert_eq!(answer.status(), 405);
    assert_eq!(answer.headers().get("allow").unwrap(), "GET");
    assert_eq!(unknown.status, 404);
    assert_eq!(app.cloud.requests(), 0, "nothing went upstream");
}

#[test]
fn every_documented_path_and_the_live_page_have_their_own_metric_label() {
    let document = committed();
    let paths = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str);
    for path in paths.chain(["/live"]) {
        assert_ne!(route_label(path), "unmatched", "{path}");
    }
}
