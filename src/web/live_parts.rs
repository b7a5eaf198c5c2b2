//! Page parts rendered once per change and pushed as `part` frames to the pages showing them: the
//! overview, the hosts list, disks, checks and the unfiltered alerts table. A page in its default view
//! (no query string) names its part in `/events?part=…`; any other view reloads its own on the
//! `changed` frame, as before. A change marks the parts that show it; they are rendered together
//! shortly after (`FIRST_DELAY`), at most once per `MIN_GAP` each, only while a page shows them, and
//! only sent when the HTML differs from what was last sent. A change of state (a unit, an alert, a
//! drive, a check, a restart) is shown within `STATE_GAP`; figures alone (a host's metrics sample, every
//! few milliseconds across a large fleet) at most once per `FIGURES_GAP`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use maud::Markup;
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::live_state::Change;
use crate::web::error::AppError;
use crate::web::handlers::{fleet_health, hosts, overview};
use crate::web::state::AppState;

/// How long after the first change the marked parts are rendered (later changes ride along).
const FIRST_DELAY: Duration = Duration::from_millis(50);
/// The shortest time between two renders of a part when a state it shows changed.
const STATE_GAP: Duration = Duration::from_millis(150);
/// The shortest time between two renders of a part when only figures it shows changed.
const FIGURES_GAP: Duration = Duration::from_millis(1000);

/// Why a part is to be rendered again: the gap it waits for since its last render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    Figures,
    State,
}

impl Why {
    fn gap(self) -> Duration {
        match self {
            Why::Figures => FIGURES_GAP,
            Why::State => STATE_GAP,
        }
    }

    fn of(change: &Change) -> Why {
        match change {
            Change::Topic {
                topic: "metrics", ..
            }
            | Change::Reloaded => Why::Figures,
            _ => Why::State,
        }
    }
}

/// A part to render again: the most pressing reason given, and when it was first marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mark {
    why: Why,
    since: Instant,
}

/// The parts to render again.
type Dirty = BTreeMap<Part, Mark>;

/// A part of a page that is pushed rather than re-fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Part {
    Overview,
    Hosts,
    Disks,
    Checks,
    Alerts,
}

impl Part {
    const ALL: [Part; 5] = [
        Part::Overview,
        Part::Hosts,
        Part::Disks,
        Part::Checks,
        Part::Alerts,
    ];

    /// The part `name` (as in `/events?part=`).
    pub(crate) fn parse(name: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.name() == name)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Part::Overview => "overview",
            Part::Hosts => "hosts",
            Part::Disks => "disks",
            Part::Checks => "checks",
            Part::Alerts => "alerts",
        }
    }

    /// The part pushed to the page at `path`, in its default view (no query string) only.
    pub(crate) fn of_page(path: &str, query: &str) -> Option<Part> {
        if !query.is_empty() {
            return None;
        }
        match path {
            "/" => Some(Part::Overview),
            "/hosts" => Some(Part::Hosts),
            "/disks" => Some(Part::Disks),
            "/checks" => Some(Part::Checks),
            "/alerts" => Some(Part::Alerts),
            _ => None,
        }
    }

    /// The parts that show what `change` changed.
    fn affected_by(change: &Change) -> &'static [Part] {
        match change {
            Change::Unit { .. } => &[Part::Overview],
            Change::Topic { topic, .. } => match *topic {
                "metrics" => &[Part::Overview, Part::Hosts],
                "disks" => &[Part::Overview, Part::Disks],
                "checks" => &[Part::Overview, Part::Checks],
                "alerts" => &[Part::Overview, Part::Alerts],
                "restarts" => &[Part::Overview],
                _ => &[],
            },
            Change::Reloaded => &[Part::Overview],
            Change::Gap | Change::Database { up: true } => &Part::ALL,
            Change::Database { up: false } => &[],
        }
    }

    async fn render(self, state: &AppState) -> Result<Markup, AppError> {
        match self {
            Part::Overview => overview::overview_now(state).await,
            Part::Hosts => hosts::hosts_now(state).await,
            Part::Disks => fleet_health::disks_now(state).await,
            Part::Checks => fleet_health::checks_now(state).await,
            Part::Alerts => fleet_health::alerts_now(state).await,
        }
    }
}

/// Follows the live state's changes and pushes the parts they touch, for as long as the process runs.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    let changes = state.current.subscribe();
    tokio::spawn(push_parts(state, changes))
}

async fn push_parts(state: AppState, mut changes: broadcast::Receiver<Change>) {
    let mut dirty = Dirty::new();
    let mut last_render: HashMap<Part, Instant> = HashMap::new();
    let mut last_sent: HashMap<Part, String> = HashMap::new();
    loop {
        let next = if dirty.is_empty() {
            changes.recv().await
        } else {
            // A part already due is rendered before the next change is read: with changes queued up,
            // waiting would take one at once each time and never reach the render.
            let due = next_due(&dirty, &last_render, Instant::now());
            let change = if due <= Instant::now() {
                None
            } else {
                tokio::time::timeout_at(due, changes.recv()).await.ok()
            };
            match change {
                Some(change) => change,
                None => {
                    let ready = take_ready(&mut dirty, &last_render, Instant::now());
                    for part in ready {
                        last_render.insert(part, Instant::now());
                        push(&state, part, &mut last_sent).await;
                    }
                    continue;
                }
            }
        };
        let (parts, why) = match next {
            Ok(change) => (Part::affected_by(&change), Why::of(&change)),
            Err(broadcast::error::RecvError::Lagged(_)) => (&Part::ALL[..], Why::State),
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let since = Instant::now();
        for part in parts {
            let mark = dirty.entry(*part).or_insert(Mark { why, since });
            mark.why = mark.why.max(why);
        }
    }
}

/// When `part`, marked with `mark`, may be rendered: `FIRST_DELAY` after it was first marked (counted
/// from then, so a steady stream of changes, one every few milliseconds from a large fleet, cannot put it
/// off for ever), and not before its gap since the last render.
fn due(part: Part, mark: Mark, last_render: &HashMap<Part, Instant>) -> Instant {
    let first = mark.since + FIRST_DELAY;
    last_render
        .get(&part)
        .map_or(first, |at| (*at + mark.why.gap()).max(first))
}

/// When the earliest marked part may be rendered.
fn next_due(dirty: &Dirty, last_render: &HashMap<Part, Instant>, now: Instant) -> Instant {
    dirty
        .iter()
        .map(|(part, mark)| due(*part, *mark, last_render))
        .min()
        .unwrap_or(now + FIRST_DELAY)
}

/// The marked parts that are due, unmarked.
fn take_ready(dirty: &mut Dirty, last_render: &HashMap<Part, Instant>, now: Instant) -> Vec<Part> {
    let ready: Vec<Part> = dirty
        .iter()
        .filter(|(part, mark)| due(**part, **mark, last_render) <= now)
        .map(|(part, _)| *part)
        .collect();
    for part in &ready {
        dirty.remove(part);
    }
    ready
}

/// Renders `part` once and sends it to every page showing it, unless none does or nothing changed.
async fn push(state: &AppState, part: Part, last_sent: &mut HashMap<Part, String>) {
    if !state.feed.watches_part(part.name()) {
        last_sent.remove(&part);
        return;
    }
    let started = Instant::now();
    match part.render(state).await {
        Ok(html) => {
            let html = html.into_string();
            let changed = last_sent.get(&part) != Some(&html);
            let ms = started.elapsed().as_secs_f64() * 1000.0;
            tracing::debug!(?part, bytes = html.len(), changed, ms, "live part rendered");

            if changed {
                state.feed.push_part(part.name(), &html);
                last_sent.insert(part, html);
            }
        }
        Err(err) => tracing::debug!(?part, error = %err, "live part not rendered"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Change {
        Change::Topic {
            topic: "metrics",
            hostname: "web01".into(),
        }
    }

    fn marked(part: Part, change: &Change, since: Instant) -> Dirty {
        Dirty::from([(
            part,
            Mark {
                why: Why::of(change),
                since,
            },
        )])
    }

    #[test]
    fn a_state_change_is_rendered_soon_after_the_last_render_figures_wait_longer() {
        let now = Instant::now();
        let just_rendered = HashMap::from([(Part::Overview, now)]);
        let state = marked(Part::Overview, &Change::Gap, now);
        let figures = marked(Part::Overview, &metrics(), now);
        assert_eq!(next_due(&state, &just_rendered, now) - now, STATE_GAP);
        assert_eq!(next_due(&figures, &just_rendered, now) - now, FIGURES_GAP);
        assert_eq!(
            next_due(&state, &HashMap::new(), now) - now,
            FIRST_DELAY,
            "never rendered: right away"
        );
    }

    #[test]
    fn a_steady_stream_of_changes_does_not_put_a_render_off() {
        // A 1,000-host fleet announces a change every few milliseconds: each one must not restart the
        // wait, or the overview is never rendered (every change was missed in the fan-out bench).
        let start = Instant::now();
        let mut dirty = marked(Part::Overview, &Change::Gap, start);
        let last = HashMap::new();
        for ms in (0..FIRST_DELAY.as_millis() as u64).step_by(5) {
            let now = start + Duration::from_millis(ms);
            let mark = dirty.entry(Part::Overview).or_insert(Mark {
                why: Why::Figures,
                since: now,
            });
            mark.why = mark.why.max(Why::Figures);
            assert_eq!(next_due(&dirty, &last, now), start + FIRST_DELAY);
        }
        assert_eq!(
            take_ready(&mut dirty, &last, start + FIRST_DELAY),
            [Part::Overview]
        );
    }

    #[test]
    fn only_parts_whose_gap_has_passed_are_taken() {
        let start = Instant::now();
        let last = HashMap::from([(Part::Overview, start), (Part::Hosts, start)]);
        let mut dirty = marked(Part::Overview, &Change::Gap, start);
        dirty.extend(marked(Part::Hosts, &metrics(), start));
        assert!(take_ready(&mut dirty, &last, start).is_empty());
        assert_eq!(
            take_ready(&mut dirty, &last, start + STATE_GAP),
            [Part::Overview]
        );
        assert_eq!(dirty.len(), 1, "the hosts table waits for its figures gap");
        assert_eq!(
            take_ready(&mut dirty, &last, start + FIGURES_GAP),
            [Part::Hosts]
        );
    }
}
