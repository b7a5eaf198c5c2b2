//! The audit log's figures after the attack, and the "abuse" section of `BENCHMARKS.md`.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use crate::Args;
use crate::attack::{KINDS, Run};

/// The limiters' refusals, which the console records one row per client and window.
const TALLIED: &str = "'rate_limited', 'api_key_refused', 'login_throttled'";

/// Per action: rows, and the events they stand for (the sum of `count`).
#[derive(Debug, Default)]
pub struct Audit {
    pub by_action: Vec<(String, i64, i64)>,
    /// The most rows one client has for one tallied action.
    pub max_rows_per_client: i64,
    /// Clients with tallied rows.
    pub clients: i64,
    /// The most `login_failed` rows of one client (bounded by the per-address login limit).
    pub max_failed_logins_per_client: i64,
}

pub async fn audit_figures(db: &std::path::Path) -> anyhow::Result<Audit> {
    let conn = Database::connect(format!("sqlite://{}?mode=ro", db.display())).await?;
    let rows =
        |sql: &str| conn.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql.to_owned()));
    let by_action = rows("SELECT action, COUNT(*) AS n, SUM(count) AS events FROM audit_log GROUP BY action ORDER BY n DESC")
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "action")?, r.try_get("", "n")?, r.try_get("", "events")?)))
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    let one = |sql: String| async move {
        let found = rows(&sql).await?;
        Ok::<i64, sea_orm::DbErr>(
            found
                .first()
                .map(|r| r.try_get("", "n"))
                .transpose()?
                .unwrap_or(0),
        )
    };
    Ok(Audit {
        by_action,
        max_rows_per_client: one(format!("SELECT COUNT(*) AS n FROM audit_log WHERE action IN ({TALLIED}) GROUP BY client_ip, action ORDER BY n DESC LIMIT 1")).await?,
        clients: one(format!("SELECT COUNT(DISTINCT client_ip) AS n FROM audit_log WHERE action IN ({TALLIED})")).await?,
        max_failed_logins_per_client: one("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login_failed' GROUP BY client_ip ORDER BY n DESC LIMIT 1".into()).await?,
    })
}

pub fn section(
    args: &Args,
    idle: (u64, u64),
    after: (u64, u64),
    run: &Run,
    audit: &Audit,
) -> String {
    let windows = run.wall.as_secs().div_ceil(60) + 1;
    let mut answers = String::from("| abuse | requests | answers |\n| --- | --- | --- |\n");
    for (k, kind) in KINDS.iter().enumerate() {
        let of_kind: Vec<_> = run.answers.iter().filter(|((kk, _), _)| *kk == k).collect();
        let total: u64 = of_kind.iter().map(|(_, n)| **n).sum();
        let by_status: Vec<String> = of_kind
            .iter()
            .map(|((_, s), n)| format!("{n} × {}", status(*s)))
            .collect();
        answers.push_str(&format!(
            "| {kind} | {total} | {} |\n",
            by_status.join(", ")
        ));
    }
    let mut rows =
        String::from("| audit action | rows | events they record |\n| --- | --- | --- |\n");
    for (action, n, events) in &audit.by_action {
        rows.push_str(&format!("| `{action}` | {n} | {events} |\n"));
    }
    let sent: u64 = run.answers.values().sum();
    let ok = |v: &[(u16, Duration)], want: u16| v.iter().filter(|(s, _)| *s == want).count();
    let worst = |v: &[(u16, Duration)]| v.iter().map(|(_, d)| *d).max().unwrap_or_default();
    let median = |v: &[(u16, Duration)]| {
        let mut d: Vec<Duration> = v.iter().map(|(_, d)| *d).collect();
        d.sort();
        d.get(d.len() / 2).copied().unwrap_or_default()
    };
    let rss_ok = run.rss_max_kib.max(after.1) < 64 * 1024;
    let rows_ok = audit.max_rows_per_client as u64 <= windows;
    let user_ok = ok(&run.user_logins, 303) == run.user_logins.len()
        && ok(&run.user_pages, 200) == run.user_pages.len();
    format!(
        "<!-- abuse:start -->\n## Abuse from many addresses (`bench/abuse.sh`)\n\n\
         `bench/abuse.sh` (runs `abuse --clients {clients} --seconds {seconds} --concurrency {conc}`) on {date}: {cores} cores, \
         {mem} GiB, release build; `smartmon serve` on SQLite, collector off, no `MALLOC_*` variable, default limits \
         (10 login attempts a minute per address, 5 failures before an address or account backs off, 300 API calls a minute).\n\n\
         Method: {conc} requests in flight from {clients} loopback source addresses (127.1.0.1 …), each address in turn \
         sending a failed login (a new username each time), a wrong `X-API-Key` and an anonymous `GET /events`, for \
         {wall:.0} s ({sent} requests); meanwhile the admin logs in afresh every 10 s from 127.0.0.1 and loads the \
         overview and the services page every 2 s. RSS is sampled every 250 ms from `/proc/<pid>/status`; the audit \
         log is read from the SQLite file after the run.\n\n{answers}\n{rows}\n\
         | figure | value | target |\n| --- | --- | --- |\n\
         | server RSS idle → max during → after | {idle} → {max} → {after} (VmHWM {hwm}) | under 64 MiB: **{rss_verdict}** |\n\
         | audit rows of a limiter's refusals, most for one client and action | {max_rows} over {windows} windows of 60 s ({tallied_clients} clients) | at most one per client per window: **{rows_verdict}** |\n\
         | `login_failed` rows, most for one client | {max_failed} | one per attempt let through (10 a minute per address) |\n\
         | real user: logins | {logins_ok} of {logins} answered 303, median {login_p50}, slowest {login_max} | all succeed: **{user_verdict}** |\n\
         | real user: page loads | {pages_ok} of {pages} answered 200, median {page_p50}, slowest {page_max} | all succeed |\n\
         <!-- abuse:end -->\n",
        clients = args.clients,
        seconds = args.seconds,
        conc = args.concurrency,
        date = today(),
        cores = std::thread::available_parallelism().map_or(0, |n| n.get()),
        mem = memory_gib(),
        wall = run.wall.as_secs_f64(),
        idle = mib(idle.0),
        max = mib(run.rss_max_kib),
        after = mib(after.0),
        hwm = mib(after.1),
        rss_verdict = if rss_ok { "met" } else { "missed" },
        max_rows = audit.max_rows_per_client,
        tallied_clients = audit.clients,
        rows_verdict = if rows_ok { "met" } else { "missed" },
        max_failed = audit.max_failed_logins_per_client,
        logins_ok = ok(&run.user_logins, 303),
        logins = run.user_logins.len(),
        login_p50 = ms(median(&run.user_logins)),
        login_max = ms(worst(&run.user_logins)),
        user_verdict = if user_ok { "met" } else { "missed" },
        pages_ok = ok(&run.user_pages, 200),
        pages = run.user_pages.len(),
        page_p50 = ms(median(&run.user_pages)),
        page_max = ms(worst(&run.user_pages)),
    )
}

/// Replaces the section in `BENCHMARKS.md`, or appends it.
pub fn write(section: &str) -> anyhow::Result<()> {
    let path = crate::benchmarks_md();
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    let (start, end) = ("<!-- abuse:start -->", "<!-- abuse:end -->\n");
    let updated = match (existing.find(start), existing.find(end)) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{section}{}", &existing[..a], &existing[b + end.len()..])
        }
        _ => format!("{}\n\n{section}", existing.trim_end()),
    };
    std::fs::write(&path, updated)?;
    Ok(())
}

fn status(code: u16) -> String {
    if code == 0 {
        "no answer".into()
    } else {
        code.to_string()
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn memory_gib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024 / 1024)
}
