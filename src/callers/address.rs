//! The client's address, the caller's name in open mode.

use std::net::{IpAddr, SocketAddr};

use actix_web::dev::ServiceRequest;

/// The client's address: the peer's, or with `trust_forwarded` the last X-Forwarded-For entry — the one the
/// proxy in front of us added, which the client cannot forge (earlier entries it can).
pub fn client_address(request: &ServiceRequest, trust_forwarded: bool) -> Option<IpAddr> {
    let forwarded = trust_forwarded
        .then(|| {
            request
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
