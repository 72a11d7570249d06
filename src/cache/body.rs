//! A cached answer body: its bytes, its ETag, and its compressed forms, each made once on first use.

use std::io::Write;
use std::sync::OnceLock;

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use sha2::{Digest, Sha256};

/// Bodies smaller than this go out uncompressed: the headers would cost more than the saving.
const MIN_COMPRESS_BYTES: usize = 512;
/// Bodies up to this size are compressed inline (well under a millisecond); larger ones on the blocking pool,
/// where brotli of a large events page cannot stall the worker's other connections.
pub const INLINE_COMPRESS_BYTES: usize = 64 << 10;

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
    /// Returns the coding actually used. Call [`Self::prepare`] first on a worker: it moves large compressions
    /// off it, after which this only clones the stored form.
    pub fn encoded(&self, encoding: Encoding) -> (Encoding, Bytes) {
        let compressed = match self.form(encoding) {
            None => None,
            Some((slot, with)) => slot.get_or_init(|| compress(&self.bytes, with)).clone(),
        };
        match compressed {
            Some(bytes) => (encoding, bytes),
            None => (Encoding::Identity, self.bytes.clone()),
        }
    }

    /// Whether [`Self::encoded`] answers without heavy work: identity, a small body, or a form already made.
    pub fn is_ready(&self, encoding: Encoding) -> bool {
        match self.form(encoding) {
            None => true,
            Some((slot, _)) => self.bytes.len() <= INLINE_COMPRESS_BYTES || slot.get().is_some(),
        }
    }

    /// Makes the `encoding` form of a large body on the blocking pool, once; at once when it is ready.
    pub async fn prepare(&self, encoding: Encoding) {
        if self.is_ready(encoding) {
            return;
        }
        let Some((slot, with)) = self.form(encoding) else {
            return;
        };
        // A clone of `Bytes` shares the buffer; the closure must own what it reads.
        let bytes = self.bytes.clone();
        if let Ok(compressed) = tokio::task::spawn_blocking(move || compress(&bytes, with)).await {
            // Two first callers may both compress; the first to finish is kept, and both forms are equal.
            let _ = slot.set(compressed);
        }
    }

    /// Where the `encoding` form is kept and how it is made; none for identity.
    fn form(&self, encoding: Encoding) -> Option<(&OnceLock<Option<Bytes>>, Compressor)> {
        match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => Some((&self.gzip, gzip)),
            Encoding::Brotli => Some((&self.brotli, brotli)),
        }
    }
}

type Compressor = fn(&[u8]) -> std::io::Result<Vec<u8>>;

/// The compressed form of `bytes`, or none when it is too small to be worth it (or compression failed).
fn compress(bytes: &[u8], with: Compressor) -> Option<Bytes> {
    if bytes.len() < MIN_COMPRESS_BYTES {
        return None;
    }
    with(bytes).ok().map(Bytes::from)
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

    #[actix_web::test]
    async fn a_large_body_is_compressed_off_the_worker_and_decompresses_to_itself() {
        let item = "{\"id\":12345,\"type\":\"person\",\"at\":\"2026-01-01T00:00:00Z\"},";
        let text = format!("{{\"code\":0,\"result\":[{}]}}", item.repeat(4000));
        assert!(text.len() > INLINE_COMPRESS_BYTES);
        let body = CachedBody::new(Bytes::from(text.clone()));
        assert!(
            !body.is_ready(Encoding::Brotli),
            "a large form is made by prepare"
        );
        assert!(body.is_ready(Encoding::Identity));

        body.prepare(Encoding::Brotli).await;

        assert!(body.is_ready(Encoding::Brotli));
        let (coding, br) = body.encoded(Encoding::Brotli);
        assert_eq!(coding, Encoding::Brotli);
        assert!(br.len() < text.len() / 10, "{} bytes", br.len());
        let mut plain = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, text);
        let (_, again) = body.encoded(Encoding::Brotli);
        assert_eq!(br.as_ptr(), again.as_ptr(), "prepared once, then reused");
    }

    #[test]
    fn small_bodies_are_ready_to_compress_inline() {
        let body = CachedBody::new(Bytes::from("x".repeat(INLINE_COMPRESS_BYTES)));
        assert!(body.is_ready(Encoding::Gzip));
        assert!(body.is_ready(Encoding::Brotli));
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
