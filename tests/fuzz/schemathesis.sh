#!/usr/bin/env bash
# Schema-driven fuzzing: schemathesis generates valid and invalid requests from the served OpenAPI document
# and runs every check (no 5xx, statuses/headers/bodies as documented, invalid input rejected, valid input
# accepted, undeclared methods answered 405) against `camlytics-gateway demo`.
#
# Telling the gateway's own 5xx from the cloud's: the demo's simulated cloud runs here without faults and
# without a rate limit (--simulator-rps 0), and the gateway may call it 200 times a second, so the cloud has
# no reason to fail and the lane never sheds load. Any 502/503/504 is therefore the gateway's doing (or it
# sent something the cloud rejects, which validation should have stopped), and the not_a_server_error check
# fails the run on it. The failure report shows the body: answers caused by the cloud say "the cloud ...".
#
# The live streams (Server-Sent Events) are left out: an answer that never ends is what they promise, and a
# request timeout is all a generic client can make of it; tests/api/live checks them.
#
# Needs: pip install -r tests/fuzz/requirements.txt. Bounded: FUZZ_MAX_EXAMPLES cases per operation and
# phase (default 100, about a minute), and a hard timeout.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/support/demo.sh
source tests/support/demo.sh
# The fuzzer is one caller sending thousands of requests: lift its quota so it tests answers, not limits.
start_demo --upstream-rps 200 --simulator-rps 0 --caller-rps 100000 --caller-burst 100000

python3 -m openapi_spec_validator openapi.json

started=$(date +%s)
hooks="$PWD/tests/fuzz"
# Run from a scratch directory: schemathesis keeps a cache in its working directory.
scratch="$(mktemp -d -t camlytics-fuzz.XXXXXX)"
trap 'stop_demo; rm -rf "$scratch"' EXIT
(cd "$scratch" && PYTHONPATH="$hooks" SCHEMATHESIS_HOOKS=gateway_hooks timeout "${FUZZ_TIMEOUT:-600}" \
    python3 -m schemathesis.cli run "$DEMO_ORIGIN/openapi.json" \
    --checks all \
    --exclude-path-regex '/stream$' \
    --max-examples "${FUZZ_MAX_EXAMPLES:-100}" \
    --seed "${FUZZ_SEED:-1}" \
    --request-timeout 30 \
    --wait-for-schema 10 \
    --generation-database none \
    --no-color)
echo "schemathesis: no failures in $(( $(date +%s) - started ))s"
