//! Who may call: the `X-Key` check and the `X-Sign` HMAC-SHA512 over the raw request target.

use hmac::{Hmac, KeyInit, Mac};

use super::reply::Rejection;
use crate::secret::Secret;

/// Lowercase hex of HMAC-SHA512(secret, target), as the reference's examples compute it.
pub(super) fn sign(secret: &Secret, target: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail; an empty MAC would simply never match.
    match Hmac::<sha2::Sha512>::new_from_slice(secret.expose().as_bytes()) {
        Ok(mut mac) => {
            mac.update(target.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Step 1: the `X-Key` header must equal the configured key.
pub(super) fn check_key(given: Option<&str>, expected: &str) -> Result<(), Rejection> {
    match given {
        Some(key) if same(key.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(Rejection::invalid_key()),
    }
}

/// Step 2: the `X-Sign` header must be the HMAC of exactly the target received (hex in either case).
pub(super) fn check_signature(
    given: Option<&str>,
    secret: &Secret,
    target: &str,
) -> Result<(), Rejection> {
    let expected = sign(secret, target);
    match given {
        Some(sign) if same(sign.to_ascii_lowercase().as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(Rejection::invalid_signature()),
    }
}

/// Compares without stopping at the first difference, so timing says little about the expected value.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_SIGN: &str = "afbb9a8576918e5fce9feaae70a6e6db1c5aecdf9b67b25373076f6c6c5c508e\
                             5af0d3ccee24b4d3fb9bdeafb96719fd6b65f66010614fe4a54174a2d7e91b4d";

    #[test]
    fn signing_matches_the_fixed_vector() {
        let secret = Secret::new("ehsd7485746548574");
        assert_eq!(
            sign(&secret, "/service/api/v1/locations?nonce=1700000000"),
            SPEC_SIGN
        );
    }

    #[test]
    fn a_signature_over_another_target_is_refused() {
        let secret = Secret::new("ehsd7485746548574");
        let target = "/service/api/v1/locations?nonce=1700000001";
        assert_eq!(
            check_signature(Some(SPEC_SIGN), &secret, target),
            Err(Rejection::invalid_signature())
        );
        assert_eq!(
            check_signature(None, &secret, target),
            Err(Rejection::invalid_signature())
        );
        let upper = SPEC_SIGN.to_ascii_uppercase();
        let signed = "/service/api/v1/locations?nonce=1700000000";
        assert_eq!(check_signature(Some(&upper), &secret, signed), Ok(()));
    }

    #[test]
    fn a_missing_or_wrong_key_is_refused() {
        assert_eq!(check_key(Some("demo-key"), "demo-key"), Ok(()));
        assert_eq!(
            check_key(Some("demo-kez"), "demo-key"),
            Err(Rejection::invalid_key())
        );
        assert_eq!(check_key(None, "demo-key"), Err(Rejection::invalid_key()));
    }
}
