//! The live relay of a group: events announced on the Redis channel `{prefix}:live` (see `crate::live::relay`).

use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use super::connection::GroupConnection;
use super::keys::GroupKeys;
use crate::live::relay::LiveRelay;

/// Redis pub/sub between the group's gateways.
pub struct RedisLiveRelay {
    connection: GroupConnection,
    channel: String,
}

impl RedisLiveRelay {
    /// The relay on `keys`' live channel.
    pub fn new(connection: GroupConnection, keys: &GroupKeys) -> Self {
        Self {
            connection,
            channel: keys.live(),
        }
    }
}

#[async_trait::async_trait]
impl LiveRelay for RedisLiveRelay {
    async fn announce(&self, message: String) -> Result<(), String> {
        self.connection
            .query::<i64>(
                "live_announce",
                redis::cmd("PUBLISH").arg(&self.channel).arg(message),
            )
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn hear(&self) -> Result<BoxStream<'static, String>, String> {
        let subscribe = async {
            let mut pubsub = self.connection.client().get_async_pubsub().await?;
            pubsub.subscribe(&self.channel).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        let pubsub = tokio::time::timeout(self.connection.timeout(), subscribe)
            .await
            .map_err(|_| format!("no answer within {:?}", self.connection.timeout()))?
            .map_err(|e| e.to_string())?;
        Ok(pubsub
            .into_on_message()
            .filter_map(|message| async move { message.get_payload::<String>().ok() })
            .boxed())
    }
}
