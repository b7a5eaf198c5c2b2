//! A unit's journal on its page: the filter form, the latest lines (time, priority colour, PID), the
//! "load older" control, and the line fragments the live stream appends. Every message is data: maud
//! escapes it, and the journal module has already removed escapes and control characters.

use maud::{Markup, html};

use crate::journal::{LogLine, PRIORITY_NAMES, Page};

/// The page's log filter (`?priority=` and `?q=`), also applied by the browser to live lines.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    pub max_priority: Option<u8>,
    pub search: Option<String>,
}

impl LogFilter {
    /// The filter as query pairs, for the links that must keep it.
    pub fn query(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(p) = self.max_priority {
            pairs.push(("priority", p.to_string()));
        }
        if let Some(q) = &self.search {
            pairs.push(("q", q.clone()));
        }
        pairs
    }
}

/// What the log section shows.
pub enum LogSection<'a> {
    /// Lines read (oldest first), with the filter they were read with.
    Lines {
        page: &'a Page,
        filter: &'a LogFilter,
        /// `/services/{host}/{unit}`: the filter form's target and the older lines' base.
        base: &'a str,
    },
    /// Why there is nothing to show (journalctl failed, or the unit is on another host).
    Unavailable(String),
}

pub fn journal_section(section: &LogSection) -> Markup {
    html! {
        section.card #journal aria-labelledby="journal-title"
            data-max-priority=[filter_of(section).and_then(|f| f.max_priority)]
            data-search=[filter_of(section).and_then(|f| f.search.as_deref()).map(str::to_lowercase)] {
            h2 #journal-title { "Log" }
            @match section {
                LogSection::Unavailable(why) => p.muted { (why) },
                LogSection::Lines { page, filter, base } => {
                    (filter_form(filter, base))
                    @if let Some(why) = &page.cut_short { p.muted { "Showing part of the log: " (why) "." } }
                    @if page.skipped > 0 { p.muted { (page.skipped) " entries too large to show were skipped." } }
                    ol.log #journal-lines role="log" aria-label="Log lines, newest last" {
                        @if page.full { @if let Some(first) = page.lines.first() { (older_control(base, filter, &first.cursor)) } }
                        (log_lines(&page.lines))
                    }
                    @if page.lines.is_empty() { p.muted #journal-empty { "No log lines" @if filter.max_priority.is_some() || filter.search.is_some() { " match this filter" } "." } }
                }
            }
        }
    }
}

fn filter_of<'a>(section: &'a LogSection) -> Option<&'a LogFilter> {
    match section {
        LogSection::Lines { filter, .. } => Some(filter),
        LogSection::Unavailable(_) => None,
    }
}

fn filter_form(filter: &LogFilter, base: &str) -> Markup {
    html! {
        form.log-filter method="get" action=(format!("{base}#journal")) {
            label { "Priority "
                select name="priority" {
                    option value="" selected[filter.max_priority.is_none()] { "any" }
                    @for (p, name) in PRIORITY_NAMES.iter().enumerate() {
                        option value=(p) selected[filter.max_priority == Some(p as u8)] { (name) " and worse" }
                    }
                }
            }
            " "
            label { "Search " input type="search" name="q" maxlength="200" value=[filter.search.as_deref()]; }
            " "
            button type="submit" { "Filter" }
        }
    }
}

/// The first item of the list while older lines may exist: fetches them and replaces itself.
pub fn older_control(base: &str, filter: &LogFilter, before: &str) -> Markup {
    let mut pairs = filter.query();
    pairs.push(("before", before.to_owned()));
    let url = format!(
        "{base}/logs?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    );
    html! {
        li.log-older { button type="button" hx-get=(url) hx-target="closest li" hx-swap="outerHTML" { "Load older lines" } }
    }
}

/// The lines as list items; each is identified by its cursor, so the page can drop a line it shows.
pub fn log_lines(lines: &[LogLine]) -> Markup {
    html! { @for line in lines { (log_line(line)) } }
}

fn log_line(line: &LogLine) -> Markup {
    let when = chrono::DateTime::from_timestamp_micros(line.realtime_us).unwrap_or_default();
    html! {
        li.log-line.(format!("prio-{}", line.priority)) id=(format!("log-{}", line.id()))
            data-ts=(line.realtime_us) data-priority=(line.priority) {
            time datetime=(when.to_rfc3339()) title=(when.format("%Y-%m-%d %H:%M:%S%.6f UTC")) { (when.format("%b %d %H:%M:%S")) }
            " " span.prio { (line.priority_name()) }
            @if let Some(pid) = line.pid { " " span.pid { "[" (pid) "]" } }
            " " span.msg { (line.message) }
            @if let Some(full) = line.cut_from { " " span.cut { "… (cut; " (full) " bytes in all)" } }
        }
    }
}
