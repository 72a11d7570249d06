//! Whether the nonce state directory is writable, checked by writing a file at most once per interval.
//!
//! `/readyz` is open and has no quota: writing a file on every call would let any poller drive file I/O. The
//! write runs on the blocking pool, never on an actix worker, and its result is reused for the interval.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// How long a writability result is reused: readiness pollers ask every few seconds at most.
pub const RECHECK_AFTER: Duration = Duration::from_secs(5);

/// The state directory's writability, re-checked at most once per interval.
pub struct WritableCheck {
    dir: Arc<PathBuf>,
    every: Duration,
    // Held across the check so concurrent pollers share one write.
    last: Mutex<Option<(Instant, Result<(), String>)>>,
    writes: AtomicU64,
}

impl WritableCheck {
    /// A check of `dir` whose result is reused for `every`.
    pub fn new(dir: PathBuf, every: Duration) -> Self {
        Self {
            dir: Arc::new(dir),
            every,
            last: Mutex::new(None),
            writes: AtomicU64::new(0),
        }
    }

    /// Whether the directory was writable at the last check (made now if the last is older than the interval).
    pub async fn check(&self) -> Result<(), String> {
        let mut last = self.last.lock().await;
        if let Some((at, result)) = last.as_ref() {
            if at.elapsed() < self.every {
                return result.clone();
            }
        }
        self.writes.fetch_add(1, Ordering::Relaxed);
        let dir = self.dir.clone();
        let result = tokio::task::spawn_blocking(move || write_and_remove(&dir))
            .await
            .map_err(|e| format!("the check did not finish: {e}"))
            .and_then(|written| written.map_err(|e| e.to_string()));
        *last = Some((Instant::now(), result.clone()));
        result
    }

    /// How many times the directory was actually written to: what the interval bounds.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }
}

fn write_and_remove(dir: &std::path::Path) -> std::io::Result<()> {
    let probe = dir.join(".readyz-probe");
    std::fs::write(&probe, b"ok")?;
    std::fs::remove_file(probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn a_thousand_checks_within_the_interval_write_once() {
        let dir = tempfile::tempdir().unwrap();
        let check = WritableCheck::new(dir.path().to_path_buf(), Duration::from_secs(60));
        for _ in 0..1000 {
            assert_eq!(check.check().await, Ok(()));
        }
        assert_eq!(check.writes(), 1);
    }

    #[actix_web::test]
    async fn a_directory_that_went_away_is_noticed_once_the_interval_has_passed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        std::fs::create_dir(&path).unwrap();
        let check = WritableCheck::new(path.clone(), Duration::from_millis(50));
        assert_eq!(check.check().await, Ok(()));
        std::fs::remove_dir(&path).unwrap();
        assert_eq!(check.check().await, Ok(()), "reused within the interval");
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert!(check.check().await.is_err());
        assert_eq!(check.writes(), 2);
    }
}
