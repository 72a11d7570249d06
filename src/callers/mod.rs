//! Callers: who is calling the gateway (token or address), how much they may call, and from which browsers.

pub mod address;
pub mod admin;
pub mod cors;
pub mod gate;
pub mod headers;
pub mod limiter;
pub mod middleware;
pub mod quota;
pub mod redact;
pub mod refusals;
pub mod settings;
pub mod sources;
pub mod tokens;
pub mod upkeep;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use actix_web::{HttpMessage, HttpRequest};

pub use admin::require_admin;
pub use cors::cors;
pub use gate::Gate;
pub use middleware::GateLayer;
pub use settings::{CallerArgs, CallersSettings};

/// A caller's name: a token's name, or in open mode the client's address. Kept unformatted (an address is
/// written out only when a log line or an upstream queue needs it), so telling callers apart costs no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallerName {
    /// The name of the token the caller presented.
    Token(Arc<str>),
    /// The client's address (open mode).
    Address(IpAddr),
    /// Open mode without a known address.
    Unknown,
}

impl fmt::Display for CallerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(name) => f.write_str(name),
            Self::Address(ip) => ip.fmt(f),
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

impl From<&str> for CallerName {
    fn from(name: &str) -> Self {
        Self::Token(name.into())
    }
}

impl From<Option<IpAddr>> for CallerName {
    fn from(address: Option<IpAddr>) -> Self {
        address.map_or(Self::Unknown, Self::Address)
    }
}

/// Who is calling: recorded by authentication, or else the client's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// A token's name, or the client's IP address when no token is used.
    pub name: CallerName,
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
        Self::from_peer(request.peer_addr())
    }

    /// The caller named by its peer address alone (admin only from loopback).
    pub fn from_peer(peer: Option<std::net::SocketAddr>) -> Caller {
        Self::from_address(peer.map(|addr| addr.ip().to_canonical()))
    }

    /// The caller of open mode, named by its (canonical) client address: admin only from loopback.
    pub fn from_address(ip: Option<std::net::IpAddr>) -> Caller {
        Caller {
            name: ip.into(),
            admin: ip.is_some_and(|ip| ip.is_loopback()),
        }
    }
}
