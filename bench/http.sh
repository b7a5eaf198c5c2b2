#!/usr/bin/env bash
# HTTP load: every page and API read of issue #20's table under wrk (the services table at 16 and 64
# connections, the rest at 16), each against the machine's ceiling in the same run: nginx serving a static
# file of the same bytes; beside it, the original Python system's figure from the issue (same data,
# measured there) for reference. Writes the "HTTP" section of BENCHMARKS.md. Needs Postgres (TEST_DATABASE_URL or 127.0.0.1:5432), nginx and wrk (Debian packages,
# installed when missing and run as root).
#   bench/http.sh                                    (DURATION=10s by default)
#   BEFORE_BIN=/path/to/older/smartmon bench/http.sh  (also measures that build on the same data, as a ratio)
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null; then
    [[ $(id -u) -eq 0 ]] || { echo "bench/http.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "$([[ $tool == nginx ]] && echo nginx-light || echo wrk)" >/dev/null
  fi
done
duration=${DURATION:-10s}
admin=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d /tmp/smartmon-bench-http.XXXXXX)
# nginx's workers run as an unprivileged user: they must be able to read the baseline's files.
chmod 755 "$work"
# Unique per run: several engineers may run this script against the same Postgres at once.
db=smartmon_bench_http_$$
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

cargo build --release --locked --quiet -p smartmon --bin smartmon -p smartmon-bench --bin seed
target=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
DATABASE_URL=$url "$target/seed" --hosts 10 --units 60 --days 30 >"$work/seed.log"

# serve BINARY: starts a console on the seeded database and prints its port.
serve() {
  local bin=$1 port
  port=$(free_port)
  DATABASE_URL=$url SMARTMON_INIT_PG=1 GUI_PORT=$port SMARTMON_COLLECT=false RETENTION_ENABLED=false \
    SMARTMON_ADMIN_PASSWORD=bench-password-123 SMARTMON_API_RATE_PER_MINUTE=1000000 LOG_LEVEL=ERROR \
    "$bin" serve >>"$work/serve.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  echo "$port"
}
# log_in PORT JAR: a session cookie ("name=value") for the bench admin.
log_in() {
  curl -s -o /dev/null -c "$2" -H "Origin: http://127.0.0.1:$1" \
    --data "username=admin&password=bench-password-123&next=/" "http://127.0.0.1:$1/login"
  awk '$6 ~ /smartmon/ {print $6 "=" $7}' "$2"
}
port=$(serve "$target/smartmon")
cookie=$(log_in "$port" "$work/jar")
[[ -n $cookie ]] || { echo "bench/http.sh: login failed" >&2; exit 1; }
if [[ -n ${BEFORE_BIN:-} ]]; then
  before_port=$(serve "$BEFORE_BIN")
  before_cookie=$(log_in "$before_port" "$work/before.jar")
  [[ -n $before_cookie ]] || { echo "bench/http.sh: login to BEFORE_BIN failed" >&2; exit 1; }
fi

nginx_port=$(free_port)
mkdir -p "$work/www" "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fcgi; uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$nginx_port; root $work/www; default_type text/html; }
}
CONF
nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
sleep 0.5

# wrk's summary: "Requests/sec" and the 50% / 99% latency lines of --latency.
measure() {
  local conns=$1 url=$2 header=${3:-X-Bench: 1} session=${4:-$cookie}
  wrk -t2 -c"$conns" -d"$duration" --latency -H "Cookie: $session" -H "$header" "$url" >"$work/wrk.out" 2>&1
  awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
       END {printf "%s %s %s %s\n", rps, p50, p99, bad+0}' "$work/wrk.out"
}

# "path|header|connections|original req/s": the services partial is the same URL asked for by HTMX; the
# last field is the original system's rate for the same read in issue #20 (— where it had none).
requests=(
  "/services|X-Bench: 1|16 64|0.95 (its \`/api/services\`)"
  "/services|HX-Request: true|16 64|—"
  "/services?limit=600|X-Bench: 1|16|—"
  "/api/services?limit=200|X-Bench: 1|16|—"
  "/api/services?limit=600|X-Bench: 1|16|—"
  "/api/hosts/host001/services|X-Bench: 1|16|8.7"
  "/services/host001/nginx.service|X-Bench: 1|16|18.9"
  "/|X-Bench: 1|16 64|1,370 (a shell without data)"
  "/|HX-Request: true|16|—"
  "/api/summary|X-Bench: 1|16|27.3"
  "/api/summary|Authorization: Basic $(printf 'admin:bench-password-123' | base64)|16|—"
  "/hosts|X-Bench: 1|16|60.6"
  "/api/hosts|X-Bench: 1|16|—"
  "/hosts/host001?range=1h|X-Bench: 1|16|—"
  "/hosts/host001?range=24h|X-Bench: 1|16|—"
  "/hosts/host001?range=30d|X-Bench: 1|16|—"
  "/hosts/host001?range=1y|X-Bench: 1|16|—"
  "/api/hosts/host001/metrics?minutes=60|X-Bench: 1|16|47.5"
  "/disks|X-Bench: 1|16|—"
  "/checks|X-Bench: 1|16|—"
  "/alerts|X-Bench: 1|16|—"
)
# fetch URL HEADER FILE: saves the body and prints "status bytes".
fetch() {
  curl -s -b "$work/jar" -H "$2" -o "$3" -w '%{http_code} %{size_download}\n' "$1"
}
fail() { echo "bench/http.sh: $*" >&2; exit 1; }

load_start=$(uptime | sed 's/.*load average: //')
rows=()
for request in "${requests[@]}"; do
  IFS='|' read -r path header conn_list original <<<"$request"
  label="\`$path\`"
  [[ $header == HX-Request* ]] && label="$label (partial, \`HX-Request\`)"
  # Basic Auth rows send no session cookie, so the credential itself is checked (or held).
  session=$cookie before_session=${before_cookie:-}
  if [[ $header == Authorization* ]]; then
    label="$label (Basic Auth)" session="none=1" before_session="none=1"
  fi
  name="page$(echo "$path|$header" | md5sum | cut -c1-8).html"
  read -r status bytes < <(fetch "http://127.0.0.1:$port$path" "$header" "$work/www/$name")
  [[ $status == 200 ]] || fail "$path answered $status, not 200"
  # The baseline must be the same page: 200 and the same byte count, or every ratio is meaningless.
  read -r nstatus nbytes < <(fetch "http://127.0.0.1:$nginx_port/$name" "X-Bench: 1" /dev/null)
  [[ $nstatus == 200 && $nbytes == "$bytes" ]] \
    || fail "nginx baseline for $path answered $nstatus with $nbytes bytes (want 200 with $bytes)"
  for conns in $conn_list; do
    read -r rps p50 p99 bad < <(measure "$conns" "http://127.0.0.1:$port$path" "$header" "$session")
    read -r srps sp50 sp99 sbad < <(measure "$conns" "http://127.0.0.1:$nginx_port/$name")
    ((sbad == 0)) || fail "nginx baseline for $path had $sbad non-2xx answers"
    ratio=$(awk -v a="$rps" -v b="$srps" 'BEGIN {printf "%.1f%%", 100 * a / b}')
    before=""
    if [[ -n ${BEFORE_BIN:-} ]]; then
      read -r brps _ bp99 bbad < <(measure "$conns" "http://127.0.0.1:$before_port$path" "$header" "$before_session")
      ((bbad == 0)) || fail "BEFORE_BIN answered $bbad non-2xx for $path"
      before=" $brps | $bp99 | $(awk -v a="$rps" -v b="$brps" 'BEGIN {printf "%.2f×", a / b}') |"
    fi
    rows+=("| $label | $bytes | $conns | $rps | $p50 | $p99 | $bad | $srps | $sp99 | $ratio | $original |$before")
    echo "$path ($header) c=$conns: $rps req/s p50 $p50 p99 $p99 (nginx static $srps req/s) = $ratio${before:+; before:$before}"
  done
done

head='| request | bytes | conns | req/s | p50 | p99 | non-2xx | nginx static req/s | nginx p99 | ratio | original req/s |'
rule='| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
if [[ -n ${BEFORE_BIN:-} ]]; then
  head="$head before req/s | before p99 | after/before |"
  rule="$rule --- | --- | --- |"
  before_note=' `BEFORE_BIN` ('"${BEFORE_LABEL:-an older build}"') served the same database in the same run.'
fi

section=$(cat <<MD
<!-- http:start -->
## HTTP load (\`bench/http.sh\`)

$(date -u +%Y-%m-%d), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; release build; PostgreSQL 15 on the same machine;
10 hosts × 60 units × 30 days of history (\`seed\`); wrk 2 threads for $duration per row, on loopback, sharing the
2 cores with the server and Postgres. Baseline in the same run: nginx serving the same bytes (checked: 200 and the
same size; the run fails otherwise). "original req/s": the original Python system on the same data, from issue #20
(wrk 2 threads, 16 connections; reference only, not this run). Machine load (1, 5, 15 min averages) at the start: $load_start; at the end: $(uptime | sed 's/.*load average: //') (the machine was shared with other builds; rely on the same-run ratio).${before_note:-}

$head
$rule
$(printf '%s\n' "${rows[@]}")
<!-- http:end -->
MD
)
python3 - "$section" <<'PY'
import re, sys
path = "BENCHMARKS.md"
text = open(path).read()
section = sys.argv[1]
if "<!-- http:start -->" in text:
    text = re.sub(r"<!-- http:start -->.*?<!-- http:end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "bench/http.sh: BENCHMARKS.md updated"
