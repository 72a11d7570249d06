//! Caller tokens: parsing `name:token[:admin][:rps=N][:burst=N]` entries and finding a token in constant time.
//!
//! Only SHA-256 digests are kept, so a plain token never stays in memory past start-up, and a deployment file
//! can hold `name:sha256:<hex>` instead of the token itself.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// One known caller: its name, its token's digest, and what it may do.
#[derive(Clone)]
pub struct TokenEntry {
    /// The caller's name: logged, used for rate limits, fair queueing and metrics.
    pub name: Arc<str>,
    /// Whether this caller may use admin routes.
    pub admin: bool,
    /// This caller's own requests a second, if its entry sets one.
    pub rps: Option<f64>,
    /// This caller's own burst, if its entry sets one.
    pub burst: Option<u32>,
    digest: [u8; 32],
}

impl fmt::Debug for TokenEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The digest stays out: it is as good as the token against a fast offline guess of a weak token.
        f.debug_struct("TokenEntry")
            .field("name", &self.name)
            .field("admin", &self.admin)
            .field("rps", &self.rps)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

/// The known callers.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    entries: Vec<TokenEntry>,
}

impl Tokens {
    /// Adds every entry of `text` split at `separator`; blank entries and lines starting with `#` are skipped.
    /// Errors name `label` and the entry's number, never the token. Returns how many entries were added.
    pub fn add_list(&mut self, text: &str, separator: char, label: &str) -> Result<usize, String> {
        let mut added = 0;
        for (index, raw) in text.split(separator).enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = parse_entry(line).map_err(|e| format!("{label} {}: {e}", index + 1))?;
            if self.entries.iter().any(|known| known.name == entry.name) {
                return Err(format!(
                    "{label} {}: the name '{}' is used twice",
                    index + 1,
                    entry.name
                ));
            }
            if self
                .entries
                .iter()
                .any(|known| known.digest == entry.digest)
            {
                return Err(format!(
                    "{label} {} ('{}'): the same token is given to two names",
                    index + 1,
                    entry.name
                ));
            }
            self.entries.push(entry);
            added += 1;
        }
        Ok(added)
    }

    /// The caller whose token this is. Every entry is compared, in constant time, whatever matches.
    pub fn find(&self, presented: &str) -> Option<&TokenEntry> {
        let digest = Sha256::digest(presented.as_bytes());
        let mut found = None;
        for entry in &self.entries {
            if bool::from(entry.digest.as_slice().ct_eq(digest.as_slice())) {
                found = Some(entry);
            }
        }
        found
    }

    /// Every known caller.
    pub fn entries(&self) -> &[TokenEntry] {
        &self.entries
    }

    /// Whether no token is known.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// `name:token[:option]*` or `name:sha256:<64 hex>[:option]*`; options are `admin`, `rps=N`, `burst=N`.
fn parse_entry(line: &str) -> Result<TokenEntry, String> {
    // Without a ':' the line may be a token alone (its name forgotten): it is never echoed, nor is a name
    // that fails the rules, since it may be a token too.
    if !line.contains(':') {
        return Err("the entry has no token (format name:token[:admin])".into());
    }
    let mut parts = line.split(':').map(str::trim);
    let name = parts.next().unwrap_or_default();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(
            "the name (before the first ':') must be 1 to 64 letters, digits, '.', '_' or '-' (format name:token[:admin])"
                .into(),
        );
    }
    let digest = match parts.next() {
        Some("sha256") => parse_hex_digest(parts.next().unwrap_or_default())?,
        Some(token) if !token.is_empty() && !token.chars().any(char::is_whitespace) => {
            Sha256::digest(token.as_bytes()).into()
        }
        _ => return Err(format!("'{name}' has no token (format name:token[:admin])")),
    };
    let mut entry = TokenEntry {
        name: name.into(),
        admin: false,
        rps: None,
        burst: None,
        digest,
    };
    for option in parts {
        apply_option(&mut entry, option)?;
    }
    Ok(entry)
}

fn parse_hex_digest(text: &str) -> Result<[u8; 32], String> {
    let mut digest = [0u8; 32];
    hex::decode_to_slice(text, &mut digest).map_err(|_| {
        "a sha256 token must be 64 hex digits (e.g. from `printf %s TOKEN | sha256sum`)".to_string()
    })?;
    Ok(digest)
}

fn apply_option(entry: &mut TokenEntry, option: &str) -> Result<(), String> {
    let name = &entry.name;
    match option.split_once('=') {
        None if option == "admin" => entry.admin = true,
        Some(("rps", value)) => match value.parse::<f64>() {
            Ok(rps) if rps.is_finite() && rps > 0.0 => entry.rps = Some(rps),
            _ => {
                return Err(format!(
                    "'{name}': rps must be a number above 0, not '{value}'"
                ))
            }
        },
        Some(("burst", value)) => match value.parse::<u32>() {
            Ok(burst) if burst > 0 => entry.burst = Some(burst),
            _ => {
                return Err(format!(
                    "'{name}': burst must be a whole number of at least 1, not '{value}'"
                ))
            }
        },
        _ => {
            return Err(format!(
                "'{name}': unknown option '{option}'; allowed: admin, rps=N, burst=N"
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Tokens {
        let mut tokens = Tokens::default();
        tokens.add_list(text, '\n', "test line").unwrap();
        tokens
    }

    #[test]
    fn plain_and_hashed_tokens_are_both_found_by_the_token_itself() {
        let hashed = hex::encode(Sha256::digest(b"dash-token"));
        let tokens = tokens(&format!(
            "# apps\nreports:rep-token\n\ndashboard:sha256:{hashed}:admin\n"
        ));
        assert_eq!(&*tokens.find("rep-token").unwrap().name, "reports");
        let dashboard = tokens.find("dash-token").unwrap();
        assert_eq!(&*dashboard.name, "dashboard");
        assert!(dashboard.admin);
        assert!(tokens.find("wrong").is_none());
        assert!(tokens.find(&hashed).is_none());
    }

    #[test]
    fn an_entry_may_set_its_own_pace() {
        let tokens = tokens("batch:tok:rps=0.5:burst=3");
        let batch = tokens.find("tok").unwrap();
        assert_eq!(
            (batch.rps, batch.burst, batch.admin),
            (Some(0.5), Some(3), false)
        );
    }

    #[test]
    fn bad_entries_are_refused_naming_the_line_but_never_the_token() {
        for (text, expected) in [
            ("no-token", "has no token"),
            ("tok-secret-alone", "has no token"),
            ("tok-secret a:x", "the name"),
            ("a b:tok", "the name"),
            ("app:tok-secret-1:superuser", "unknown option"),
            ("app:tok-secret-1:rps=0", "rps must be"),
            ("app:sha256:abc", "64 hex digits"),
            ("app:tok-secret-1\nother:tok-secret-1", "two names"),
            ("app:tok-secret-1\napp:tok-secret-2", "used twice"),
        ] {
            let error = Tokens::default()
                .add_list(text, '\n', "GATEWAY_TOKENS_FILE 'x' line")
                .unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(error.contains("line"), "{error}");
            assert!(!error.contains("tok-secret"), "{error}");
        }
    }

    #[test]
    fn debug_output_shows_names_but_no_token_material() {
        let tokens = tokens("app:tok-visible-123");
        let printed = format!("{tokens:?}");
        assert!(printed.contains("app"));
        assert!(!printed.contains("tok-visible-123"));
        assert!(!printed.contains(&hex::encode(Sha256::digest(b"tok-visible-123"))));
    }
}
