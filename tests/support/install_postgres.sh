#!/usr/bin/env bash
# The mirror's store contract runs against PostgreSQL on 127.0.0.1:5432 (user postgres, no password on loopback).
# Does nothing where a server answers there; starts the installed cluster where it is down; installs Debian's
# postgresql package (and lets its user postgres in from loopback without a password) where it is missing.
set -euo pipefail

answers() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if command -v pg_isready >/dev/null && answers; then
  exit 0
fi

installed_here=false
if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is missing: install Debian's postgresql package (the store contract needs it on 127.0.0.1:5432)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  installed_here=true
fi

# Debian's package makes a cluster named main; start the newest version's (no systemd here, so no redirect).
version=$(ls /etc/postgresql | sort -V | tail -n 1)
if [ "$installed_here" = true ]; then
  # Tests connect as postgres over TCP without a password, as on the development machines.
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  if ! grep -q '^host all postgres 127.0.0.1/32 trust' "$hba"; then
    sed -i '1i host all postgres 127.0.0.1/32 trust' "$hba"
  fi
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi

for _ in $(seq 1 60); do
  if answers; then
    exit 0
  fi
  sleep 0.5
done
echo "PostgreSQL $version/main does not answer on 127.0.0.1:5432; see /var/log/postgresql/postgresql-$version-main.log" >&2
exit 1
