//! The PostgreSQL store's tables, created once by whichever gateway gets there first: the migration runs in
//! one transaction under an advisory lock, so two gateways starting at once neither race on `CREATE TABLE`
//! nor see half a schema.

use tokio_postgres::Client;

use super::fault;
use crate::mirror::store::StoreError;

/// The schema version this gateway writes; a database marked newer is refused rather than misread.
const SCHEMA_VERSION: i32 = 1;

/// The advisory lock key the migration holds ("mirror-s" in ASCII): every gateway on the database agrees on it.
const MIGRATION_LOCK: i64 = 0x6d69_7272_6f72_2d73;

/// Events keyed by the cloud's id with their own bytes; rollups per UTC minute, hour and day (each row a unit
/// number, `event_time_us` divided by the unit, and one combination of the dimensions); the one sync cursor;
/// the notes. Missing trigger and origin are '' (not NULL) so that the rollups' primary keys are real keys.
const TABLES: &str = "
CREATE TABLE IF NOT EXISTS mirror_events (
    id            bigint PRIMARY KEY,
    location_id   bigint NOT NULL,
    channel_id    text NOT NULL,
    trigger_id    text NOT NULL,
    event_type    text NOT NULL,
    origin        text NOT NULL,
    event_time_us bigint NOT NULL,
    raw           text NOT NULL
);
CREATE INDEX IF NOT EXISTS mirror_events_by_time ON mirror_events (event_time_us, id);
CREATE INDEX IF NOT EXISTS mirror_events_by_location ON mirror_events (location_id, event_time_us, id);
CREATE INDEX IF NOT EXISTS mirror_events_by_channel ON mirror_events (channel_id, event_time_us, id);
CREATE INDEX IF NOT EXISTS mirror_events_by_trigger ON mirror_events (trigger_id, event_time_us, id);
CREATE TABLE IF NOT EXISTS mirror_rollup_minute (
    unit bigint NOT NULL, location_id bigint NOT NULL, channel_id text NOT NULL, trigger_id text NOT NULL,
    event_type text NOT NULL, origin text NOT NULL, count bigint NOT NULL,
    PRIMARY KEY (unit, location_id, channel_id, trigger_id, event_type, origin)
);
CREATE TABLE IF NOT EXISTS mirror_rollup_hour (LIKE mirror_rollup_minute INCLUDING ALL);
CREATE TABLE IF NOT EXISTS mirror_rollup_day (LIKE mirror_rollup_minute INCLUDING ALL);
CREATE TABLE IF NOT EXISTS mirror_sync_cursor (
    singleton smallint PRIMARY KEY CHECK (singleton = 1),
    since_us bigint NOT NULL,
    after_id bigint
);
CREATE TABLE IF NOT EXISTS mirror_notes (
    name  text PRIMARY KEY,
    value text NOT NULL
);
";

/// Creates what is missing and records the version, or refuses a database a newer gateway has written.
pub(super) async fn prepare(client: &mut Client) -> Result<(), StoreError> {
    let failed = |e| fault("creating the tables", e);
    let tx = client.transaction().await.map_err(failed)?;
    // Held until commit: a second gateway waits here, then finds every table there.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(failed)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS mirror_schema (version integer NOT NULL)")
        .await
        .map_err(failed)?;
    let held: Option<i32> = tx
        .query_one("SELECT max(version) FROM mirror_schema", &[])
        .await
        .map_err(failed)?
        .get(0);
    if let Some(version) = held.filter(|&v| v > SCHEMA_VERSION) {
        return Err(StoreError(format!(
            "schema version {version} is newer than this gateway's {SCHEMA_VERSION}"
        )));
    }
    tx.batch_execute(TABLES).await.map_err(failed)?;
    if held.is_none() {
        tx.execute(
            "INSERT INTO mirror_schema (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )
        .await
        .map_err(failed)?;
    }
    tx.commit().await.map_err(failed)
}
