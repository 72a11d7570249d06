//! The gate's upkeep while the gateway runs: tokens are read again on SIGHUP and whenever
//! `GATEWAY_TOKENS_FILE` changes (Kubernetes and Docker rotate secrets by swapping the file), and the
//! summaries of refusals not logged one by one are written out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::gate::Gate;
use super::sources::{FileStamp, TokenSources};
use super::tokens::Tokens;

/// How often the tokens file's metadata is looked at (one `stat`), and refusal summaries are due.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// The upkeep of one gate, ready to run beside its server.
pub struct Upkeep {
    gate: Arc<Gate>,
    watched: Watched,
    hangups: Hangups,
}

impl Upkeep {
    /// Watches for SIGHUP from now on, so one sent as soon as the gateway listens is not missed (nor fatal,
    /// which is what SIGHUP is to a process that does not watch for it). Needs the server's runtime.
    pub fn new(gate: Arc<Gate>, sources: TokenSources) -> Self {
        Self {
            gate,
            watched: Watched::new(sources),
            hangups: hangups(),
        }
    }

    /// Runs until the task is dropped; [`crate::startup::Application::run_until_stopped`] ends it with the
    /// server.
    pub async fn run(self) {
        let Self {
            gate,
            mut watched,
            mut hangups,
        } = self;
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let forced = tokio::select! {
                _ = tick.tick() => false,
                () = hangup(&mut hangups) => true,
            };
            gate.log_refusal_summaries(Instant::now());
            if watched.sources.file.is_none() && !forced {
                continue;
            }
            // A stat, and on a change a read: file I/O stays off the server's threads.
            let checked = actix_web::rt::task::spawn_blocking(move || {
                let outcome = watched.check(forced);
                (watched, outcome)
            })
            .await;
            let outcome;
            (watched, outcome) = match checked {
                Ok(done) => done,
                Err(e) => {
                    log::error!("callers: the tokens file watch stopped: {e}");
                    return;
                }
            };
            apply(&gate, &watched.sources, outcome, forced);
        }
    }
}

/// What a look at the tokens file found.
#[derive(Debug)]
enum Outcome {
    /// Nothing to do.
    Unchanged,
    /// SIGHUP without a file to read.
    NoFile,
    /// The file changed and reads well: the list and the file's entries.
    Read(Tokens),
    /// The file changed but cannot be used; the message names the line, never a token.
    Invalid(String),
}

/// The sources, and the file's stamp when it was last read.
struct Watched {
    sources: TokenSources,
    read_at: Option<FileStamp>,
}

impl Watched {
    fn new(sources: TokenSources) -> Self {
        // Unknown (sources not read through the settings): the first look reads the file.
        let read_at = sources.read_at.clone();
        Self { sources, read_at }
    }

    /// Reads the file when forced or when its stamp changed. Blocking.
    fn check(&mut self, forced: bool) -> Outcome {
        let Some(path) = self.sources.file.clone() else {
            return Outcome::NoFile;
        };
        let before = FileStamp::of(&path).ok();
        if !forced && before == self.read_at {
            return Outcome::Unchanged;
        }
        let read = self.sources.read();
        if FileStamp::of(&path).ok() != before {
            // Written to while we read it: what we read may be half of it. The next look reads it again.
            return Outcome::Unchanged;
        }
        self.read_at = before;
        match read {
            Ok(Some(tokens)) => Outcome::Read(tokens),
            Ok(None) => Outcome::Invalid("no token is left".into()),
            Err(message) => Outcome::Invalid(message),
        }
    }
}

fn apply(gate: &Gate, sources: &TokenSources, outcome: Outcome, forced: bool) {
    let why = if forced { "SIGHUP" } else { "the file changed" };
    match outcome {
        Outcome::Unchanged => {}
        Outcome::NoFile => {
            log::info!("callers: SIGHUP received; there is no GATEWAY_TOKENS_FILE to read again")
        }
        Outcome::Read(tokens) => {
            let count = tokens.entries().len();
            match gate.replace_tokens(tokens) {
                Ok(()) => log::info!(
                    "callers: tokens read again ({why}): {count} token{}{}",
                    if count == 1 { "" } else { "s" },
                    if sources.listed.is_empty() {
                        ""
                    } else {
                        ", GATEWAY_TOKENS included"
                    }
                ),
                Err(e) => log::error!("callers: tokens not replaced ({why}): {e}"),
            }
        }
        Outcome::Invalid(message) => log::error!(
            "callers: tokens not replaced ({why}), the previous ones stay in use: {message}"
        ),
    }
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = Option<()>;

#[cfg(unix)]
fn hangups() -> Hangups {
    use tokio::signal::unix::{signal, SignalKind};
    signal(SignalKind::hangup())
        .map_err(|e| {
            log::warn!("callers: SIGHUP cannot be watched ({e}); the tokens file is still watched")
        })
        .ok()
}

#[cfg(not(unix))]
fn hangups() -> Hangups {
    None
}

/// The next SIGHUP; never, when it cannot be watched.
async fn hangup(hangups: &mut Hangups) {
    #[cfg(unix)]
    if let Some(signal) = hangups {
        if signal.recv().await.is_some() {
            return;
        }
    }
    #[cfg(not(unix))]
    let _ = hangups;
    std::future::pending::<()>().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watched(path: &std::path::Path) -> Watched {
        let mut sources = TokenSources {
            listed: Tokens::default(),
            file: Some(path.to_path_buf()),
            read_at: None,
        };
        sources.read_at = sources.stamp();
        Watched::new(sources)
    }

    #[test]
    fn an_untouched_file_is_not_read_again_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens");
        std::fs::write(&path, "a:tok-1\n").unwrap();
        let mut watched = watched(&path);
        assert!(matches!(watched.check(false), Outcome::Unchanged));
        assert!(matches!(watched.check(true), Outcome::Read(_)));
    }

    #[test]
    fn a_replaced_file_is_read_once_and_an_invalid_one_is_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        let (path, next) = (dir.path().join("tokens"), dir.path().join("next"));
        std::fs::write(&path, "a:tok-1\n").unwrap();
        let mut watched = watched(&path);
        std::fs::write(&next, "a:tok-1\nb:tok-2\n").unwrap();
        std::fs::rename(&next, &path).unwrap();
        let Outcome::Read(tokens) = watched.check(false) else {
            panic!("the new file was not read");
        };
        assert!(tokens.find("tok-2").is_some());
        assert!(matches!(watched.check(false), Outcome::Unchanged));
        std::fs::write(&next, "a:tok-1\nb tok-2\n").unwrap();
        std::fs::rename(&next, &path).unwrap();
        let Outcome::Invalid(message) = watched.check(false) else {
            panic!("the invalid file was not reported");
        };
        assert!(
            message.contains("line 2") && !message.contains("tok-"),
            "{message}"
        );
        assert!(matches!(watched.check(false), Outcome::Unchanged));
    }
}
