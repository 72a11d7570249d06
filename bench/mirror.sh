#!/usr/bin/env bash
# The mirror's benchmarks (issue "Every event, local"), all in one run on this machine:
#  1. each store with 1,000,000 events: a 30-day total and an hourly 30-day series grouped by trigger (p50),
#     the insert rate and bytes on disk per event (examples/mirror_store for SQLite, examples/mirror_store_pg
#     for PostgreSQL);
#  2. sync: a gateway with no callers and GATEWAY_MIRROR_SHARE=1 fills its mirror from the simulated cloud
#     (a month of events, up to now); events stored a second against 1000 x GATEWAY_UPSTREAM_RPS;
#  3. answers over HTTP from that mirror: 30-day totals with distinct windows (each one answered by the mirror)
#     beside one repeated target (answered by the cache), with the same client;
#  4. export: NDJSON events a second, the whole month in one response.
# Writes bench/MIRROR_RESULTS.md. Needs PostgreSQL on 127.0.0.1:5432 (tests/support/install_postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
EVENTS=${BENCH_EVENTS:-1000000}
RPS=${BENCH_UPSTREAM_RPS:-5}
PER_DAY=${BENCH_EVENTS_PER_DAY:-33000}
HISTORY_DAYS=${BENCH_HISTORY_DAYS:-31}
. bench/lib.sh

echo "building release binaries"
cargo build --release --quiet --bin camlytics-gateway --example mirror_store --example mirror_store_pg \
  --example distinct_reads
BIN="$ROOT/target/release"
value() { grep "^$1=" "$2" | tail -n 1 | cut -d= -f2; }

echo "1. stores with $EVENTS events"
"$BIN/examples/mirror_store" "$EVENTS" >"$WORK/sqlite.txt"
"$BIN/examples/mirror_store_pg" "postgres://postgres@127.0.0.1:5432/postgres" "$EVENTS" >"$WORK/pg.txt"

SIM_PORT=$(free_port); GW_PORT=$(free_port)
GW="http://127.0.0.1:$GW_PORT"

echo "2. sync at $RPS calls a second, $PER_DAY events a day over $HISTORY_DAYS days"
GATEWAY_SIMULATOR_LISTEN=127.0.0.1:$SIM_PORT GATEWAY_SIMULATOR_RPS=0 "$BIN/camlytics-gateway" simulate \
  --clock wall --history "${HISTORY_DAYS}d" --events-per-day "$PER_DAY" >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
RUST_LOG=warn CAMLYTICS_API_KEY=demo-key CAMLYTICS_API_SECRET=demo-secret \
  CAMLYTICS_BASE_URL=http://127.0.0.1:$SIM_PORT/service/api/v1 GATEWAY_LISTEN=127.0.0.1:$GW_PORT \
  GATEWAY_STATE_DIR="$WORK/state" GATEWAY_UPSTREAM_RPS=$RPS GATEWAY_MIRROR=on GATEWAY_MIRROR_SHARE=1 \
  GATEWAY_MIRROR_SINCE="${HISTORY_DAYS}d" GATEWAY_CALLER_RPS=10000000 GATEWAY_CALLER_BURST=10000000 \
  "$BIN/camlytics-gateway" serve >"$WORK/gw.log" 2>&1 &
PIDS+=($!)
wait_for "$GW/healthz"
# Events held and the sync's state, once a second until the mirror has caught up.
python3 - "$GW" "$WORK/sync.txt" <<'PY'
import json, sys, time, urllib.request
base, out = sys.argv[1], sys.argv[2]
samples = []
start = time.time()
while time.time() - start < 1800:
    report = json.load(urllib.request.urlopen(base + "/v1/mirror"))["result"]
    samples.append((time.time(), report["events_held"], report["calls"]))
    state = report["state"]
    if state == "caught_up":
        break
    time.sleep(1)
# The rate over the fill, leaving out the first and last samples (start-up and the last partial page).
held = [s for s in samples if s[1] > 0]
first, last = held[0], held[-2] if len(held) > 2 else held[-1]
rate = (last[1] - first[1]) / max(last[0] - first[0], 1e-9)
with open(out, "w") as f:
    f.write(f"events_held={samples[-1][1]}\nsync_seconds={samples[-1][0] - held[0][0]:.1f}\n")
    f.write(f"sync_events_per_second={rate:.0f}\nfinal_state={state}\n")
PY
cat "$WORK/sync.txt"

echo "3. totals from the mirror beside a cache hit"
LOCATION=$(curl -fsS "$GW/service/api/v1/locations" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"][0]["id"])')
python3 - "$LOCATION" "$WORK" <<'PY'
import sys, datetime as dt
location, work = sys.argv[1], sys.argv[2]
now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
start = now - dt.timedelta(days=30, hours=2)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
with open(f"{work}/mirror_targets.txt", "w") as distinct, open(f"{work}/hit_targets.txt", "w") as repeated:
    for k in range(2000):
        since = start + dt.timedelta(seconds=k)
        path = f"/service/api/v1/totals/types?location_id={location}&since={fmt(since)}&until={fmt(since + dt.timedelta(days=30))}"
        distinct.write(path + "\n")
        # A settled month the mirror does not hold: the first read goes to the cloud, every other is a cache hit.
        repeated.write(f"/service/api/v1/totals/types?location_id={location}&since=2020-01-01T00:00:00Z&until=2020-01-31T00:00:00Z\n")
PY
curl -fsS -D "$WORK/first.h" -o /dev/null "$GW$(head -n 1 "$WORK/mirror_targets.txt")"
grep -i '^cache-status' "$WORK/first.h" | tee "$WORK/first_status.txt"
curl -fsS -o /dev/null "$GW$(head -n 1 "$WORK/hit_targets.txt")"
curl -fsS -D "$WORK/again.h" -o /dev/null "$GW$(head -n 1 "$WORK/hit_targets.txt")"
"$BIN/examples/distinct_reads" "$GW" "$WORK/mirror_targets.txt" 8 >"$WORK/mirror_reads.txt"
"$BIN/examples/distinct_reads" "$GW" "$WORK/hit_targets.txt" 8 >"$WORK/hit_reads.txt"
grep -i '^cache-status' "$WORK/again.h" | tee "$WORK/hit_status.txt"

echo "4. export"
EXPORT_START=$(date +%s.%N)
curl -fsS "$GW/v1/export" -o "$WORK/export.ndjson"
EXPORT_END=$(date +%s.%N)
EXPORTED=$(wc -l <"$WORK/export.ndjson")
EXPORT_RATE=$(python3 -c "print(round($EXPORTED / ($EXPORT_END - $EXPORT_START)))")
MIRROR_BYTES=$(curl -fsS "$GW/v1/mirror" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["bytes_on_disk"] or 0, r["events_held"])')

SYNC_RATE=$(value sync_events_per_second "$WORK/sync.txt")
TARGET=$(python3 -c "print(round(0.95 * 1000 * $RPS))")
{
  echo "# Mirror benchmarks"
  echo
  echo "One run of \`bench/mirror.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Release build. Figures from one run; compare ratios, not absolutes (the machine is shared)."
  echo
  echo "## 1. Stores with $EVENTS events over 30 days"
  echo
  echo "| | SQLite | PostgreSQL | target |"
  echo "|---|---|---|---|"
  echo "| totals over 30 days, p50 ms | $(value totals_by_trigger_p50_ms "$WORK/sqlite.txt") | $(value totals_30d_p50_ms "$WORK/pg.txt") | < 2 |"
  echo "| hourly series over 30 days by trigger, p50 ms | $(value hourly_series_by_trigger_p50_ms "$WORK/sqlite.txt") | $(grep -E '^series_30d_hourly_by_trigger_p50_ms=' "$WORK/pg.txt" | head -n 1 | cut -d= -f2) | < 10 |"
  echo "| insert, events a second (pages of 1000) | $(value insert_events_per_second "$WORK/sqlite.txt") | $(value insert_events_per_second "$WORK/pg.txt") | |"
  echo "| bytes on disk per event | $(value bytes_per_event "$WORK/sqlite.txt") | $(value bytes_per_event "$WORK/pg.txt") | |"
  echo
  echo "SQLite, every measurement:"
  echo
  sed -n '/^| measurement/,/^$/p' "$WORK/sqlite.txt"
  echo "PostgreSQL, every measurement: \`$(grep '_ms=' "$WORK/pg.txt" | tr '\n' ' ')\`"
  echo
  echo "## 2. Sync with no callers"
  echo
  echo "GATEWAY_UPSTREAM_RPS=$RPS, GATEWAY_MIRROR_SHARE=1, the simulator at $PER_DAY events a day over $HISTORY_DAYS days."
  echo
  echo "- events stored: $(value events_held "$WORK/sync.txt") in $(value sync_seconds "$WORK/sync.txt") s"
  echo "- **$SYNC_RATE events a second**, against 1000 x $RPS = $((1000 * RPS)) (target 95%: $TARGET)"
  echo
  echo "## 3. 30-day totals over HTTP: the mirror beside a cache hit"
  echo
  echo "\`examples/distinct_reads\`, 8 connections, 2000 reads each: distinct windows (\`$(cut -d' ' -f2- "$WORK/first_status.txt" | tr -d '\r')\`)"
  echo "and one repeated target (\`$(cut -d' ' -f2- "$WORK/hit_status.txt" | tr -d '\r')\`)."
  echo
  echo "| | reads/s | p50 ms | p99 ms |"
  echo "|---|---|---|---|"
  echo "| mirror answer | $(value per_second "$WORK/mirror_reads.txt") | $(value p50_ms "$WORK/mirror_reads.txt") | $(value p99_ms "$WORK/mirror_reads.txt") |"
  echo "| cache hit | $(value per_second "$WORK/hit_reads.txt") | $(value p50_ms "$WORK/hit_reads.txt") | $(value p99_ms "$WORK/hit_reads.txt") |"
  echo
  echo "## 4. Export"
  echo
  echo "- NDJSON: $EXPORTED events in one response, **$EXPORT_RATE events a second**"
  echo "- the gateway's SQLite mirror after the sync: $MIRROR_BYTES (bytes on disk, events)"
} >bench/MIRROR_RESULTS.md
cat bench/MIRROR_RESULTS.md
