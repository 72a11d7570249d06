//! A cached answer body: its bytes, its ETag, and its compressed forms, each made once on first use.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use sha2::{Digest, Sha256};

/// Bodies smaller than this go out uncompressed: the headers would cost more than the saving.
const MIN_COMPRESS_BYTES: usize = 512;

/// A content coding the gateway can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As is.
    Identity,
    /// gzip (flate2).
    Gzip,
    /// Brotli.
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` token, none for identity.
    pub fn token(self) -> Option<&'static str> {
        match self {
            Self::Identity => None,
            Self::Gzip => Some("gzip"),
            Self::Brotli => Some("br"),
        }
    }

    /// Picks the best coding the caller accepts (`Accept-Encoding`), preferring brotli, honouring `q=0`.
    pub fn negotiate(accept_encoding: &str) -> Self {
        if accept_encoding.is_empty() {
            return Self::Identity;
        }
        let accepts = |wanted: &str| {
            accept_encoding.split(',').any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let token = parts.next().unwrap_or_default();
                let refused = parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                (token.eq_ignore_ascii_case(wanted) || token == "*") && !refused
            })
        };
        if accepts("br") {
            Self::Brotli
        } else if accepts("gzip") {
            Self::Gzip
        } else {
            Self::Identity
        }
    }
}

/// A body ready to serve many times.
#[derive(Debug)]
pub struct CachedBody {
    bytes: Bytes,
    etag: String,
    /// The quoted tags for identity, gzip and brotli, made once as header values.
    tags: [HeaderValue; 3],
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
}

impl CachedBody {
    /// Wraps bytes and derives their ETag (a hash of the content).
    pub fn new(bytes: Bytes) -> Self {
        let digest = Sha256::digest(&bytes);
        let etag = hex::encode(&digest[..16]);
        // Hex digits and fixed suffixes: always valid header values.
        let tags = ["", "-gzip", "-br"].map(|suffix| {
            HeaderValue::from_maybe_shared(Bytes::from(format!("\"{etag}{suffix}\"")))
                .unwrap_or(HeaderValue::from_static(""))
        });
        Self {
            bytes,
            etag,
            tags,
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        }
    }

    /// The uncompressed bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The entity tag of this body in `encoding`, quoted; codings get their own tag, as RFC 9110 asks.
    pub fn etag(&self, encoding: Encoding) -> &HeaderValue {
        match encoding {
            Encoding::Identity => &self.tags[0],
            Encoding::Gzip => &self.tags[1],
            Encoding::Brotli => &self.tags[2],
        }
    }

    /// Whether an `If-None-Match` value names this body (weak comparison, any coding).
    pub fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').map(str::trim).any(|tag| {
            let tag = tag.trim_start_matches("W/").trim_matches('"');
            tag == "*" || tag.split('-').next() == Some(self.etag.as_str())
        })
    }

    /// The body in `encoding`, compressing on first use only; small bodies stay uncompressed.
    /// Returns the coding actually used.
    pub fn encoded(&self, encoding: Encoding) -> (Encoding, Bytes) {
        let compressed = match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => self.gzip.get_or_init(|| self.compress(gzip)).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| self.compress(brotli)).clone(),
        };
        match compressed {
            Some(bytes) => (encoding, bytes),
            None => (Encoding::Identity, self.bytes.clone()),
        }
    }

    fn compress(&self, with: fn(&[u8]) -> std::io::Result<Vec<u8>>) -> Option<Bytes> {
        if self.bytes.len() < MIN_COMPRESS_BYTES {
            return None;
        }
        with(&self.bytes).ok().map(Bytes::from)
    }
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data)?;
    encoder.finish()
}

fn brotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        // Quality 5 compresses JSON well at a fraction of the cost of 11; done once per entry anyway.
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        writer.write_all(data)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn brotli_is_preferred_and_q0_refuses_a_coding() {
        assert_eq!(Encoding::negotiate("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(Encoding::negotiate("gzip"), Encoding::Gzip);
        assert_eq!(Encoding::negotiate("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(Encoding::negotiate("identity"), Encoding::Identity);
        assert_eq!(Encoding::negotiate(""), Encoding::Identity);
    }

    #[test]
    fn a_body_is_compressed_once_and_decompresses_to_itself() {
        let text = "{\"code\":0,\"result\":[".to_string() + &"{\"id\":1},".repeat(200) + "]}";
        let body = CachedBody::new(Bytes::from(text.clone()));
        let (coding, gz) = body.encoded(Encoding::Gzip);
        assert_eq!(coding, Encoding::Gzip);
        let (_, again) = body.encoded(Encoding::Gzip);
        assert_eq!(
            gz.as_ptr(),
            again.as_ptr(),
            "the second use reuses the first compression"
        );
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, text);
        assert!(body.encoded(Encoding::Brotli).1.len() < text.len());
    }

    #[test]
    fn etags_match_weakly_across_codings() {
        let body = CachedBody::new(Bytes::from_static(b"{}"));
        let tag = |coding| body.etag(coding).to_str().unwrap().to_string();
        assert!(body.matches(&tag(Encoding::Identity)));
        assert!(body.matches(&format!("W/{}", tag(Encoding::Gzip))));
        assert!(body.matches("\"other\", *"));
        assert!(!body.matches("\"other\""));
    }
}
