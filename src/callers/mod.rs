//! Callers: who is calling the gateway (token or address), how much they may call, and from which browsers.

pub mod address;
pub mod admin;
pub mod cors;
pub mod gate;
pub mod headers;
pub mod limiter;
pub mod settings;
pub mod tokens;

use actix_web::{HttpMessage, HttpRequest};

pub use admin::require_admin;
pub use cors::cors;
pub use gate::{gate, Gate};
pub use settings::{CallerArgs, CallersSettings};

/// Who is calling: recorded by authentication, or else the client's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// A token's name, or the client's IP address when no token is used.
    pub name: String,
    /// Whether the caller may use admin routes such as cache purge.
    pub admin: bool,
}

impl Caller {
    /// The caller authentication recorded for this request; without one, the client's address,
    /// which is admin only from loopback.
    pub fn of(request: &HttpRequest) -> Caller {
        if let Some(caller) = request.extensions().get::<Caller>() {
            return caller.clone();
        }
        let ip = request.peer_addr().map(|addr| addr.ip());
        Caller {
            name: ip.map_or_else(|| "unknown".to_string(), |ip| ip.to_string()),
            admin: ip.is_some_and(|ip| ip.is_loopback()),
        }
    }
}
