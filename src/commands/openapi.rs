//! `openapi`: print the OpenAPI document, the same one `GET /openapi.json` serves.

use crate::{api, docs};

/// Prints [`api::openapi`] as pretty JSON with a final newline (the form of the committed `openapi.json`).
pub fn run() -> Result<(), String> {
    println!("{}", docs::pretty_json(&api::openapi())?);
    Ok(())
}
