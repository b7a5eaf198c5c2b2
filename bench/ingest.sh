#!/usr/bin/env bash
# Ingest at scale: 1,000 simulated agents (product collectors and writer) against one Postgres, in real
# time and time-compressed until they fall behind, then a simulated month with retention. Writes the
# "ingest" section of BENCHMARKS.md. Needs Postgres (TEST_DATABASE_URL, an admin URL, or 127.0.0.1:5432).
#   bench/ingest.sh                      (about 10 minutes: 180 s real time, 60 s per headroom factor, month)
#   bench/ingest.sh --duration 60 --headroom 4,8,16 --month-hosts 50      (see --help for the rest)
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
command -v psql >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null; }
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  for db in smartmon_bench_ingest_fleet smartmon_bench_ingest_month; do
    psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cargo build --release --locked --quiet -p smartmon-bench --bin ingest --bin seed
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release
TEST_DATABASE_URL=$admin "$target/ingest" "$@" &
pid=$!
wait "$pid"
pid=
