//! `DELETE /admin/cache` through one gateway reaches every gateway's first level, through a real Redis.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use camlytics_gateway::cache::policy::{plan, Plan};
use camlytics_gateway::cache::ResponseCache;
use camlytics_gateway::group::connection::GroupConnection;
use camlytics_gateway::group::keys::GroupKeys;
use camlytics_gateway::group::second_level::{spawn_purge_listener, RedisSecondLevel};

use super::redis_server::TestRedis;
use crate::second_level::{settings, CountingCloud};

fn keys() -> GroupKeys {
    GroupKeys::new("test", "purge-key")
}

fn gateway(connection: &GroupConnection) -> Arc<ResponseCache> {
    let level = RedisSecondLevel::new(connection.clone(), keys(), 1 << 20);
    ResponseCache::with_second_level(settings(), Arc::new(level))
}

fn totals() -> Plan {
    let now = chrono::Utc::now();
    let params = vec![("location_id", "303".to_string())];
    plan("/totals/types", &params, &settings(), || now).unwrap()
}

/// Waits until `count` listeners are subscribed to the group's purges, so none is announced before.
async fn until_listening(connection: &GroupConnection, count: i64) {
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        let (_, listening): (String, i64) = connection
            .query(
                "test",
                redis::cmd("PUBSUB").arg("NUMSUB").arg(keys().purges()),
            )
            .await
            // Just after a restart the first call may meet the dropped connection: ask again.
            .unwrap_or_default();
        if listening >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no purge listener subscribed");
}

/// Asks `gateway` until it goes upstream (its first level dropped the entry) or `within` passes.
async fn until_fetched(gateway: &Arc<ResponseCache>, cloud: &CountingCloud, calls: usize) {
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until && cloud.calls.load(Ordering::SeqCst) < calls {
        gateway
            .get(&totals(), false, cloud, || "b".into())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two gateways on one Redis: A purges; B listens for the group's purges and counts its upstream calls.
struct Pair {
    connection: GroupConnection,
    gateway_a: Arc<ResponseCache>,
    gateway_b: Arc<ResponseCache>,
    cloud: CountingCloud,
    _listener: tokio::task::JoinHandle<()>,
}

impl Pair {
    /// The two gateways, once B's listener is subscribed.
    async fn listening(redis: &TestRedis) -> Self {
        let connection = redis.connect(Duration::from_millis(500));
        let (gateway_a, gateway_b) = (gateway(&connection), gateway(&connection));
        let _listener = spawn_purge_listener(gateway_b.clone(), connection.clone(), keys());
        until_listening(&connection, 1).await;
        Self {
            connection,
            gateway_a,
            gateway_b,
            cloud: CountingCloud::default(),
            _listener,
        }
    }

    /// B fetches the totals into its first level; then A purges `prefix`, and B asks until it goes upstream
    /// again (or a moment passes). Answers B's upstream calls.
    async fn purge_after_b_fetched(&self, prefix: &str) -> usize {
        self.gateway_b
            .get(&totals(), false, &self.cloud, || "b".into())
            .await
            .unwrap();
        self.gateway_a.purge(prefix).await;
        until_fetched(&self.gateway_b, &self.cloud, 2).await;
        self.cloud.calls.load(Ordering::SeqCst)
    }
}

#[actix_web::test]
async fn a_purge_through_one_gateway_drops_another_gateways_first_level_entry() {
    let redis = TestRedis::start();
    let pair = Pair::listening(&redis).await;

    let calls = pair.purge_after_b_fetched("/totals").await;

    assert_eq!(calls, 2);
}

#[actix_web::test]
async fn a_purge_leaves_first_level_entries_outside_its_prefix() {
    let redis = TestRedis::start();
    let pair = Pair::listening(&redis).await;

    let calls = pair.purge_after_b_fetched("/locations").await;

    assert_eq!(calls, 1);
}

#[actix_web::test]
async fn the_purge_listener_subscribes_again_after_redis_restarts() {
    let mut redis = TestRedis::start();
    let pair = Pair::listening(&redis).await;

    redis.restart_empty();
    until_listening(&pair.connection, 1).await;
    let calls = pair.purge_after_b_fetched("/totals").await;

    assert_eq!(calls, 2);
}
