#!/usr/bin/env bash
# The Windows agent under Wine: the release smartmon.exe (x86_64-pc-windows-gnu) and its size; `smartmon.exe
# agent` at the default intervals against Postgres for WINDOW seconds after WARMUP (CPU as utime+stime of
# the Wine process running it, and of Wine's wineserver and services.exe beside it; RSS at the end); then
# RUNS state changes of the prefix's Spooler service (`sc stop` / `sc start`) and the time from `sc`
# returning to the new state in `service_current`. Prints the figures for BENCHMARKS.md.
#   bench/windows.sh     (WINDOW=120 WARMUP=30 RUNS=6)
# Needs wine64, mingw (gcc-mingw-w64-x86-64), the Rust target x86_64-pc-windows-gnu (scripts/test installs
# them) and Postgres (TEST_DATABASE_URL or 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
window=${WINDOW:-120}
warmup=${WARMUP:-30}
runs=${RUNS:-6}
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=smartmon_bench_windows
url="${admin%/*}/$db"
target_dir=$(cd "${CARGO_TARGET_DIR:-target}" 2>/dev/null && pwd || echo "$PWD/target")
prefix=$target_dir/wine-prefix-bench
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)
export WINEPREFIX=$prefix WINEDEBUG=-all
agent_pid=
cleanup() {
  [[ -z $agent_pid ]] || kill "$agent_pid" 2>/dev/null || true
  "$(dirname "$wine")/wineserver" -k 2>/dev/null || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "bench/windows.sh: building the release exe and the Linux binary (for migrate)"
cargo build --release --locked --quiet -p smartmon --bin smartmon --target x86_64-pc-windows-gnu
cargo build --release --locked --quiet -p smartmon --bin smartmon
exe=$target_dir/x86_64-pc-windows-gnu/release/smartmon.exe
linux=$target_dir/release/smartmon
size=$(stat -c %s "$exe")

# The prefix, as tests/support/wine.rs makes it: wineboot, the bcryptprimitives shim Wine 8 lacks.
if [[ ! -f $prefix/system.reg ]]; then
  mkdir -p "$prefix"
  "$wine" wineboot --init >/dev/null 2>&1
fi
x86_64-w64-mingw32-gcc -shared -O2 -o "$target_dir/bcryptprimitives.dll" tests/windows/bcryptprimitives.c -ladvapi32
cp "$target_dir/bcryptprimitives.dll" "$prefix/drive_c/windows/system32/bcryptprimitives.dll"
"$(dirname "$wine")/wineserver" -p 900
"$wine" wineboot >/dev/null 2>&1

sc() { "$wine" sc.exe "$@" >/dev/null 2>&1 || true; }
sc_state() { "$wine" sc.exe query "$1" 2>/dev/null | tr -d '\r' | awk '/STATE/ {print $4}'; }
sc start Spooler

psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
DATABASE_URL=$url "$linux" migrate >/dev/null

env -i PATH="$PATH" HOME="$HOME" WINEPREFIX="$prefix" WINEDEBUG=-all DATABASE_URL="$url" \
  HOSTNAME_OVERRIDE=winbench LOG_LEVEL=WARNING "$wine" "$exe" agent >/dev/null 2>&1 &
agent_pid=$!
pid=
for _ in $(seq 1 100); do
  pid=$(pgrep -f 'smartmon\.exe agent' | head -n 1 || true)
  [[ -n $pid ]] && break
  sleep 0.2
done
[[ -n $pid ]] || { echo "bench/windows.sh: the agent did not start" >&2; exit 1; }
wineserver_pid=$(pgrep -x wineserver64 | head -n 1 || pgrep -x wineserver | head -n 1 || true)
services_pid=$(pgrep -f 'system32\\services\.exe' | head -n 1 || true)

ticks() { # utime + stime of each pid, summed
  local total=0 p
  for p in "$@"; do
    [[ -n $p && -r /proc/$p/stat ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)
sleep "$warmup"
agent0=$(ticks "$pid")
wine0=$(ticks "$wineserver_pid" "$services_pid")
sleep "$window"
agent_cpu=$(( $(ticks "$pid") - agent0 ))
wine_cpu=$(( $(ticks "$wineserver_pid" "$services_pid") - wine0 ))
rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
units=$(psql "$url" -Atc "SELECT count(*) FROM service_current WHERE hostname = 'winbench'")

row_state() {
  psql "$url" -Atc "SELECT raw_status FROM service_current WHERE hostname = 'winbench' AND service_name = 'Spooler'"
}
# Seconds from `sc` returning until the row says $1.
time_to_row() {
  local want=$1 start now
  start=$(date +%s.%N)
  for _ in $(seq 1 600); do
    [[ $(row_state) == "$want" ]] && break
    sleep 0.05
  done
  now=$(date +%s.%N)
  awk -v a="$start" -v b="$now" 'BEGIN { print b - a }'
}
latencies=()
for _ in $(seq 1 "$runs"); do
  sc stop Spooler
  latencies+=("$(time_to_row STOPPED)")
  until [[ $(sc_state Spooler) == STOPPED ]]; do sleep 0.1; done
  sc start Spooler
  latencies+=("$(time_to_row RUNNING)")
  sleep 1
done
sorted=$(printf '%s\n' "${latencies[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
max=$(echo "$sorted" | tail -n 1)

calc() { awk "BEGIN { print $1 }"; }
printf 'date: %s; machine: %s cores, load average %s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'smartmon.exe (release, x86_64-pc-windows-gnu): %.1f MiB\n' "$(calc "$size / 1048576")"
printf 'agent under Wine, default intervals, %s units, %s s window: CPU %.4f cores (%.1f s), RSS %.1f MiB; wineserver + services.exe beside it: %.4f cores\n' \
  "$units" "$window" "$(calc "$agent_cpu / $hz / $window")" "$(calc "$agent_cpu / $hz")" \
  "$(calc "$rss_kib / 1024")" "$(calc "$wine_cpu / $hz / $window")"
printf 'state change (sc stop/start returned) to row: %s changes, median %.2f s, max %.2f s\n' \
  "${#latencies[@]}" "$median" "$max"
