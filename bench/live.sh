#!/usr/bin/env bash
# Live latency: a unit's state change on the fake systemd bus to the SSE `rows` frame at 1 and at 500
# clients of `smartmon serve`, with the server's RSS. Writes the "live" section of BENCHMARKS.md.
# Runs on SQLite, and on Postgres too when TEST_DATABASE_URL (an admin URL; default
# postgres://postgres@127.0.0.1:5432/postgres when that answers) is usable; TEST_DATABASE_URL= skips it.
#   bench/live.sh [live options, e.g. --flips 50 --clients 1,100,500 --no-write]
set -euo pipefail
cd "$(dirname "$0")/.."

# fake-systemd starts its own dbus-daemon (Debian package dbus).
if ! command -v dbus-daemon >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "bench/live.sh: installing dbus"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dbus >/dev/null
  else
    echo "bench/live.sh: dbus-daemon is missing (Debian package dbus)" >&2
    exit 1
  fi
fi

default_pg=postgres://postgres@127.0.0.1:5432/postgres
if [[ -z ${TEST_DATABASE_URL+set} ]] && command -v pg_isready >/dev/null \
  && pg_isready -q -h 127.0.0.1 -p 5432; then
  export TEST_DATABASE_URL=$default_pg
fi
[[ -n ${TEST_DATABASE_URL:-} ]] || unset TEST_DATABASE_URL

# 500 clients hold 500 sockets in the bench and 500 in the server (which inherits this limit).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
soft=$(ulimit -n)
[[ $soft == unlimited ]] || ((soft >= 1100)) || echo "bench/live.sh: warning: open-file limit $soft may be short of 500 clients" >&2

cargo build --release --locked --quiet -p smartmon --bin smartmon -p smartmon-testbed --bin fake-systemd \
  -p smartmon-bench --bin live --bin ingest
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release
exec "$target/live" "$@"
