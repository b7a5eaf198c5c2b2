//! Page parts rendered once per change and pushed as `part` frames to the pages showing them: the
//! overview, the hosts list, disks, checks and the unfiltered alerts table. A page in its default view
//! (no query string) names its part in `/events?part=…`; any other view reloads its own on the
//! `changed` frame, as before. A change marks the parts that show it; they are rendered together
//! shortly after (`FIRST_DELAY`), at most once per `MIN_GAP` each, only while a page shows them, and
//! only sent when the HTML differs from what was last sent.

use std::collections::{BTreeSet, HashMap};
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
/// The shortest time between two renders of the same part, however busy the fleet.
const MIN_GAP: Duration = Duration::from_millis(500);

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
    let mut dirty = BTreeSet::new();
    let mut last_render: HashMap<Part, Instant> = HashMap::new();
    let mut last_sent: HashMap<Part, String> = HashMap::new();
    loop {
        let next = if dirty.is_empty() {
            changes.recv().await
        } else {
            let due = next_due(&dirty, &last_render);
            match tokio::time::timeout_at(due, changes.recv()).await {
                Ok(change) => change,
                Err(_) => {
                    let ready = take_ready(&mut dirty, &last_render);
                    for part in ready {
                        last_render.insert(part, Instant::now());
                        push(&state, part, &mut last_sent).await;
                    }
                    continue;
                }
            }
        };
        match next {
            Ok(change) => dirty.extend(Part::affected_by(&change)),
            Err(broadcast::error::RecvError::Lagged(_)) => dirty.extend(Part::ALL),
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// When the earliest marked part may be rendered.
fn next_due(dirty: &BTreeSet<Part>, last_render: &HashMap<Part, Instant>) -> Instant {
    let soonest = Instant::now() + FIRST_DELAY;
    dirty
        .iter()
        .map(|part| {
            last_render
                .get(part)
                .map_or(soonest, |at| (*at + MIN_GAP).max(soonest))
        })
        .min()
        .unwrap_or(soonest)
}

/// The marked parts whose gap has passed, unmarked.
fn take_ready(dirty: &mut BTreeSet<Part>, last_render: &HashMap<Part, Instant>) -> Vec<Part> {
    let now = Instant::now();
    let ready: Vec<Part> = dirty
        .iter()
        .copied()
        .filter(|part| last_render.get(part).is_none_or(|at| *at + MIN_GAP <= now))
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
    match part.render(state).await {
        Ok(html) => {
            let html = html.into_string();
            if last_sent.get(&part) != Some(&html) {
                state.feed.push_part(part.name(), &html);
                last_sent.insert(part, html);
            }
        }
        Err(err) => tracing::debug!(?part, error = %err, "live part not rendered"),
    }
}
