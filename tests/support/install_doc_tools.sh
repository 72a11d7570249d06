#!/usr/bin/env bash
# What the Swagger browser check and the schemathesis run need, from the package registries only:
# Debian's chromium, playwright-core (npm; it drives that chromium and downloads no browser),
# and schemathesis with openapi-spec-validator (PyPI). Safe to run again: each step skips what is there.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium </dev/null >/dev/null
fi
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error </dev/null
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
    -r tests/fuzz/requirements.txt </dev/null
