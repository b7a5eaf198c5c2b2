//! Small pieces every page uses: state badges, times, figures, empty states, pagination.

use maud::{Markup, html};

use crate::clock::rfc3339;
use crate::domain::ServiceState;

/// A coloured badge for a normalised service state.
pub(crate) fn state_badge(state: ServiceState) -> Markup {
    let class = match state {
        ServiceState::Running => "badge badge-ok",
        ServiceState::Failed => "badge badge-danger",
        ServiceState::Transitioning => "badge badge-warn",
        ServiceState::Stopped => "badge badge-muted",
        ServiceState::Unknown => "badge badge-unknown",
    };
    html! { span class=(class) { (state) } }
}

/// "3 min ago", with the exact UTC time on hover and for screen readers via `<time>`.
pub fn ago(epoch: f64, now: f64) -> Markup {
    ago_text(epoch, &relative(now - epoch))
}

/// `ago` with its words already chosen (a cached row fills them in later).
pub(crate) fn ago_text(epoch: f64, words: &str) -> Markup {
    let at = rfc3339(epoch);
    html! { time datetime=(at) title=(at) { (words) } }
}

/// A duration in words: "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago".
pub fn relative(seconds: f64) -> String {
    let mut words = String::with_capacity(12);
    write_relative(&mut words, seconds);
    words
}

/// `relative`, appended to `out` (no text in it needs escaping).
pub(crate) fn write_relative(out: &mut String, seconds: f64) {
    use std::fmt::Write;
    let s = seconds.max(0.0);
    if s < 5.0 {
        out.push_str("just now");
        return;
    }
    let (count, unit) = if s < 90.0 {
        (s, "s")
    } else if s < 5_400.0 {
        (s / 60.0, "min")
    } else if s < 172_800.0 {
        (s / 3_600.0, "h")
    } else {
        (s / 86_400.0, "d")
    };
    // Whole numbers, rounded half to even as `{:.0}` did; as an integer it formats several times faster.
    let _ = write!(out, "{} {unit} ago", count.round_ties_even() as u64);
}

/// A percentage with one decimal, or an em dash when unknown.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.1}%"))
}

pub fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.decimals$}"))
}

/// Bytes per second in human units.
pub fn rate(value: Option<f64>) -> String {
    let Some(v) = value else {
        return "—".into();
    };
    const UNITS: [&str; 5] = ["B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"];
    let mut v = v.max(0.0);
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Uptime seconds as "12 d 3 h" / "5 h 12 min" / "42 min".
pub fn uptime(seconds: Option<i64>) -> String {
    let Some(s) = seconds else {
        return "—".into();
    };
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min")
    }
}

/// A box that tells the person what to do when there is nothing to show.
pub(crate) fn empty_state(title: &str, hint: Markup) -> Markup {
    html! {
        div.empty-state role="status" {
            p.empty-title { (title) }
            p.muted { (hint) }
        }
    }
}

/// Previous/next links for a paged list; `href(offset)` builds each link.
pub fn pager(total: u64, limit: u64, offset: u64, href: impl Fn(u64) -> String) -> Markup {
    let first = if total == 0 { 0 } else { offset + 1 };
    let last = (offset + limit).min(total);
    html! {
        nav.pager aria-label="Pages" {
            span.muted { (first) "–" (last) " of " (total) }
            @if offset > 0 {
                a href=(href(offset.saturating_sub(limit))) rel="prev" { "← Previous" }
            }
            @if offset + limit < total {
                a href=(href(offset + limit)) rel="next" { "Next →" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(relative(2.0), "just now");
        assert_eq!(relative(42.0), "42 s ago");
        assert_eq!(relative(300.0), "5 min ago");
        assert_eq!(relative(3.0 * 3_600.0), "3 h ago");
        assert_eq!(relative(3.0 * 86_400.0), "3 d ago");
    }

    #[test]
    fn figures_have_units() {
        assert_eq!(rate(Some(1536.0)), "1.5 KiB/s");
        assert_eq!(percent(None), "—");
        assert_eq!(uptime(Some(90_061)), "1 d 1 h");
    }
}
