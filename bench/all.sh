#!/usr/bin/env bash
# Every benchmark, one after the other, on a machine otherwise at rest (about 38 minutes on 2 cores);
# each rewrites its own section of BENCHMARKS.md with the command, machine, date and figures.
# Needs Postgres (TEST_DATABASE_URL, an admin URL, or 127.0.0.1:5432 trusting `postgres`); the scripts
# install the Debian packages they use (wrk, nginx, dbus) when run as root.
#   bench/all.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
run() {
  echo "== bench/all.sh: $*"
  "$@"
}
run cargo bench --locked --bench collector
run bench/http.sh
run bench/live.sh
run bench/footprint.sh
run bench/ingest.sh
run bench/abuse.sh
echo "bench/all.sh: BENCHMARKS.md updated; review the reading notes below each section"
