//! The group nonce's Lua scripts: each runs atomically in Redis, so every check-and-set is one round trip.
//!
//! The counter, the mark of a trustworthy counter and the lane's fencing token live in one hash (`last`, `epoch`,
//! `fence`): whatever makes Redis lose one (a restart without persistence, an eviction) loses all, and a missing
//! hash is how loss shows. A re-seed starts the fence at Redis's time in microseconds, above every fence handed
//! out before (one lease a microsecond is far beyond the cloud's pace), so a lease from before the loss stays
//! fenced off after it.

use std::sync::LazyLock;

use redis::Script;

/// Takes the next nonce: `max(last + 1, now, floor)`, refusing while the counter is lost (`GW_UNSEEDED`), past
/// the cloud's limit (`GW_EXHAUSTED`), or for a fencing token older than the newest lease's (`GW_FENCED`).
///
/// KEYS: nonce hash. ARGV: now, floor, max, fence (0: not fenced).
pub static NEXT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local last = redis.call('HGET', KEYS[1], 'last')
if not last then
  return redis.error_reply('GW_UNSEEDED the group nonce counter was lost; re-seeding')
end
local fence = tonumber(ARGV[4])
if fence > 0 and fence < tonumber(redis.call('HGET', KEYS[1], 'fence') or '0') then
  return redis.error_reply('GW_FENCED a newer lease holder exists')
end
local nonce = math.max(tonumber(last) + 1, tonumber(ARGV[1]), tonumber(ARGV[2]))
if nonce > tonumber(ARGV[3]) then
  return redis.error_reply('GW_EXHAUSTED the nonce would pass the limit')
end
redis.call('HSET', KEYS[1], 'last', nonce)
return nonce
",
    )
});

/// While the counter is lost, publishes this gateway's mark and, once the gathering window (Redis's own clock,
/// so gateways' clocks need not agree) has passed, seeds the counter at `max(every published mark, now)`.
/// Answers `{1, 0}` when the counter exists, or `{0, ms}` to try again in `ms`.
///
/// KEYS: nonce hash, marks hash, gathering. ARGV: gateway id, own mark, now, gathering window in ms.
pub static SEED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {1, 0}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[4])
local until_ms = tonumber(redis.call('GET', KEYS[3]) or '0')
if until_ms == 0 then
  -- The key outlives its window, so a gathering abandoned by every gateway does not stay open for good.
  redis.call('SET', KEYS[3], now_ms + window, 'PX', 10 * window + 60000)
  return {0, window}
end
if now_ms < until_ms then
  return {0, until_ms - now_ms}
end
local top = math.max(tonumber(ARGV[2]), tonumber(ARGV[3]))
for _, mark in ipairs(redis.call('HVALS', KEYS[2])) do
  top = math.max(top, tonumber(mark))
end
-- Formatted as whole numbers: Lua would print a number this large in exponent form.
redis.call('HSET', KEYS[1], 'last', top, 'epoch', string.format('%.0f', now_ms),
  'fence', string.format('%.0f', now_ms * 1000))
redis.call('DEL', KEYS[2], KEYS[3])
return {1, 0}
",
    )
});

/// Publishes this gateway's mark only while the counter is lost (the heartbeat's one cheap round trip);
/// answers 1 when the counter exists.
///
/// KEYS: nonce hash, marks hash. ARGV: gateway id, own mark.
pub static PUBLISH_MARK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 1
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 0
",
    )
});

/// Raises the counter to at least `floor` (the cloud saw a higher nonce); a lost counter is left to the re-seed.
///
/// KEYS: nonce hash. ARGV: floor.
pub static RAISE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local last = redis.call('HGET', KEYS[1], 'last')
if last and tonumber(last) < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'last', ARGV[1])
end
return 0
",
    )
});
