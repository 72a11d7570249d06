//! What Swagger UI's "Try it out" sends to the mirror's routes (every parameter at its documented example)
//! finds data once the mirror holds the simulated cloud's events.

use serde_json::Value;

use super::mirrored::spawn_mirrored;

fn committed() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The query of every documented parameter of `path` at its example.
fn examples(document: &Value, path: &str) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for parameter in document["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
    {
        let value = match &parameter["example"] {
            Value::Null => continue,
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        query.append_pair(parameter["name"].as_str().unwrap(), &value);
    }
    query.finish()
}

#[actix_web::test]
async fn the_documented_examples_of_series_and_export_find_events() {
    let mirrored = spawn_mirrored().await;
    let document = committed();

    let series = mirrored
        .own(
            &format!("/v1/series?{}", examples(&document, "/v1/series")),
            &[],
        )
        .await;
    let export = mirrored
        .own(
            &format!("/v1/export?{}", examples(&document, "/v1/export")),
            &[],
        )
        .await;

    assert_eq!(series.status, 200, "{}", series.body);
    let total = &series.json()["result"]["series"][0]["total"];
    assert!(total.as_u64().is_some_and(|n| n > 0), "{}", series.body);
    assert_eq!(export.status, 200, "{}", export.body);
    assert!(
        export.body.lines().count() > 0,
        "the export example found nothing"
    );
}
