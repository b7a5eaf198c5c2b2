"""bench/footprint.sh's arithmetic: reads the snapshots it left in its work directory, prints the figures
and rewrites the "footprint" section of BENCHMARKS.md."""

import datetime
import os
import re
import sys

(work, window, warmup, hz, units, churn, smart_rows, size, stripped, cores, ram_gib, subjects) = sys.argv[1:13]
hz, units, smart_rows, size, stripped = int(hz), int(units), int(smart_rows), int(size), int(stripped)
subjects = subjects.split()
METRICS_INTERVAL, SMART_INTERVAL = 15, 21600
TARGET_MB = {"agent": 20, "serve": 40}
TARGET_CPU_PERCENT = 0.1
COLLECTOR_TABLES = {"alerts", "disk_health", "filesystem_usage", "network_checks", "service_status", "system_metrics"}
LABELS = {
    "agent": "`smartmon agent` (Postgres)",
    "serve": "`smartmon serve` + collector (SQLite)",
    "serve_nocollect": "serve, `SMARTMON_COLLECT=false`",
    "serve_arena2": "serve, `MALLOC_ARENA_MAX=2`",
    "serve_mmap": "serve, `MALLOC_MMAP_THRESHOLD_=131072`",
}


def snapshot(subject, phase):
    """key → value, and table → numbers."""
    values, tables = {}, {}
    with open(f"{work}/{subject}.{phase}") as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "table":
                tables[words[1]] = [int(w or 0) for w in words[2:]]
            else:
                values[words[0]] = words[1:]
    return values, tables


def one(values, key):
    return float(values[key][0])


def backend_ticks(start, end):
    """CPU ticks used by the Postgres backends present at both snapshots."""
    before = dict(w.split(":") for w in start.get("pg_backends", []))
    after = dict(w.split(":") for w in end.get("pg_backends", []))
    return sum(int(after[p]) - int(before[p]) for p in after if p in before), len(after)


def mb(kib):
    return kib / 1024


def yes(met):
    return "yes" if met else "**no**"


def cpu_row(subject):
    """The window's CPU and the memory at its end."""
    (s, _), (e, _) = snapshot(subject, "start"), snapshot(subject, "end")
    dt = one(e, "time") - one(s, "time")
    cpu = (one(e, "ticks") - one(s, "ticks")) / hz
    row = {
        "subject": subject,
        "dt": dt,
        "cpu": cpu,
        # schedstat: nanoseconds, but only threads alive at both snapshots.
        "sched": (one(e, "sched_ns") - one(s, "sched_ns")) / 1e9,
        "rss": mb(one(e, "VmRSS")),
        "hwm": mb(one(e, "VmHWM")),
        "anon": mb(one(e, "RssAnon")),
        "threads": int(one(e, "Threads")),
    }
    logins = f"{work}/{subject}.logins"
    if os.path.exists(logins):
        after, _ = snapshot(subject, "logins")
        row["logins_rss"], row["logins_hwm"] = mb(one(after, "VmRSS")), mb(one(after, "VmHWM"))
    if subject == "agent":
        ticks, row["pg_backends"] = backend_ticks(s, e)
        row["pg_cpu"] = ticks / hz
    return row


def percent(seconds, dt):
    return 100 * seconds / dt


def cpu_cells(seconds, sched, dt):
    """% of one core, per day and per metrics cycle (utime+stime), and the schedstat %."""
    cycles = dt / METRICS_INTERVAL
    return (
        f"{percent(seconds, dt):.3f}% | {percent(sched, dt):.3f}% | {seconds / dt * 86400:.0f} s "
        f"| {1000 * seconds / cycles:.1f} ms"
    )


rows = {subject: cpu_row(subject) for subject in subjects}
for r in rows.values():
    print(
        f"{r['subject']}: {percent(r['cpu'], r['dt']):.3f}% of one core ({r['cpu']:.2f} s CPU in {r['dt']:.0f} s; "
        f"schedstat {r['sched']:.3f} s); VmRSS {r['rss']:.1f} MB, VmHWM {r['hwm']:.1f} MB, {r['threads']} threads"
        + (f"; after logins VmRSS {r['logins_rss']:.1f} MB" if "logins_rss" in r else "")
    )

process_rows = []
for r in rows.values():
    kind = r["subject"].split("_")[0]
    met = []
    if r["subject"] == "agent":
        met.append(f"CPU < {TARGET_CPU_PERCENT}%: {yes(percent(r['cpu'], r['dt']) < TARGET_CPU_PERCENT)}")
    if r["subject"] in ("agent", "serve"):
        met.append(f"RSS < {TARGET_MB[kind]} MB: {yes(r['rss'] < TARGET_MB[kind])}")
    logins = f"{r['logins_rss']:.1f} MB ({r['logins_hwm']:.1f} MB)" if "logins_rss" in r else ""
    process_rows.append(
        f"| {LABELS[r['subject']]} | {cpu_cells(r['cpu'], r['sched'], r['dt'])} | {r['rss']:.1f} MB "
        f"| {r['hwm']:.1f} MB | {r['anon']:.1f} MB | {r['threads']} | {logins} | {'; '.join(met)} |"
    )
    if "pg_cpu" in r:
        process_rows.append(
            f"| its Postgres backends ({r['pg_backends']}) | {cpu_cells(r['pg_cpu'], r['pg_cpu'], r['dt'])} "
            "| | | | | | |"
        )
collector_share = ""
if "serve_nocollect" in rows:
    serve, bare = rows["serve"], rows["serve_nocollect"]
    share = percent(serve["cpu"], serve["dt"]) - percent(bare["cpu"], bare["dt"])
    collector_share = (
        f"\nThe collector's share of `serve` (serve minus serve without it): {share:.3f}% of one core,"
        f" {share / 100 * 86400:.0f} s a day.\n"
    )
    print(f"collector's share of serve: {share:.3f}%")

# Rows and bytes per host per day, from the agent's Postgres database.
_, start_tables = snapshot("agent", "start")
_, end_tables = snapshot("agent", "end")
per_day = 86400 / rows["agent"]["dt"]
sizes = {}
with open(f"{work}/agent.bytes") as f:
    for line in f:
        _, table, n, heap, idx, indexes = line.split()
        sizes[table] = (int(n), float(heap), float(idx), int(indexes))
table_rows = []
total = {"ins": 0.0, "upd": 0.0, "stored": 0.0, "written": 0.0}
for table in sorted(end_tables):
    before = start_tables.get(table, [0, 0, 0, 0])
    ins, upd, hot, dele = (a - b for a, b in zip(end_tables[table], before))
    note = ""
    if table == "disk_health":
        # SMART runs at start and then every SMART_INTERVAL: the start-up run's rows, four times a day.
        ins, note = smart_rows * 86400 / SMART_INTERVAL / per_day, " (SMART: start-up run × 4)"
    if ins == upd == dele == 0:
        continue
    n, heap, idx, indexes = sizes.get(table, (0, 0.0, 0.0, 0))
    ins_d, upd_d, cold_d = ins * per_day, upd * per_day, (upd - hot) * per_day
    stored = ins_d * (heap + idx)
    written = stored + upd_d * heap + cold_d * idx
    for key, value in (("ins", ins_d), ("upd", upd_d), ("stored", stored), ("written", written)):
        total[key] += value
    sized = f"{heap:.0f}" if n else "?"
    table_rows.append(
        f"| `{table}`{note} | {ins_d:,.0f} | {upd_d:,.0f} ({hot * per_day:,.0f} HOT) | {dele * per_day:,.0f} "
        f"| {sized} | {idx:.0f} ({indexes}) | {stored / 1e6:.2f} MB | {written / 1e6:.2f} MB |"
    )
naive_rows = units * 1440
status = sizes.get("service_status", (0, 0.0, 0.0, 0))
naive_bytes = naive_rows * (status[1] + status[2])
print(
    f"agent rows/day: {total['ins']:,.0f} inserted, {total['upd']:,.0f} updated; "
    f"{total['stored'] / 1e6:.2f} MB stored, {total['written'] / 1e6:.2f} MB written; "
    f"naive {naive_rows:,} rows ({naive_bytes / 1e6:.1f} MB): {total['ins'] / naive_rows:.3f}× the rows"
)

# serve's SQLite: the collector's tables' row counts (inserts minus deletes), and the growth of the pages in
# use. The lifecycle's bookkeeping (rollup marks, retention runs) runs hourly or so and is left out.
(s, s_tables), (e, e_tables) = snapshot("serve", "start"), snapshot("serve", "end")
serve_per_day = 86400 / rows["serve"]["dt"]
serve_rows = {
    t: (e_tables[t][0] - s_tables.get(t, [0])[0]) * serve_per_day
    for t in e_tables
    if t in COLLECTOR_TABLES and e_tables[t][0] != s_tables.get(t, [0])[0]
}
serve_bytes = (one(e, "db_bytes") - one(s, "db_bytes")) * serve_per_day
serve_list = ", ".join(f"`{t}` {v:,.0f}" for t, v in sorted(serve_rows.items()))
print(f"serve rows/day (SQLite): {serve_list}; pages in use grew {serve_bytes / 1e6:.2f} MB/day")

cold = {}
with open(f"{work}/coldstart") as f:
    for line in f:
        label, health, page, *all_runs = line.split()
        cold[label] = (health, page, " ".join(all_runs))
        print(f"cold start {label}: /healthz {health} ms, GET / {page} ms (runs {' '.join(all_runs)})")
print(f"binary: {size:,} bytes, {stripped:,} with symbols stripped")

date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
nl = "\n"
section = f"""<!-- footprint:start -->
## Footprint (`bench/footprint.sh`)

{date}, {cores} cores, {ram_gib} GiB; release build; a {window} s window after a {warmup} s warm-up. `smartmon agent`
(PostgreSQL 15 on the same machine) and `smartmon serve` with its collector (embedded SQLite) run side by side
against the systemd double with {units} services (1 in 40 failed, 1 in 25 stopped) at the default intervals
(metrics 15 s, service resync 60 s, SMART 6 h through a fixture-printing `smartctl`, no network checks);
{churn} unit state changes a minute arrive as D-Bus signals (half failures, half recoveries). CPU: utime+stime
from `/proc/PID/stat` over the window (10 ms ticks), as % of one core, per day and per metrics cycle (window ÷
15 s); schedstat: the threads' run time from `/proc/PID/task/*/schedstat` (ns; threads that ended in the window
are missing). Memory from `/proc/PID/status` at the end of the window, and again after 12 logins (8 concurrent,
then 4 sequential `GET /` with Basic Auth, each checking an argon2 hash; VmHWM in brackets). Postgres backends:
the server processes of the agent's database, which the agent's own figure leaves out.

| process | CPU (one core) | schedstat | CPU per day | CPU per metrics cycle | VmRSS | VmHWM | RssAnon | threads | VmRSS after 12 logins | targets met |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{nl.join(process_rows)}
{collector_share}
Rows and bytes per host per day (agent, Postgres): the window's `pg_stat_user_tables` deltas (partitions counted
in their table; read 11 s after each end of the window, as idle backends publish them up to 10 s late) × 86400 /
window. Bytes per row: the rows written in the window, `pg_column_size(t.*)` + 4 (line pointer); index bytes:
key columns' `pg_column_size` + 8, aligned to 8, + 4, summed over the table's indexes (count in brackets).
Stored = inserts × (heap + index); written adds each update's new tuple version (and its index entries when the
update is not HOT). Page headers, free space, vacuum and WAL are not counted.

| table | inserted/day | updated/day | deleted/day | heap B/row | index B/row | stored/day | written/day |
| --- | --- | --- | --- | --- | --- | --- | --- |
{nl.join(table_rows)}
| **total** | {total['ins']:,.0f} | {total['upd']:,.0f} | | | | {total['stored'] / 1e6:.2f} MB | {total['written'] / 1e6:.2f} MB |

Against one row per unit per minute ({units} × 1440 = {naive_rows:,} `service_status`-sized rows, {naive_bytes / 1e6:.1f} MB a day):
**{total['ins'] / naive_rows:.3f}×** the rows inserted, {total['stored'] / naive_bytes:.3f}× the bytes stored; counting updates,
{(total['ins'] + total['upd']) / naive_rows:.3f}× the row versions written.
`serve`'s SQLite, same host and churn, collector rows/day: {serve_list}; its pages in use grew
{serve_bytes / 1e6:.2f} MB/day.

Cold start, from exec to the first 200 (median of {len(cold['sqlite_fresh'][2].split())} runs; each run's `/healthz` / page in ms):

| database | `/healthz` | `GET /` (Basic Auth) | runs |
| --- | --- | --- | --- |
| fresh SQLite file (migrations, first admin) | {cold['sqlite_fresh'][0]} ms | {cold['sqlite_fresh'][1]} ms | {cold['sqlite_fresh'][2]} |
| migrated PostgreSQL | {cold['postgres_migrated'][0]} ms | {cold['postgres_migrated'][1]} ms | {cold['postgres_migrated'][2]} |

Binary: release `smartmon` {size:,} bytes ({size / 2**20:.1f} MiB; `agent` is the same binary); with its symbols
stripped (`strip`) {stripped:,} bytes ({stripped / 2**20:.1f} MiB).
<!-- footprint:end -->"""

path = "BENCHMARKS.md"
text = open(path).read()
if "<!-- footprint:start -->" in text:
    text = re.sub(r"<!-- footprint:start -->.*?<!-- footprint:end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
