//! The client's address, the caller's name in open mode.

use std::net::{IpAddr, SocketAddr};

use actix_web::dev::{RequestHead, ServiceRequest};

/// What the gate reads of a request, whether it comes as actix-web's `ServiceRequest` or, at the front
/// door, as actix-http's `Request`.
pub trait Incoming {
    /// Method, URI and headers.
    fn head(&self) -> &RequestHead;
    /// The peer's address, when known.
    fn peer_addr(&self) -> Option<SocketAddr>;
    /// The path.
    fn path(&self) -> &str {
        self.head().uri.path()
    }
    /// The raw query, empty when there is none.
    fn query(&self) -> &str {
        self.head().uri.query().unwrap_or_default()
    }
}

impl Incoming for ServiceRequest {
    fn head(&self) -> &RequestHead {
        ServiceRequest::head(self)
    }
    fn peer_addr(&self) -> Option<SocketAddr> {
        ServiceRequest::peer_addr(self)
    }
}

impl Incoming for actix_http::Request {
    fn head(&self) -> &RequestHead {
        actix_http::Request::head(self)
    }
    fn peer_addr(&self) -> Option<SocketAddr> {
        actix_http::Request::peer_addr(self)
    }
}

/// The client's address: the peer's, or with `trust_forwarded` the last X-Forwarded-For entry — the one the
/// proxy in front of us added, which the client cannot forge (earlier entries it can).
pub fn client_address(request: &impl Incoming, trust_forwarded: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded
        .then(|| {
            request
                .head()
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .last()
                .and_then(parse_address)
        })
        .flatten();
    forwarded
        .or_else(|| request.peer_addr().map(|addr| addr.ip()))
        .map(|ip| ip.to_canonical())
}

fn parse_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_entries_may_carry_a_port() {
        assert_eq!(parse_address("10.0.0.7"), "10.0.0.7".parse().ok());
        assert_eq!(parse_address("10.0.0.7:5123"), "10.0.0.7".parse().ok());
        assert_eq!(parse_address("[::1]:80"), "::1".parse().ok());
        assert_eq!(parse_address("unknown"), None);
    }
}
