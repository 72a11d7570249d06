//! Request signing: `X-Sign` = hex(HMAC-SHA512(secret, request target)).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha512;

use crate::secret::Secret;

/// Signs the exact request target that goes on the wire (base path, path and query; no scheme or host).
pub fn sign(secret: &Secret, request_target: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha512>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any size");
    mac.update(request_target.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_reference_javascript_example() {
        let secret = Secret::new("ehsd7485746548574");
        let target = "/service/api/v1/locations?nonce=1700000000";
        assert_eq!(
            sign(&secret, target),
            "afbb9a8576918e5fce9feaae70a6e6db1c5aecdf9b67b25373076f6c6c5c508e5af0d3ccee24b4d3fb9bdeafb96719fd6b65f66010614fe4a54174a2d7e91b4d"
        );
    }
}
