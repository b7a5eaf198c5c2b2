#!/usr/bin/env bash
# Abuse from many addresses: failed logins, wrong API keys and anonymous /events from 128 loopback source
# addresses against the release `smartmon serve`, while a real user logs in and loads pages. Reports the
# server's RSS, audit rows per client and window, and the real user's answers; writes the "abuse" section
# of BENCHMARKS.md. About 3 minutes.
#   bench/abuse.sh [abuse options, e.g. --seconds 60 --clients 64 --no-write]
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build --release --locked --quiet -p smartmon --bin smartmon -p smartmon-bench --bin abuse
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release
exec "$target/abuse" "$@"
