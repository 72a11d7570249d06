//! The one writer: a thread of its own that owns the write connection. Appends that arrive while a commit
//! is on disk wait in its queue and are then committed together, in one transaction and one fsync (group
//! commit), so many small batches a second cost one sync each round, not one each. Events new to the log
//! are handed to the feed after their commit, in sequence order, from this thread. A prune chunk is
//! committed alone, so that appends never wait behind its deletes in one transaction.

use std::sync::mpsc;
use std::sync::Arc;

use rusqlite::{params, Connection, TransactionBehavior};
use tokio::sync::oneshot;

use super::prune::{self, Pruned};
use crate::live::event::{LiveEvent, Logged};
use crate::live::feed::LiveFeed;
use crate::live::log::{Appended, Rejected};
use crate::mirror::store::StoreError;

/// Most jobs committed in one transaction: bounds the wait of the first.
const MAX_GROUP: usize = 256;

/// One piece of work for the writer, with where its answer goes.
pub(super) enum Job {
    /// Append events.
    Append(
        Vec<LiveEvent>,
        oneshot::Sender<Result<Vec<Appended>, StoreError>>,
    ),
    /// Quarantine rejected events.
    Quarantine(Vec<Rejected>, oneshot::Sender<Result<(), StoreError>>),
    /// Drop one chunk of what was received before the instant (see `prune.rs`).
    Prune(i64, oneshot::Sender<Result<Pruned, StoreError>>),
}

/// What one job did inside the transaction, answered after the commit.
enum Done {
    Append(Vec<Appended>),
    Quarantine,
    Prune(Pruned),
}

impl Job {
    fn is_prune(&self) -> bool {
        matches!(self, Job::Prune(..))
    }
}

/// Runs the writer until every sender is dropped.
pub(super) fn run(mut conn: Connection, jobs: mpsc::Receiver<Job>, feed: Option<LiveFeed>) {
    // A prune chunk met while gathering a group: the next group, alone.
    let mut held_back = None;
    while let Some(first) = held_back.take().or_else(|| jobs.recv().ok()) {
        let mut group = vec![first];
        while group.len() < MAX_GROUP && !group[0].is_prune() {
            match jobs.try_recv() {
                Ok(job) if job.is_prune() => {
                    held_back = Some(job);
                    break;
                }
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let received = chrono::Utc::now().timestamp_micros();
        match commit(&mut conn, &group, received) {
            Ok(done) => answer(group, done, feed.as_ref()),
            Err(e) => {
                let error = StoreError(format!("committing to the intake log: {e}"));
                for job in group {
                    fail(job, error.clone());
                }
            }
        }
    }
}

/// Does every job of `group` in one IMMEDIATE transaction and commits it.
fn commit(conn: &mut Connection, group: &[Job], received: i64) -> rusqlite::Result<Vec<Done>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut done = Vec::with_capacity(group.len());
    for job in group {
        done.push(match job {
            Job::Append(events, _) => Done::Append(append(&tx, events, received)?),
            Job::Quarantine(rejected, _) => {
                quarantine(&tx, rejected, received)?;
                Done::Quarantine
            }
            Job::Prune(before, _) => Done::Prune(prune::chunk(&tx, *before)?),
        });
    }
    tx.commit()?;
    Ok(done)
}

fn append(tx: &Connection, events: &[LiveEvent], received: i64) -> rusqlite::Result<Vec<Appended>> {
    // Looked up first rather than `INSERT OR IGNORE`: an ignored insert still spends an AUTOINCREMENT
    // number, and the stream's ids are kept without gaps. One writer, so nothing slips in between.
    let mut held = tx.prepare_cached("SELECT 1 FROM events WHERE identity = ?1")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO events (identity, received_us, event_time_us, cloud_id, location_id, \
         channel_id, trigger_id, event_type, origin, object_id, raw) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        if held.exists([&e.identity])? {
            out.push(Appended::Duplicate);
            continue;
        }
        insert.execute(params![
            e.identity,
            received,
            e.event_time_micros,
            e.id,
            e.location_id,
            e.channel_id,
            e.trigger_id,
            e.event_type,
            e.origin,
            e.object_id,
            &*e.raw,
        ])?;
        out.push(Appended::New(Logged {
            seq: tx.last_insert_rowid() as u64,
            received_micros: received,
            event: e.clone(),
        }));
    }
    Ok(out)
}

fn quarantine(tx: &Connection, rejected: &[Rejected], received: i64) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO rejected (received_us, webhook, reason, raw) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for r in rejected {
        insert.execute(params![received, r.webhook, r.reason, r.raw])?;
    }
    Ok(())
}

/// Publishes the new events (in seq order: jobs and events were committed in this order) and answers.
fn answer(group: Vec<Job>, done: Vec<Done>, feed: Option<&LiveFeed>) {
    for (job, done) in group.into_iter().zip(done) {
        match (job, done) {
            (Job::Append(_, reply), Done::Append(appended)) => {
                if let Some(feed) = feed {
                    for a in &appended {
                        if let Appended::New(logged) = a {
                            feed.publish(Arc::new(logged.clone()));
                        }
                    }
                }
                let _ = reply.send(Ok(appended));
            }
            (Job::Quarantine(_, reply), Done::Quarantine) => {
                let _ = reply.send(Ok(()));
            }
            (Job::Prune(_, reply), Done::Prune(pruned)) => {
                let _ = reply.send(Ok(pruned));
            }
            (job, _) => fail(
                job,
                StoreError("the intake log's writer mixed up answers".into()),
            ),
        }
    }
}

fn fail(job: Job, error: StoreError) {
    // A dropped receiver only means the caller gave up waiting.
    let _ = match job {
        Job::Append(_, reply) => reply.send(Err(error)).map_err(drop),
        Job::Quarantine(_, reply) => reply.send(Err(error)).map_err(drop),
        Job::Prune(_, reply) => reply.send(Err(error)).map_err(drop),
    };
}
