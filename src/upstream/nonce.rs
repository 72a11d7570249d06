//! Nonce allocation: strictly increasing per key, across concurrency, restarts and crashes.
//!
//! `nonce = max(last + 1, unix seconds now)`. Before a nonce is handed out, a high-water mark at or above
//! it is on disk (write, fsync, rename, fsync the directory), so a restarted gateway, even after `kill -9`,
//! starts above every nonce it may have used. Marks are reserved a block ahead, so a disk write happens once
//! per block rather than once per call. That write (and its fsyncs) runs on tokio's blocking pool, never on
//! an actix worker, while an async lock keeps every other request for a nonce waiting behind it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;

/// The highest nonce the cloud accepts: it documents the nonce as int32.
pub const MAX_NONCE: i64 = i32::MAX as i64;

/// Below this many nonces left, the allocator warns in the log (about a year of one call per second).
pub const WARN_REMAINING: i64 = 31_536_000;

/// How far ahead of the nonce in use the durable mark is set.
const RESERVE_AHEAD: i64 = 64;

/// Why no nonce could be handed out.
#[derive(Debug, thiserror::Error)]
pub enum NonceError {
    /// The next nonce would pass 2^31-1, which the cloud cannot take.
    #[error("the nonce would pass 2^31-1 (the cloud's int32 limit); this API key cannot sign more calls: create a new key")]
    Exhausted,
    /// The high-water mark could not be made durable, so the nonce is not used.
    #[error("the nonce state could not be saved: {0}")]
    Storage(String),
    /// The nonce's coordinator (a group's Redis) cannot hand one out now; the call may be tried again later.
    #[error("{0}")]
    Unavailable(String),
}

/// Hands out nonces for one API key. Implementations must never return a value twice or a lower value
/// than before, even across processes that share the key through them.
#[async_trait]
pub trait NonceAllocator: Send + Sync {
    /// The next nonce, already durable.
    async fn next(&self) -> Result<i64, NonceError>;
    /// Makes every later nonce greater than `floor` (the cloud saw a higher nonce from elsewhere).
    async fn raise_floor(&self, floor: i64) -> Result<(), NonceError>;
    /// The last nonce handed out, or the persisted mark at start.
    fn last(&self) -> i64;
}

/// Unix time in whole seconds; injectable so tests can step the clock back.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp())
}

struct Marks {
    last: i64,
    durable: i64,
    warned_at: i64,
}

/// A nonce allocator for one key whose high-water mark lives in a file in the state directory.
/// The directory is locked while the allocator lives, so two gateways cannot share it.
pub struct FileNonceAllocator {
    path: PathBuf,
    /// Held across the disk write: nonces come out strictly increasing, each below a durable mark.
    marks: tokio::sync::Mutex<Marks>,
    /// `marks.last`, readable without waiting for a write in progress.
    last: AtomicI64,
    /// Makes a mark durable; a seam only for tests, which watch where it runs.
    writer: fn(&Path, i64) -> Result<(), NonceError>,
    /// The mark on disk, locked by the blocking write itself: a write whose caller went away cannot race a
    /// later one on the temporary file, nor put a lower mark back over a higher one.
    on_disk: Arc<std::sync::Mutex<i64>>,
    clock: Clock,
    _lock: File,
}

impl FileNonceAllocator {
    /// Opens (creating if needed) the state for `api_key` in `state_dir`, and locks it.
    pub fn open(state_dir: &Path, api_key: &str, clock: Clock) -> Result<Self, String> {
        fs::create_dir_all(state_dir).map_err(|e| {
            format!(
                "GATEWAY_STATE_DIR '{}' cannot be created: {e}",
                state_dir.display()
            )
        })?;
        let stem = format!("nonce-{}", file_safe(api_key));
        let lock_path = state_dir.join(format!("{stem}.lock"));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("'{}' cannot be opened: {e}", lock_path.display()))?;
        acquire(&lock, LOCK_WAIT).map_err(|_| {
            format!(
                "another gateway process holds the nonce state in '{}' for this key; two gateways must not share one key's nonces",
                state_dir.display()
            )
        })?;
        let path = state_dir.join(format!("{stem}.hwm"));
        let durable = read_mark(&path)?;
        Ok(Self {
            path,
            marks: tokio::sync::Mutex::new(Marks {
                last: durable,
                durable,
                warned_at: 0,
            }),
            last: AtomicI64::new(durable),
            writer: write_mark,
            on_disk: Arc::new(std::sync::Mutex::new(durable)),
            clock,
            _lock: lock,
        })
    }

    /// Makes `mark` durable off the async workers: write, fsync, rename and directory fsync block.
    async fn save(&self, mark: i64) -> Result<(), NonceError> {
        let (path, writer, on_disk) = (self.path.clone(), self.writer, self.on_disk.clone());
        tokio::task::spawn_blocking(move || {
            // A panic while holding it cannot leave a wrong value: it is set only after a write succeeded.
            let mut on_disk = on_disk.lock().unwrap_or_else(|e| e.into_inner());
            if mark > *on_disk {
                writer(&path, mark)?;
                *on_disk = mark;
            }
            Ok(())
        })
        .await
        .map_err(|e| NonceError::Storage(format!("the write of the nonce mark stopped: {e}")))?
    }
}

#[async_trait]
impl NonceAllocator for FileNonceAllocator {
    async fn next(&self) -> Result<i64, NonceError> {
        // If this future is dropped mid-write, `marks` is unchanged: the next call writes again, still safe.
        let mut marks = self.marks.lock().await;
        let nonce = (marks.last + 1).max((self.clock)());
        if nonce > MAX_NONCE {
            return Err(NonceError::Exhausted);
        }
        if nonce > marks.durable {
            let mark = (nonce + RESERVE_AHEAD).min(MAX_NONCE);
            self.save(mark).await?;
            marks.durable = mark;
        }
        marks.last = nonce;
        self.last.store(nonce, Ordering::SeqCst);
        let remaining = MAX_NONCE - nonce;
        if remaining < WARN_REMAINING && nonce - marks.warned_at >= 3600 {
            marks.warned_at = nonce;
            log::warn!(
                "nonce {nonce} is {remaining} below the cloud's limit of 2^31-1; rotate the API key before it runs out"
            );
        }
        Ok(nonce)
    }

    async fn raise_floor(&self, floor: i64) -> Result<(), NonceError> {
        let mut marks = self.marks.lock().await;
        if floor > marks.last {
            marks.last = floor.min(MAX_NONCE);
            self.last.store(marks.last, Ordering::SeqCst);
        }
        Ok(())
    }

    fn last(&self) -> i64 {
        self.last.load(Ordering::SeqCst)
    }
}

/// How long to wait for a previous gateway (still shutting down after a restart) to release the state.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Takes the exclusive lock, retrying for up to `wait` while another holder finishes.
fn acquire(lock: &File, wait: std::time::Duration) -> Result<(), ()> {
    let until = std::time::Instant::now() + wait;
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(()),
            Err(_) if std::time::Instant::now() < until => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Err(_) => return Err(()),
        }
    }
}

/// Keeps the key's file name readable and safe: the key is public, but may hold any character.
fn file_safe(api_key: &str) -> String {
    api_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

fn read_mark(path: &Path) -> Result<i64, String> {
    match fs::read_to_string(path) {
        Ok(text) => text.trim().parse::<i64>().map_err(|_| {
            format!(
                "the nonce state '{}' is damaged (expected one whole number); restore it or set it above the last nonce used",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(format!("'{}' cannot be read: {e}", path.display())),
    }
}

fn write_mark(path: &Path, mark: i64) -> Result<(), NonceError> {
    let storage = |e: std::io::Error| NonceError::Storage(format!("{}: {e}", path.display()));
    let temp = path.with_extension("hwm.tmp");
    let mut file = File::create(&temp).map_err(storage)?;
    writeln!(file, "{mark}").map_err(storage)?;
    file.sync_all().map_err(storage)?;
    fs::rename(&temp, path).map_err(storage)?;
    if let Some(dir) = path.parent() {
        // The rename itself must survive a crash: sync the directory entry too.
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(storage)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_clock(at: Arc<AtomicI64>) -> Clock {
        Arc::new(move || at.load(Ordering::SeqCst))
    }

    #[actix_web::test]
    async fn nonces_follow_the_clock_and_never_repeat_within_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(1_700_000_000));
        let nonces = FileNonceAllocator::open(dir.path(), "key", fixed_clock(now.clone())).unwrap();
        assert_eq!(nonces.next().await.unwrap(), 1_700_000_000);
        assert_eq!(nonces.next().await.unwrap(), 1_700_000_001);
        now.store(1_700_000_100, Ordering::SeqCst);
        assert_eq!(nonces.next().await.unwrap(), 1_700_000_100);
    }

    #[actix_web::test]
    async fn a_clock_that_steps_back_never_lowers_the_nonce() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(1_700_000_000));
        let nonces = FileNonceAllocator::open(dir.path(), "key", fixed_clock(now.clone())).unwrap();
        let first = nonces.next().await.unwrap();
        now.store(1_600_000_000, Ordering::SeqCst);
        assert_eq!(nonces.next().await.unwrap(), first + 1);
    }

    #[actix_web::test]
    async fn a_reopened_allocator_starts_above_every_nonce_handed_out() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(1_700_000_000));
        let mut last = 0;
        {
            let nonces =
                FileNonceAllocator::open(dir.path(), "key", fixed_clock(now.clone())).unwrap();
            for _ in 0..200 {
                last = nonces.next().await.unwrap();
            }
            // Dropped without any shutdown step, as after kill -9.
        }
        let nonces = FileNonceAllocator::open(dir.path(), "key", fixed_clock(now)).unwrap();
        assert!(nonces.next().await.unwrap() > last);
    }

    #[actix_web::test]
    async fn a_second_allocator_on_the_same_state_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let _first = FileNonceAllocator::open(dir.path(), "key", system_clock()).unwrap();
        let second = FileNonceAllocator::open(dir.path(), "key", system_clock());
        assert!(second.err().unwrap().contains("another gateway"));
    }

    #[actix_web::test]
    async fn nonces_past_the_int32_limit_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(MAX_NONCE));
        let nonces = FileNonceAllocator::open(dir.path(), "key", fixed_clock(now)).unwrap();
        assert_eq!(nonces.next().await.unwrap(), MAX_NONCE);
        assert!(matches!(nonces.next().await, Err(NonceError::Exhausted)));
    }

    #[actix_web::test]
    async fn raising_the_floor_moves_later_nonces_above_it() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(1_700_000_000));
        let nonces = FileNonceAllocator::open(dir.path(), "key", fixed_clock(now)).unwrap();
        nonces.raise_floor(1_800_000_000).await.unwrap();
        assert_eq!(nonces.next().await.unwrap(), 1_800_000_001);
    }

    #[actix_web::test]
    async fn concurrent_callers_get_strictly_increasing_nonces_each_below_the_mark_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let now = Arc::new(AtomicI64::new(1_700_000_000));
        let nonces =
            Arc::new(FileNonceAllocator::open(dir.path(), "key", fixed_clock(now)).unwrap());
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let nonces = nonces.clone();
            tasks.push(actix_web::rt::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..100 {
                    got.push(nonces.next().await.unwrap());
                }
                got
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            let got = task.await.unwrap();
            assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
            all.extend(got);
        }
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 800, "a nonce was handed out twice");
        let mark = read_mark(&dir.path().join("nonce-key.hwm")).unwrap();
        assert!(mark >= *all.last().unwrap());
    }

    static WRITER: std::sync::Mutex<Option<std::thread::ThreadId>> = std::sync::Mutex::new(None);

    fn recording_writer(path: &Path, mark: i64) -> Result<(), NonceError> {
        *WRITER.lock().unwrap() = Some(std::thread::current().id());
        write_mark(path, mark)
    }

    #[actix_web::test]
    async fn the_mark_is_written_off_the_thread_that_asks_for_a_nonce() {
        let dir = tempfile::tempdir().unwrap();
        let nonces = FileNonceAllocator {
            writer: recording_writer,
            ..FileNonceAllocator::open(dir.path(), "key", system_clock()).unwrap()
        };
        nonces.next().await.unwrap();
        let writer = WRITER.lock().unwrap().expect("the mark was written");
        assert_ne!(writer, std::thread::current().id());
    }

    #[actix_web::test]
    async fn a_late_write_of_a_lower_mark_never_replaces_a_higher_one() {
        let dir = tempfile::tempdir().unwrap();
        let nonces = FileNonceAllocator::open(dir.path(), "key", system_clock()).unwrap();
        nonces.save(2_000).await.unwrap();
        // As if a write whose caller went away finished after a later one.
        nonces.save(1_000).await.unwrap();
        assert_eq!(read_mark(&dir.path().join("nonce-key.hwm")).unwrap(), 2_000);
    }

    #[actix_web::test]
    async fn a_damaged_state_file_stops_start_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("nonce-key.hwm"), "garbage").unwrap();
        let error = FileNonceAllocator::open(dir.path(), "key", system_clock())
            .err()
            .unwrap();
        assert!(error.contains("damaged"));
    }
}
