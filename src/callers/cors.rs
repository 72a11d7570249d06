//! CORS for browser dashboards: only the configured origins, preflight answered, `Authorization` allowed,
//! and the rate-limit fields readable by the page.

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::Condition;

use super::headers::{RATELIMIT, RATELIMIT_POLICY};

/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE_SECS: usize = 3600;

/// The CORS middleware for `origins` (`*` allows any); with none, it is off and browsers get no CORS answers.
/// Wrap it outside the caller gate, so preflights (which carry no token) are answered before authentication.
pub fn cors(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::ACCEPT, header::CONTENT_TYPE])
        .expose_headers([
            RATELIMIT,
            RATELIMIT_POLICY,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
        ])
        .max_age(PREFLIGHT_MAX_AGE_SECS);
    if origins.iter().any(|origin| origin == "*") {
        cors = cors.allow_any_origin();
    } else {
        for origin in origins {
            cors = cors.allowed_origin(origin);
        }
    }
    Condition::new(!origins.is_empty(), cors)
}

/// Checks the configured origins: each is `scheme://host[:port]` exactly as browsers send them, or `*` alone.
pub fn validate_origins(origins: &[String]) -> Result<Vec<String>, String> {
    let origins: Vec<String> = origins
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    for origin in &origins {
        if origin == "*" {
            continue;
        }
        let rest = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains('/') => {}
            _ => {
                return Err(format!(
                "GATEWAY_CORS_ORIGINS: '{origin}' is not an origin; use scheme://host[:port] with no path, or *"
            ))
            }
        }
    }
    Ok(origins)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_must_be_scheme_and_host() {
        let origins = [
            "https://dash.example.com".to_string(),
            " http://localhost:3000".into(),
        ];
        assert_eq!(validate_origins(&origins).unwrap().len(), 2);
        assert!(validate_origins(&["dash.example.com".into()]).is_err());
        assert!(validate_origins(&["https://dash.example.com/app".into()]).is_err());
        assert_eq!(validate_origins(&["*".into()]).unwrap(), ["*"]);
    }
}
