#!/usr/bin/env bash
# Footprint: what smartmon costs the host it watches. `smartmon agent` (Postgres) and `smartmon serve` with
# its collector (embedded SQLite) run side by side at the default intervals against the systemd double
# (`fake-systemd`, 200 units) while a few units change state each minute; after a warm-up the window's CPU
# time (utime+stime from /proc/PID/stat), the final RSS, and the rows and bytes written (pg_stat_user_tables
# deltas, row sizes from pg_column_size) are extrapolated to a day. Then cold start to the first 200 (median
# of RUNS) and the binary's size. Writes the "footprint" section of BENCHMARKS.md.
#   bench/footprint.sh     (WINDOW=300 WARMUP=20 CHURN_PER_MIN=6 UNITS=200 RUNS=5 VARIANTS=1; see bench/README.md)
# Needs Postgres (TEST_DATABASE_URL or 127.0.0.1:5432), python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
window=${WINDOW:-300}
warmup=${WARMUP:-20}
churn_per_min=${CHURN_PER_MIN:-6}
units=${UNITS:-200}
runs=${RUNS:-5}
variants=${VARIANTS:-1}
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d /tmp/smartmon-bench-footprint.XXXXXX)
db_prefix=smartmon_bench_foot
db=${db_prefix}_agent
password=bench-password-123
pids=()
pause_pid=
cleanup() {
  # The double stops when its standard input closes (first: it finishes a SIGTERM only after that).
  exec 7>&- 2>/dev/null || true
  [[ -z $pause_pid ]] || kill "$pause_pid" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  [[ -n ${KEEP_WORK:-} ]] && echo "bench/footprint.sh: work files kept in $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A sleep that a signal interrupts at once (bash runs traps only between commands).
pause() {
  sleep "$1" 7>&- &
  pause_pid=$!
  wait $pause_pid
  pause_pid=
}

cargo build --release --locked --quiet -p smartmon --bin smartmon -p smartmon-testbed --bin fake-systemd
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_url() { echo "${admin%/*}/$1"; }
hz=$(getconf CLK_TCK)

# The systemd double: UNITS services named like the seed's, 1 in 40 failed, 1 in 25 stopped.
names=(nginx postgresql ssh cron systemd-journald systemd-logind systemd-networkd docker containerd cloudflared
  rsyslog chrony redis-server node-exporter fail2ban unattended-upgrades smartd backup certbot haproxy)
unit_name() { local i=$1 n=${#names[@]}; if ((i < n)); then echo "${names[i]}.service"; else echo "${names[i % n]}-$i.service"; fi; }
specs=()
for ((i = 0; i < units; i++)); do
  if ((i % 40 == 7)); then state=failed/failed; elif ((i % 25 == 3)); then state=inactive/dead; else state=active/running; fi
  specs+=("$(unit_name "$i")=$state")
done
mkfifo "$work/fake.in"
"$target/fake-systemd" --exit-with-stdin "${specs[@]}" <"$work/fake.in" >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
pids+=($fake_pid)
exec 7>"$work/fake.in" # background children close it (7>&-), so that only this shell holds it
for _ in $(seq 100); do grep -q CONTROL_URL "$work/fake.out" && break; sleep 0.1; done
bus=$(sed -n 's/^DBUS_SYSTEM_BUS_ADDRESS=//p' "$work/fake.out")
control=$(sed -n 's/^CONTROL_URL=//p' "$work/fake.out")
[[ -n $bus && -n $control ]] || { echo "bench/footprint.sh: fake-systemd did not start" >&2; cat "$work/fake.err" >&2; exit 1; }

# smartctl double: one NVMe disk, from the tests' fixtures.
fixtures=$PWD/tests/fixtures/smartctl
cat >"$work/smartctl" <<SH
#!/bin/sh
case "\$*" in *--scan-open*) cat '$fixtures/smartctl_scan_nvme.json' ;; *) cat '$fixtures/smart-nvme.json' ;; esac
SH
chmod +x "$work/smartctl"

# Default intervals, spelled out so the section states them.
common=(DBUS_SYSTEM_BUS_ADDRESS="$bus" SMARTCTL="$work/smartctl" METRICS_INTERVAL=15 SERVICE_RESYNC_INTERVAL=60
  SMART_INTERVAL=21600 DRY_RUN=true)
# The release binary through a link with another name: on a shared machine, someone's `pkill -f "smartmon serve"`
# should not stop the measured processes (it did while this was written).
ln -s "$target/smartmon" "$work/smartmon-footprint"
# start NAME ENV… -- ARGS…: runs the binary in the background; its pid lands in $work/NAME.pid.
start() {
  local name=$1; shift
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  env "${common[@]}" "${env[@]}" "$work/smartmon-footprint" "$@" >"$work/$name.log" 2>&1 7>&- &
  pids+=($!)
  echo $! >"$work/$name.pid"
}

# The subjects; with VARIANTS=1 also serve without its collector (the collector's share of serve) and serve
# under two glibc malloc settings (RSS after logins).
subjects=(agent serve)
[[ $variants == 1 ]] && subjects+=(serve_nocollect serve_arena2 serve_mmap)
psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
start agent DATABASE_URL="$(pg_url "$db")" SMARTMON_INIT_PG=1 HOSTNAME_OVERRIDE=bench-agent -- agent
for subject in "${subjects[@]:1}"; do
  case $subject in
    serve) variant=() ;;
    serve_nocollect) variant=(SMARTMON_COLLECT=false) ;;
    serve_arena2) variant=(MALLOC_ARENA_MAX=2) ;;
    serve_mmap) variant=(MALLOC_MMAP_THRESHOLD_=131072) ;;
  esac
  port=$(free_port)
  echo "$port" >"$work/$subject.port"
  start "$subject" "${variant[@]}" SMARTMONITOR_DB_PATH="$work/$subject.db" GUI_PORT="$port" \
    SMARTMON_ADMIN_PASSWORD=$password HOSTNAME_OVERRIDE=bench-serve -- serve
done

# Figures per subject, as "key value" lines in $work/NAME.PHASE.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); split($0, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
sched_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
pg_backend_ticks() { # CPU of the Postgres backends connected to database $1 (pid:ticks lines)
  psql "$admin" -At -c "SELECT pid FROM pg_stat_activity WHERE datname = '$1'" | while read -r p; do
    [[ -r /proc/$p/stat ]] && echo "$p:$(cpu_ticks "$p")"
  done | paste -sd' ' -
}
table_stats() { # parent table, inserted, updated, HOT-updated, deleted (partitions summed into their parent)
  psql "$(pg_url "$1")" -At -F' ' -c "
    SELECT coalesce(p.relname, s.relname), sum(s.n_tup_ins), sum(s.n_tup_upd), sum(s.n_tup_hot_upd), sum(s.n_tup_del)
    FROM pg_stat_user_tables s LEFT JOIN pg_inherits i ON i.inhrelid = s.relid
    LEFT JOIN pg_class p ON p.oid = i.inhparent
    WHERE s.schemaname <> 'information_schema' GROUP BY 1 ORDER BY 1" | sed 's/^/table /'
}
sqlite_counts() { # table row counts of a SQLite file, and its size in use (WAL included)
  python3 - "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=10)
pages = [con.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count", "page_size")]
print("db_bytes", (pages[0] - pages[1]) * pages[2])
for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"):
    print("table", name, con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
PY
}
snapshot() { # snapshot PHASE: CPU, memory, SQLite rows
  local phase=$1 subject pid
  for subject in "${subjects[@]}"; do
    pid=$(cat "$work/$subject.pid")
    kill -0 "$pid" 2>/dev/null || { echo "bench/footprint.sh: $subject died" >&2; tail "$work/$subject.log" >&2; exit 1; }
    {
      echo "time $(date +%s.%N)"
      echo "ticks $(cpu_ticks "$pid")"
      echo "sched_ns $(sched_ns "$pid")"
      awk '/^(VmRSS|VmHWM|RssAnon|RssFile|Threads):/ { print $1, $2 }' "/proc/$pid/status" | tr -d :
      case $subject in
        agent) echo "pg_backends $(pg_backend_ticks "$db")" ;;
        serve*) sqlite_counts "$work/$subject.db" ;;
      esac
    } >"$work/$subject.$phase"
  done
}
# Postgres backends publish their table statistics up to 10 s late when idle, so both ends of the window
# read them 11 s after the CPU snapshot: the same lag at both ends.
stats_lag=11
pg_snapshot() { # pg_snapshot PHASE
  table_stats "$db" >>"$work/agent.$1"
}

# Churn: CHURN_PER_MIN state changes a minute, units 1, 41, 81… in turn, failing and then recovering.
churn() {
  local period k=0 unit state
  period=$(awk -v r="$churn_per_min" 'BEGIN { print 60 / r }')
  declare -A failed=()
  while true; do
    sleep "$period"
    unit=$(unit_name $(((k * 40 + 1) % units)))
    k=$(((k + 1) % 10))
    if [[ -n ${failed[$unit]:-} ]]; then
      state="active=active&sub=running"
      unset "failed[$unit]"
    else
      state="active=failed&sub=failed"
      failed[$unit]=1
    fi
    curl -fs -X POST "$control/units/$unit/state?$state" >/dev/null || echo "churn: $unit failed" >&2
  done
}

# Warm-up: migrations, first sightings of every unit, the start-up SMART run.
for subject in "${subjects[@]}"; do
  if [[ $subject == serve* ]]; then
    port=$(cat "$work/$subject.port")
    for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  fi
done
echo "bench/footprint.sh: ${#subjects[@]} processes up, ${units} units; warm-up ${warmup}s, window ${window}s"
pause "$warmup"
# SMART runs once at start (every 6 h after): its rows per run, for the per-day figure.
smart_rows=$(psql "$(pg_url "$db")" -At -c "SELECT count(*) FROM disk_health")
snapshot start
churn 7>&- &
churn_pid=$!
pids+=($churn_pid)
pause "$stats_lag"
pg_snapshot start
pause $((window - stats_lag))
snapshot end
kill "$churn_pid"
pause "$stats_lag"
pg_snapshot end
psql "$(pg_url "$db")" -qAt -F' ' -v since="$(sed -n 's/^time //p' "$work/agent.start")" \
  -f bench/footprint_bytes.sql >"$work/agent.bytes"
# Logins: 8 concurrent then 4 sequential Basic Auth requests to each serve (each checks an argon2 hash),
# then its RSS again.
for subject in "${subjects[@]:1}"; do
  port=$(cat "$work/$subject.port")
  burst=()
  for _ in $(seq 8); do curl -fs -o /dev/null -u "admin:$password" "http://127.0.0.1:$port/" & burst+=($!); done
  for pid in "${burst[@]}"; do wait "$pid"; done
  for _ in $(seq 4); do curl -fs -o /dev/null -u "admin:$password" "http://127.0.0.1:$port/"; done
done
sleep 2
for subject in "${subjects[@]:1}"; do
  awk '/^(VmRSS|VmHWM):/ { print $1, $2 }' "/proc/$(cat "$work/$subject.pid")/status" | tr -d : >"$work/$subject.logins"
done
for subject in "${subjects[@]}"; do kill "$(cat "$work/$subject.pid")"; done
for subject in "${subjects[@]}"; do wait "$(cat "$work/$subject.pid")" 2>/dev/null || true; done
pids=("$fake_pid") # the others have ended (no stale pids for the cleanup to signal)

# Cold start: exec → first 200 on /healthz, and on GET / with Basic Auth; median of RUNS.
python3 - "$work/smartmon-footprint" "$work" "$runs" "$password" "$(pg_url "$db")" \
  DBUS_SYSTEM_BUS_ADDRESS="$bus" SMARTCTL="$work/smartctl" >"$work/coldstart" <<'PY'
import base64, http.client, os, socket, statistics, subprocess, sys, time
exe, work, runs, password, pg = sys.argv[1:6]
extra = dict(kv.split("=", 1) for kv in sys.argv[6:])
auth = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def first_200(port, path, headers, t0, deadline=60):
    while time.perf_counter() - t0 < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path, headers=headers)
            if c.getresponse().status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.002)
    raise SystemExit(f"no 200 on {path} within {deadline}s")

def once(db_env):
    port = free_port()
    env = dict(os.environ, **extra, **db_env, GUI_PORT=str(port), HOSTNAME_OVERRIDE="bench-cold",
               SMARTMON_ADMIN_PASSWORD=password, LOG_LEVEL="WARN")
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        health = first_200(port, "/healthz", {}, t0)
        page = first_200(port, "/", {"Authorization": auth}, t0)
    finally:
        proc.terminate(); proc.wait()
    return health, page

for label, make_env in [
    ("sqlite_fresh", lambda i: {"SMARTMONITOR_DB_PATH": f"{work}/cold-{i}.db"}),
    ("postgres_migrated", lambda i: {"DATABASE_URL": pg}),
]:
    results = [once(make_env(i)) for i in range(int(runs))]
    h = statistics.median(r[0] for r in results) * 1000
    p = statistics.median(r[1] for r in results) * 1000
    print(label, f"{h:.0f}", f"{p:.0f}", " ".join(f"{r[0]*1000:.0f}/{r[1]*1000:.0f}" for r in results))
PY

size=$(stat -c %s "$target/smartmon")
strip -o "$work/smartmon.stripped" "$target/smartmon"
stripped=$(stat -c %s "$work/smartmon.stripped")

# Figures and the BENCHMARKS.md section.
python3 bench/footprint_report.py "$work" "$window" "$warmup" "$hz" "$units" "$churn_per_min" "$smart_rows" \
  "$size" "$stripped" "$(nproc)" "$(free -g | awk '/Mem:/ {print $2}')" "${subjects[*]}"
echo "bench/footprint.sh: BENCHMARKS.md updated"
