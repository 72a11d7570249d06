#!/usr/bin/env bash
# The group's tests start their own redis-server (Debian's package); install it where it is missing.
set -euo pipefail
if command -v redis-server >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "redis-server is missing: install Debian's redis-server package (the group's tests start their own)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
# Debian's package starts a system instance; the tests need only the binary.
(systemctl disable --now redis-server 2>/dev/null || service redis-server stop 2>/dev/null) || true
