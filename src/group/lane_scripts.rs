//! The group lane's Lua scripts. Each runs atomically in Redis and reads Redis's own clock (`TIME`), so the
//! group's pace and the tickets' expiry do not depend on the gateways' clocks agreeing.
//!
//! The waiting room is a sorted set of tickets scored by a start-time fair-queueing tag: a caller's ticket gets
//! `max(V, last tag of this caller) + 1`, where `V` is the tag of the last caller ticket served. A caller with
//! many tickets queued has tags V+1, V+2, ...; another caller's first ticket gets V+1 and so goes second at
//! worst: callers alternate, round-robin by name, whichever gateway they wait on. Equal tags go in arrival
//! order (the ticket's name starts with a zero-padded sequence number, and Redis orders equal scores by name).
//! Background tickets get one tag far above any caller's, so they go only when no caller waits.

use std::sync::LazyLock;

use redis::Script;

/// The tag of every background ticket: 2^50, far above any caller's tag (one a call), exact as a double.
pub const BACKGROUND_TAG: u64 = 1 << 50;

/// Queues a ticket and answers its name.
///
/// KEYS: queue, expiries, state, last tags. ARGV: caller, background (0/1), ticket ttl ms, gateway id,
/// background tag.
pub static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
local ticket = string.format('%020.0f', seq) .. ':' .. ARGV[4]
local tag = ARGV[5]
if ARGV[2] ~= '1' then
  local v = tonumber(redis.call('HGET', KEYS[3], 'v') or '0')
  local last = tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0')
  tag = string.format('%.0f', math.max(v, last) + 1)
  redis.call('HSET', KEYS[4], ARGV[1], tag)
  -- Callers who left for good are forgotten after an idle hour; a remembered tag at or below V is harmless.
  redis.call('PEXPIRE', KEYS[4], 3600000)
end
redis.call('ZADD', KEYS[1], tag, ticket)
redis.call('HSET', KEYS[2], ticket, string.format('%.0f', now_ms + tonumber(ARGV[3])))
return ticket
",
    )
});

/// Tries to start this ticket's call. Refreshes the ticket's expiry, drops expired tickets at the head (their
/// gateway died), and when this ticket is at the head, the lease is free and the pace allows, takes the lease
/// with the next fence, moves the pace on and answers `{1, fence}`. Otherwise `{0, ms to wait}`, or `{-1, 0}`
/// when the ticket is gone (Redis restarted empty, or it expired): queue again.
/// Refuses with `GW_UNSEEDED` while the group's counter, which holds the fence, is lost.
///
/// KEYS: queue, expiries, state, last tags, lease, nonce hash.
/// ARGV: ticket, caller, lease token, lease ttl ms, interval us, ticket ttl ms, shortest poll ms,
/// longest poll ms, background (0/1).
pub static TRY_ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local now_ms = math.floor(now_us / 1000)
local ticket = ARGV[1]
local tag = redis.call('ZSCORE', KEYS[1], ticket)
if not tag then
  return {-1, 0}
end
redis.call('HSET', KEYS[2], ticket, string.format('%.0f', now_ms + tonumber(ARGV[6])))
local head
while true do
  head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == ticket then break end
  if tonumber(redis.call('HGET', KEYS[2], head) or '0') >= now_ms then break end
  redis.call('ZREM', KEYS[1], head)
  redis.call('HDEL', KEYS[2], head)
end
local shortest, longest = tonumber(ARGV[7]), tonumber(ARGV[8])
local interval_us = tonumber(ARGV[5])
local function clamp(ms)
  return math.min(math.max(math.floor(ms), shortest), longest)
end
if head ~= ticket then
  -- Poll again about when this ticket can be at the head: half an interval per ticket ahead.
  local rank = redis.call('ZRANK', KEYS[1], ticket)
  return {0, clamp(rank * interval_us / 2000)}
end
local state = redis.call('HMGET', KEYS[3], 'next_start', 'paused_until')
local start = math.max(tonumber(state[1] or '0'), tonumber(state[2] or '0'))
if redis.call('EXISTS', KEYS[5]) == 1 then
  return {0, clamp((start - now_us) / 1000)}
end
if now_us < start then
  return {0, math.max(1, math.ceil((start - now_us) / 1000))}
end
if redis.call('EXISTS', KEYS[6]) == 0 then
  return redis.error_reply('GW_UNSEEDED the group nonce counter was lost; re-seed first')
end
redis.call('SET', KEYS[5], ARGV[3], 'PX', ARGV[4])
local fence = redis.call('HINCRBY', KEYS[6], 'fence', 1)
redis.call('ZREM', KEYS[1], ticket)
redis.call('HDEL', KEYS[2], ticket)
redis.call('HSET', KEYS[3], 'next_start', string.format('%.0f', now_us + interval_us))
if ARGV[9] ~= '1' then
  redis.call('HSET', KEYS[3], 'v', tag)
  if redis.call('HGET', KEYS[4], ARGV[2]) == tag then
    redis.call('HDEL', KEYS[4], ARGV[2])
  end
end
return {1, fence}
",
    )
});

/// Removes a ticket whose caller gave up (deadline passed, or disconnected).
///
/// KEYS: queue, expiries. ARGV: ticket.
pub static LEAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 0
",
    )
});

/// Gives the lease back if this holder still holds it (a lease that expired and was taken is left alone), and
/// keeps the pace by the call's send: the cloud counts arrivals, and the send came a varying moment after the
/// lease was taken, so the next start is due no sooner than an interval after the send (`since_sent` us ago;
/// -1 when no call went out).
///
/// KEYS: lease, state. ARGV: lease token, since sent us, interval us.
pub static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local since_sent = tonumber(ARGV[2])
if since_sent >= 0 then
  local time = redis.call('TIME')
  local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
  local due = now_us - since_sent + tonumber(ARGV[3])
  local next_start = tonumber(redis.call('HGET', KEYS[2], 'next_start') or '0')
  if due > next_start then
    redis.call('HSET', KEYS[2], 'next_start', string.format('%.0f', due))
  end
end
return redis.call('DEL', KEYS[1])
",
    )
});

/// Holds every call of the group back for `wait` from now (the cloud's `Retry-After`), never shortening a
/// longer pause already set.
///
/// KEYS: state. ARGV: wait us.
pub static PAUSE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local until_us = now_us + tonumber(ARGV[1])
local current = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
if until_us > current then
  redis.call('HSET', KEYS[1], 'paused_until', string.format('%.0f', until_us))
end
return 0
",
    )
});
