//! Header values written from a few pieces of text without a heap buffer in between: answers carry several
//! such values (cache status, age, rate limits) and cache hits are the hot path.

use actix_web::http::header::HeaderValue;

/// The longest value written on the stack; longer ones go through a `String`.
const STACK_BYTES: usize = 128;

/// The header value made of `parts`, one after the other. Parts hold only fixed text and numbers, so an
/// invalid value cannot arise; if one did, the value would be empty rather than a panic.
pub fn joined(parts: &[&str]) -> HeaderValue {
    let length: usize = parts.iter().map(|part| part.len()).sum();
    let made = if length <= STACK_BYTES {
        let mut buffer = [0u8; STACK_BYTES];
        let mut at = 0;
        for part in parts {
            buffer[at..at + part.len()].copy_from_slice(part.as_bytes());
            at += part.len();
        }
        HeaderValue::from_bytes(&buffer[..length])
    } else {
        HeaderValue::from_str(&parts.concat())
    };
    made.unwrap_or(HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_values_are_joined_alike() {
        assert_eq!(joined(&["max-age=", "60"]), "max-age=60");
        let long = "x".repeat(200);
        assert_eq!(joined(&["a", &long]).len(), 201);
        assert_eq!(joined(&["bad\n"]), "");
    }
}
