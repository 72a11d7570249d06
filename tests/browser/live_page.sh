#!/usr/bin/env bash
# The /live page in a real headless Chromium against `camlytics-gateway demo` (whose simulated cloud POSTs
# its live events to the gateway's webhook intake): a location's occupancy card, at least one row of the
# event feed and the hourly chart must appear. Writes the README's screenshot to docs/live.png
# (LIVE_SCREENSHOT to change). Needs: apt-get install chromium; npm ci --prefix tests/browser.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/support/demo.sh
source tests/support/demo.sh
start_demo --upstream-rps 50 --caller-rps 1000 --caller-burst 1000

mkdir -p docs
started=$(date +%s)
timeout "${BROWSER_TIMEOUT:-180}" node tests/browser/live_page.mjs "$DEMO_ORIGIN" \
    "${LIVE_SCREENSHOT:-docs/live.png}"
echo "live page: occupancy, feed and chart shown in the browser in $(( $(date +%s) - started ))s"
