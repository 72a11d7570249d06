#!/usr/bin/env bash
# The webhook intake's benchmark (issue 13, "Live"): a release gateway with GATEWAY_WEBHOOK_TOKENS set and
# the mirror off takes batches of 100 events at 1,000 events a second (the acknowledgement's p50 and p99),
# then as fast as 8 concurrent senders go (events a second stored durably, synchronous=FULL). Writes
# bench/LIVE_RESULTS.md. Knobs: BENCH_RATE (events/s), BENCH_SECONDS (per phase), BENCH_SENDERS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RATE=${BENCH_RATE:-1000}
SECONDS_PER_PHASE=${BENCH_SECONDS:-20}
SENDERS=${BENCH_SENDERS:-8}
. bench/lib.sh

echo "building release binaries"
cargo build --release --quiet --bin camlytics-gateway --example live_intake
BIN="$ROOT/target/release"
SIM_PORT=$(free_port); GW_PORT=$(free_port)
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
GATEWAY_SIMULATOR_LISTEN=127.0.0.1:$SIM_PORT "$BIN/camlytics-gateway" simulate >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
RUST_LOG=warn CAMLYTICS_API_KEY=demo-key CAMLYTICS_API_SECRET=demo-secret \
  CAMLYTICS_BASE_URL=http://127.0.0.1:$SIM_PORT/service/api/v1 GATEWAY_LISTEN=127.0.0.1:$GW_PORT \
  GATEWAY_STATE_DIR="$WORK/state" GATEWAY_MIRROR=off GATEWAY_WEBHOOK_TOKENS="bench:$TOKEN" \
  "$BIN/camlytics-gateway" serve >"$WORK/gw.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$GW_PORT/healthz"
"$BIN/examples/live_intake" "http://127.0.0.1:$GW_PORT/webhooks/camlytics/$TOKEN" "$RATE" \
  "$SECONDS_PER_PHASE" 100 "$SENDERS" | tee "$WORK/intake.txt"
value() { grep "^$1=" "$WORK/intake.txt" | cut -d= -f2; }
HELD=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from events').fetchone()[0])" "$WORK/state/live.sqlite3")

write_section bench/LIVE_RESULTS.md "## Intake:" "# Live data benchmarks" <<MD
## Intake: webhook events stored durably (bench/live_intake.sh)

\`bench/live_intake.sh\` on $(nproc) cores ($(uname -m)), $(date -u +%Y-%m-%d): a release gateway, mirror off,
the intake log \`live.sqlite3\` in WAL with \`synchronous=FULL\` (every acknowledged batch is on disk), batches of
100 distinct events through \`POST /webhooks/camlytics/<token>\` over loopback (client: \`examples/live_intake\`).

| phase | batches | failures | events stored | events/s | ack p50 | ack p99 | ack max |
|---|---|---|---|---|---|---|---|
| steady, $RATE events/s (open loop) | $(value steady_batches) | $(value steady_failures) | $(value steady_events_stored) | $(value steady_events_per_second) | $(value steady_p50_ms) ms | $(value steady_p99_ms) ms | $(value steady_max_ms) ms |
| flat out, $SENDERS senders | $(value flat_out_batches) | $(value flat_out_failures) | $(value flat_out_events_stored) | $(value flat_out_events_per_second) | $(value flat_out_p50_ms) ms | $(value flat_out_p99_ms) ms | $(value flat_out_max_ms) ms |

Events in the log afterwards: $HELD (every acknowledged event, each once).
MD
sed -n '/^## Intake:/,/^## [^I]/p' bench/LIVE_RESULTS.md
