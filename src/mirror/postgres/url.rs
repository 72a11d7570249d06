//! Where the PostgreSQL store is: a `postgres://` URL (or libpq's `key=value` form) read once, shown only with
//! its password redacted.

use std::fmt;
use std::time::Duration;

use tokio_postgres::config::Host;

/// How long a connection attempt may take when the URL sets no `connect_timeout`.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL connection URL. It may carry a password, so `Display` and `Debug` are built from its parts
/// with the password replaced by `[REDACTED]`, and its text is never kept.
#[derive(Clone)]
pub struct PgUrl(tokio_postgres::Config);

impl PgUrl {
    /// Reads `text` (`postgres://[user[:password]@]host[:port]/database[?options]`); the error names the
    /// setting's shape, never the text, which may hold the password.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut config: tokio_postgres::Config = text.trim().parse().map_err(|_| {
            "is not a PostgreSQL URL (postgres://[user[:password]@]host[:port]/database)"
                .to_string()
        })?;
        if config.get_hosts().is_empty() {
            return Err("names no host".into());
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        // A commit is acknowledged only once it is flushed to disk, whatever the server's default says.
        let options = match config.get_options() {
            Some(given) => format!("{given} -c synchronous_commit=on"),
            None => "-c synchronous_commit=on".to_string(),
        };
        config.options(options);
        Ok(Self(config))
    }

    /// The same server and credentials, another database (the tests make one each).
    pub fn with_database(&self, name: &str) -> Self {
        let mut config = self.0.clone();
        config.dbname(name);
        Self(config)
    }

    /// The parsed configuration, password included; only for connecting.
    pub(super) fn config(&self) -> &tokio_postgres::Config {
        &self.0
    }
}

impl fmt::Display for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("postgres://")?;
        let password = if self.0.get_password().is_some() {
            ":[REDACTED]"
        } else {
            ""
        };
        match self.0.get_user() {
            Some(user) => write!(f, "{user}{password}@")?,
            None if !password.is_empty() => write!(f, "{password}@")?,
            None => {}
        }
        let ports = self.0.get_ports();
        for (n, host) in self.0.get_hosts().iter().enumerate() {
            if n > 0 {
                f.write_str(",")?;
            }
            match host {
                Host::Tcp(name) if name.contains(':') => write!(f, "[{name}]")?,
                Host::Tcp(name) => f.write_str(name)?,
                #[cfg(unix)]
                Host::Unix(path) => write!(f, "{}", path.display())?,
            }
            if let Some(port) = ports.get(n).or(ports.first()) {
                write!(f, ":{port}")?;
            }
        }
        write!(f, "/{}", self.0.get_dbname().unwrap_or(""))
    }
}

impl fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PgUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown_by_display_or_debug() {
        let url = PgUrl::parse("postgres://mirror:s3cret-pw@db.example:6543/events").unwrap();

        let shown = format!("{url} {url:?}");

        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(
            shown.contains("postgres://mirror:[REDACTED]@db.example:6543/events"),
            "{shown}"
        );
    }

    #[test]
    fn the_key_value_form_is_read_and_shown_redacted_too() {
        let url = PgUrl::parse("host=127.0.0.1 user=postgres password=hunter2 dbname=m").unwrap();

        assert_eq!(
            url.to_string(),
            "postgres://postgres:[REDACTED]@127.0.0.1/m"
        );
    }

    #[test]
    fn a_url_that_cannot_be_read_is_refused_without_quoting_it() {
        let refused = PgUrl::parse("postgres://user:pa ss@host:notaport/db").unwrap_err();

        assert!(!refused.contains("pa ss"), "{refused}");
        assert!(refused.contains("postgres://"), "{refused}");
    }
}
