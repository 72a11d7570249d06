//! The signature vectors computed with the reference's JavaScript recipe.

use camlytics_gateway::camlytics::endpoints::route_spec;
use camlytics_gateway::camlytics::query::validate;
use camlytics_gateway::secret::Secret;
use camlytics_gateway::upstream::signing::sign;
use camlytics_gateway::upstream::target::request_target;
use serde::Deserialize;

#[derive(Deserialize)]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    secret: String,
    uri: String,
    sign: String,
}

/// The shared vectors when the checkout sits beside `shared/`, else the copy kept in the repository.
fn vectors() -> Vectors {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/vectors/signatures.json"
    );
    let copy = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/signatures.json");
    let text = std::fs::read_to_string(shared)
        .or_else(|_| std::fs::read_to_string(copy))
        .expect("signature vectors");
    serde_json::from_str(&text).expect("vectors are JSON")
}

#[test]
fn every_vector_is_reproduced_from_the_callers_parameters() {
    let vectors = vectors();
    assert!(vectors.cases.len() >= 9);
    for case in vectors.cases {
        let (path, query) = case.uri.split_once('?').unwrap();
        let endpoint = path.strip_prefix("/service/api/v1").unwrap();
        let spec =
            route_spec(endpoint).unwrap_or_else(|| panic!("{}: no route {endpoint}", case.name));
        // A caller would send the same values decoded; the gateway must rebuild the exact target.
        let params = validate(spec, query).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let nonce: i64 = form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "nonce")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap();
        let target = request_target("/service/api/v1", endpoint, &params, nonce);
        assert_eq!(target, case.uri, "{}: target", case.name);
        assert_eq!(
            sign(&Secret::new(case.secret), &target),
            case.sign,
            "{}: sign",
            case.name
        );
    }
}
