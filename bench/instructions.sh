#!/usr/bin/env bash
# Instructions per request: each page and API read counted by valgrind's callgrind in the release
# `smartmon serve`, optionally beside an older build on the same data. Instruction counts do not depend on
# what else the machine is doing, so two builds compare reliably on a busy machine where wrk's req/s do
# not. Writes the "instructions" section of BENCHMARKS.md. Needs Postgres (TEST_DATABASE_URL or
# 127.0.0.1:5432) and valgrind (installed when missing and run as root).
#   bench/instructions.sh                                  (REQUESTS=40 per path)
#   BEFORE_BIN=/path/to/older/smartmon BEFORE_LABEL=abc123 bench/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { echo "bench/instructions.sh: valgrind is missing (apt-get install valgrind)" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
requests=${REQUESTS:-40}
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d /tmp/smartmon-bench-instr.XXXXXX)
db=smartmon_bench_instructions
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "bench/instructions.sh: $*" >&2; exit 1; }

cargo build --release --locked --quiet -p smartmon --bin smartmon -p smartmon-bench --bin seed
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
DATABASE_URL=$url "$target/seed" --hosts 10 --units 60 --days 30 >"$work/seed.log"

paths=("/services" "/services?limit=600" "/" "/api/services?limit=600" "/hosts/host001?range=24h")

# count BIN NAME: starts BIN under callgrind (counting off), and for each path zeroes the counters, asks
# for it $requests times with instrumentation on and dumps; prints one "path instructions-per-request" line each.
count() {
  local bin=$1 name=$2 port pid jar=$work/$2.jar
  port=$(free_port)
  DATABASE_URL=$url SMARTMON_INIT_PG=1 GUI_PORT=$port SMARTMON_COLLECT=false RETENTION_ENABLED=false \
    SMARTMON_ADMIN_PASSWORD=bench-password-123 SMARTMON_API_RATE_PER_MINUTE=1000000 LOG_LEVEL=ERROR \
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/$name.%p" \
    "$bin" serve >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  curl -s -o /dev/null -c "$jar" -H "Origin: http://127.0.0.1:$port" \
    --data "username=admin&password=bench-password-123&next=/" "http://127.0.0.1:$port/login"
  grep -q smartmon "$jar" || fail "login to $bin failed (see its log: $(tail -3 "$work/$name.log"))"
  for path in "${paths[@]}"; do
    status=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
    [[ $status == 200 ]] || fail "$name answered $status for $path"
    callgrind_control -z "$pid" >/dev/null 2>&1
    callgrind_control -i on "$pid" >/dev/null 2>&1
    for _ in $(seq "$requests"); do curl -s -b "$jar" -o /dev/null "http://127.0.0.1:$port$path"; done
    callgrind_control -i off "$pid" >/dev/null 2>&1
    callgrind_control -d "$pid" >/dev/null 2>&1
    dump=$(ls -t "$work/$name.$pid".* | head -1)
    total=$(awk '/^totals:/ {print $2; exit}' "$dump")
    echo "$path $((total / requests))"
    [[ -n ${KEEP_WORK:-} ]] || rm -f "$dump"
  done
  kill "$pid"
}

count "$target/smartmon" after >"$work/after.txt"
if [[ -n ${BEFORE_BIN:-} ]]; then count "$BEFORE_BIN" before >"$work/before.txt"; fi

rows=()
for path in "${paths[@]}"; do
  after=$(awk -v p="$path" '$1 == p {print $2}' "$work/after.txt")
  row="| \`$path\` | $(printf "%'d" "$after") |"
  if [[ -n ${BEFORE_BIN:-} ]]; then
    before=$(awk -v p="$path" '$1 == p {print $2}' "$work/before.txt")
    row="$row $(printf "%'d" "$before") | $(awk -v a="$after" -v b="$before" 'BEGIN {printf "%.2f", a / b}') |"
  fi
  rows+=("$row")
  echo "$row"
done
head='| request | instructions per request |'
rule='| --- | --- |'
if [[ -n ${BEFORE_BIN:-} ]]; then
  head="$head before (${BEFORE_LABEL:-older build}) | after/before |"
  rule="$rule --- | --- |"
fi

section=$(cat <<MD
<!-- instructions:start -->
## Instructions per request (\`bench/instructions.sh\`)

$(date -u +%Y-%m-%d), $(nproc) cores; release build under valgrind's callgrind (every instruction the server
process executes, all threads, counted only while the requests run); PostgreSQL 15 on the same machine;
10 hosts × 60 units × 30 days (\`seed\`); $requests sequential requests per path with a session cookie after one
warm-up request. Independent of the machine's load; Postgres's own work is not counted.

$head
$rule
$(printf '%s\n' "${rows[@]}")
<!-- instructions:end -->
MD
)
python3 - "$section" <<'PY'
import re, sys
path = "BENCHMARKS.md"
text = open(path).read()
section = sys.argv[1]
if "<!-- instructions:start -->" in text:
    text = re.sub(r"<!-- instructions:start -->.*?<!-- instructions:end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "bench/instructions.sh: BENCHMARKS.md updated"
