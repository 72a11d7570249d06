//! The store contract: one suite of `EventStore` tests, written once, run against SQLite (a file in a
//! temporary directory) and PostgreSQL (a database of its own per test on 127.0.0.1:5432, dropped after it,
//! failed or not). A test that cannot reach PostgreSQL fails and says so; it is never skipped.

mod data;
mod reads;
mod writes;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use camlytics_gateway::mirror::postgres::{PgUrl, PostgresStore};
use camlytics_gateway::mirror::sqlite::SqliteStore;
use camlytics_gateway::mirror::store::EventStore;

/// The server the PostgreSQL side creates its databases on (trust auth, as the machines set it up).
const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Where one test's store lives; `open` may be called again to reopen it, or to open a second store on it.
pub enum Place {
    Sqlite(tempfile::TempDir),
    Postgres { admin: Box<PgUrl>, database: String },
}

impl Place {
    pub fn sqlite() -> Self {
        Place::Sqlite(tempfile::tempdir().expect("a temporary directory"))
    }

    /// A fresh database `mirror_test_<unique>`; panics with the way out when PostgreSQL does not answer.
    pub async fn postgres() -> Self {
        static SERIAL: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let database = format!(
            "mirror_test_{}_{nanos}_{}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        );
        let admin = Box::new(PgUrl::parse(POSTGRES_ADMIN_URL).expect("the admin URL"));
        admin_statement(&format!("CREATE DATABASE {database}")).await;
        Place::Postgres { admin, database }
    }

    /// A store on this place: the same file or database each time.
    pub async fn open(&self) -> Arc<dyn EventStore> {
        match self {
            Place::Sqlite(dir) => Arc::new(
                SqliteStore::open_in(dir.path())
                    .await
                    .expect("opening SQLite"),
            ),
            Place::Postgres { admin, database } => {
                let url = admin.with_database(database);
                Arc::new(
                    PostgresStore::connect(&url)
                        .await
                        .expect("connecting to the test database"),
                )
            }
        }
    }

    /// Drops the test's database (its connections too); the temporary directory goes when dropped.
    pub async fn remove(self) {
        if let Place::Postgres { database, .. } = self {
            admin_statement(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).await;
        }
    }
}

async fn admin_statement(sql: &str) {
    let (client, connection) = tokio_postgres::connect(POSTGRES_ADMIN_URL, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL must answer on 127.0.0.1:5432 (user postgres, trust auth) for the store contract: {e}. \
                 `bash tests/support/install_postgres.sh` starts it"
            )
        });
    let connection = tokio::spawn(connection);
    client
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    drop(client);
    let _ = connection.await;
}

/// For each case, a test on SQLite and one on PostgreSQL. `store:` cases take `Arc<dyn EventStore>`;
/// `place:` cases take the `&Place`, to reopen it or open a second store on it.
macro_rules! on_both_stores {
    (store: [$($sm:ident::$sc:ident),* $(,)?], place: [$($pm:ident::$pc:ident),* $(,)?] $(,)?) => {
        on_both_stores!(@kind sqlite, Place::sqlite(), [$($sm::$sc),*], [$($pm::$pc),*]);
        on_both_stores!(@kind postgres, Place::postgres().await, [$($sm::$sc),*], [$($pm::$pc),*]);
    };
    (@kind $kind:ident, $make:expr, [$($sm:ident::$sc:ident),*], [$($pm:ident::$pc:ident),*]) => {
        mod $kind {
            #[allow(unused_imports)]
            use super::Place;
            $(
                #[actix_web::test]
                async fn $sc() {
                    let place = $make;
                    // Opened inside `run`: a store that fails to open still has its place removed.
                    let outcome = super::run(async { super::$sm::$sc(place.open().await).await }).await;
                    super::finish(place, outcome).await;
                }
            )*
            $(
                #[actix_web::test]
                async fn $pc() {
                    let place = $make;
                    let outcome = super::run(super::$pm::$pc(&place)).await;
                    super::finish(place, outcome).await;
                }
            )*
        }
    };
}

type Outcome = Result<(), Box<dyn std::any::Any + Send>>;

/// Runs a case, catching its panic so that its place is removed before the test fails.
async fn run(case: impl std::future::Future<Output = ()>) -> Outcome {
    use futures_util::FutureExt;
    std::panic::AssertUnwindSafe(case).catch_unwind().await
}

async fn finish(place: Place, outcome: Outcome) {
    place.remove().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

on_both_stores! {
    store: [
        writes::a_new_store_holds_nothing_and_has_no_cursor,
        writes::a_page_is_held_once_and_the_same_bytes_again_write_nothing,
        writes::an_id_sent_again_with_other_bytes_is_replaced_and_counted_once_in_its_new_minute,
        writes::one_id_twice_in_a_page_counts_as_if_sent_one_after_the_other,
        writes::the_cursor_is_the_one_committed_with_the_last_page,
        writes::replace_window_makes_a_window_hold_exactly_the_events_given,
        writes::replace_window_of_one_location_leaves_the_others_alone,
        writes::drop_before_removes_older_events_with_their_counts,
        writes::notes_are_set_and_replaced,
        reads::counts_equal_a_recount_for_windows_cut_anywhere,
        reads::pages_follow_event_time_then_id_in_both_orders_even_when_ids_do_not_follow_time,
        reads::pages_apply_every_filter_and_inclusive_window_ends,
        reads::pages_match_the_reference_for_random_filters_orders_and_cursors,
        reads::grouped_counts_equal_a_brute_force_recount,
        reads::grouped_counts_with_a_half_hour_offset_read_whole_minutes_right,
        reads::stats_tell_events_oldest_newest_and_size,
    ],
    place: [
        writes::a_committed_page_its_cursor_and_notes_survive_reopening,
        writes::two_stores_on_one_place_writing_the_same_ids_at_once_count_each_once,
    ],
}
