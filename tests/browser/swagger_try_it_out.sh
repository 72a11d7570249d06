#!/usr/bin/env bash
# The Swagger UI's "Try it out" in a real headless Chromium against `camlytics-gateway demo`:
# every operation is run from the page and must show a 200 with the success envelope.
# Writes the README's screenshot to docs/swagger.png (SWAGGER_SCREENSHOT to change).
# Needs: apt-get install chromium; npm ci --prefix tests/browser.
set -euo pipefail
cd "$(dirname "$0")/../.."

# shellcheck source=tests/support/demo.sh
source tests/support/demo.sh
# Unthrottled upstream: six requests in a row should not queue for seconds each.
start_demo --upstream-rps 50 --simulator-rps 0 --caller-rps 1000 --caller-burst 1000

mkdir -p docs
started=$(date +%s)
timeout "${BROWSER_TIMEOUT:-180}" node tests/browser/swagger_try_it_out.mjs "$DEMO_ORIGIN" \
    "${SWAGGER_SCREENSHOT:-docs/swagger.png}"
echo "swagger try-it-out: all operations answered in the browser in $(( $(date +%s) - started ))s"
