//! The group quota's Lua script: every active caller's use since the last sync is charged to its GCRA
//! theoretical arrival time (TAT) in Redis, and each caller's TAT is read back, all in one atomic round trip.

use std::sync::LazyLock;

use redis::Script;

/// Charges and reads the callers' TATs, on Redis's own clock (gateways' clocks need not agree).
///
/// KEYS: one per caller. ARGV: for each caller, requests admitted since the last sync, then its period in µs.
/// Answers, for each caller, how far its TAT is ahead of Redis's now, in µs (0 when not ahead).
/// A TAT is kept until it is in the past, and one second more: a missing one means a full burst.
pub static SYNC: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local ahead = {}
for i, key in ipairs(KEYS) do
  local used = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or '0')
  if used > 0 then
    tat = math.max(tat, now) + used * period
    redis.call('SET', key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
  end
  ahead[i] = math.max(math.floor(tat - now), 0)
end
return ahead
",
    )
});
