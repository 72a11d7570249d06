//! `healthcheck`: asks a running gateway's `/healthz`, for a container HEALTHCHECK with no curl in the image.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::cli::HealthcheckArgs;
use crate::settings_values::{duration_in_range, Zero};

/// Succeeds when `/healthz` answers 200 within the timeout.
pub async fn run(args: HealthcheckArgs) -> Result<(), String> {
    let timeout = duration_in_range("--timeout", args.timeout, Zero::Refused)?;
    let url = format!("http://{}/healthz", local_address(args.listen));
    let client = awc::Client::builder().timeout(timeout).finish();
    let response = client
        .get(url.as_str())
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if response.status().is_success() {
        println!("ok: {url} answered {}", response.status());
        Ok(())
    } else {
        Err(format!("{url} answered {}", response.status()))
    }
}

/// Where to reach a gateway listening on `listen`: an unspecified address is reached on loopback.
fn local_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_listen_address_is_asked_on_loopback() {
        assert_eq!(
            local_address("0.0.0.0:8080".parse().unwrap()).to_string(),
            "127.0.0.1:8080"
        );
        assert_eq!(
            local_address("[::]:9000".parse().unwrap()).to_string(),
            "[::1]:9000"
        );
        assert_eq!(
            local_address("10.1.2.3:80".parse().unwrap()).to_string(),
            "10.1.2.3:80"
        );
    }
}
