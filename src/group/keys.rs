//! The names of the group's Redis keys. They are named by a hash of the API key, never by the key itself, so
//! that a Redis shared with other software neither learns the key nor lets two keys' groups meet.

use sha2::{Digest, Sha256};

/// The keys of one group (one API key under one prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKeys {
    base: String,
}

impl GroupKeys {
    /// Names the group of `api_key` under `prefix`: `{prefix}:{hex of the first 16 bytes of sha256(key)}`.
    pub fn new(prefix: &str, api_key: &str) -> Self {
        let digest = Sha256::digest(api_key.as_bytes());
        Self {
            base: format!("{prefix}:{}", hex::encode(&digest[..16])),
        }
    }

    /// The part every key of the group starts with.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The group's nonce counter, with its epoch and the lane's fencing token (one hash: lost together).
    pub fn nonce(&self) -> String {
        format!("{}:nonce", self.base)
    }

    /// While Redis has lost the counter: until when (Redis server time, ms) members publish their marks.
    pub fn gathering(&self) -> String {
        format!("{}:nonce:gathering", self.base)
    }

    /// A hash of each gateway's durable local nonce mark, by gateway id.
    pub fn marks(&self) -> String {
        format!("{}:nonce:marks", self.base)
    }

    /// The lane's lease.
    pub fn lease(&self) -> String {
        format!("{}:lease", self.base)
    }

    /// The mirror's sync lease: which gateway syncs the group's shared store.
    pub fn mirror_sync_lease(&self) -> String {
        format!("{}:mirror:sync-lease", self.base)
    }

    /// Where the second cache level keeps the answer for a canonical cache key.
    pub fn answer(&self, cache_key: &str) -> String {
        format!("{}:cache:{cache_key}", self.base)
    }

    /// The SCAN pattern of every answer whose cache key starts with `prefix`.
    pub fn answers_matching(&self, prefix: &str) -> String {
        format!("{}:cache:{}*", self.base, escape_glob(prefix))
    }

    /// The channel on which the live events each gateway received are announced to the others.
    pub fn live(&self) -> String {
        format!("{}:live", self.base)
    }

    /// The channel on which purges are announced to the group's other gateways.
    pub fn purges(&self) -> String {
        format!("{}:purges", self.base)
    }
}

/// Escapes the characters Redis's glob patterns treat specially, so a cache key prefix matches only itself.
fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_named_by_a_hash_and_never_by_the_api_key() {
        let keys = GroupKeys::new("camlytics-gateway", "pk_live_visible_key");

        assert!(!keys.nonce().contains("pk_live"));
        // sha256("pk_live_visible_key"), first 16 bytes.
        let expected = &hex::encode(Sha256::digest(b"pk_live_visible_key"))[..32];
        assert_eq!(keys.nonce(), format!("camlytics-gateway:{expected}:nonce"));
    }

    #[test]
    fn two_keys_or_two_prefixes_make_two_groups() {
        let one = GroupKeys::new("gw", "key-1");

        assert_ne!(one, GroupKeys::new("gw", "key-2"));
        assert_ne!(one, GroupKeys::new("other", "key-1"));
    }

    #[test]
    fn a_purge_pattern_matches_its_prefix_literally() {
        let keys = GroupKeys::new("gw", "key");

        let pattern = keys.answers_matching("/totals?a=[1]*");

        assert!(
            pattern.ends_with(":cache:/totals\\?a=\\[1\\]\\**"),
            "{pattern}"
        );
    }
}
