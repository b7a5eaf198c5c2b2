//! The services page: every unit of every host, filtered, searched, sorted and paged, with live rows.

use std::sync::Arc;

use maud::{Markup, Render, html};

use crate::db::entities::service_current;
use crate::db::services::{ServiceFilter, SortKey};
use crate::domain::ServiceState;
use crate::live_state::CurrentUnit;
use crate::web::row_cache::RowCache;
use crate::web::views::components::{
    ago_text, empty_state, pager, relative, state_badge, write_relative,
};
use crate::web::views::layout::{Chrome, page};

/// What the services page shows.
pub struct ServicesView<'a> {
    pub filter: &'a ServiceFilter,
    pub rows: &'a [Arc<CurrentUnit>],
    /// Rows rendered before, by unit version.
    pub cache: &'a RowCache,
    pub total: u64,
    pub hosts: &'a [String],
    pub now: f64,
}

pub(crate) fn services_page(chrome: &Chrome, view: &ServicesView) -> Markup {
    let f = view.filter;
    page(
        chrome,
        "Services",
        "/services",
        html! {
            h1 { "Services" }
            form #service-filter .filters method="get" action="/services" role="search"
                hx-get="/services" hx-target="#services-table" hx-push-url="true"
                hx-trigger="input changed delay:300ms, change" {
                label {
                    "Search "
                    input type="search" name="q" value=[f.search.as_deref()]
                        placeholder="unit or description" autocomplete="off";
                }
                label {
                    "Host "
                    select name="host" {
                        option value="" { "all hosts" }
                        @for host in view.hosts {
                            option value=(host) selected[f.host.as_ref().is_some_and(|h| h == host.as_str())] { (host) }
                        }
                    }
                }
                label {
                    "State "
                    select name="state" {
                        option value="" { "any state" }
                        @for state in ServiceState::ALL {
                            option value=(state) selected[f.state == Some(state)] { (state) }
                        }
                    }
                }
                input type="hidden" name="sort" value=(f.sort.name());
                input type="hidden" name="dir" value=(if f.descending { "desc" } else { "asc" });
                noscript { button type="submit" { "Filter" } }
            }
            div #services-table data-live-refresh="" { (services_table(view)) }
        },
    )
}

/// The table and its pager: what HTMX swaps when filters, sorting or pages change.
pub(crate) fn services_table(view: &ServicesView) -> Markup {
    let f = view.filter;
    let csv = format!(
        "/api/services.csv?{}",
        query_string(f, f.sort, f.descending, 0, false)
    );
    html! {
        div.table-tools {
            span.muted { (view.total) " units" }
            a href=(csv) download="services.csv" { "Export CSV" }
        }
        @if view.rows.is_empty() {
            @if f == &ServiceFilter::default() {
                (empty_state("No services yet", html! {
                    "Services appear once a collector reports: run " code { "smartmon serve" }
                    " on this host or " code { "smartmon agent" } " on others."
                }))
            } @else {
                (empty_state("No unit matches these filters", html! { "Clear the search or pick another host or state." }))
            }
        } @else {
            div.table-scroll {
                table.data #services {
                    thead { tr {
                        (sort_header(f, SortKey::Host, "Host"))
                        (sort_header(f, SortKey::Unit, "Unit"))
                        (sort_header(f, SortKey::State, "State"))
                        (sort_header(f, SortKey::SubState, "Sub-state"))
                        (sort_header(f, SortKey::UnitFileState, "Unit file"))
                        th scope="col" { "Recoverable" }
                        (sort_header(f, SortKey::Since, "Last change"))
                    } }
                    tbody {
                        @for row in view.rows { (service_row_cached(row, view.now, view.cache)) }
                    }
                }
            }
            (pager(view.total, f.limit, f.offset, |offset| {
                format!("/services?{}", query_string(f, f.sort, f.descending, offset, true))
            }))
        }
    }
}

/// One unit's row; its id lets a live update replace exactly this row.
pub(crate) fn service_row(row: &service_current::Model, now: f64) -> Markup {
    row_with_age(row, &relative(now - row.since_epoch))
}

/// Stands in for the age while a row is rendered for the cache; no unit's text contains it.
const AGE_MARK: &str = "\u{1}age\u{1}";

/// The same row as `service_row`, from the copy rendered when the unit last changed: only its age
/// ("5 min ago") is written per request, straight into the page, which keeps a 600-unit page cheap.
pub(crate) fn service_row_cached<'a>(
    unit: &'a CurrentUnit,
    now: f64,
    cache: &'a RowCache,
) -> CachedRow<'a> {
    CachedRow { unit, now, cache }
}

/// A unit's row as `service_row_cached` writes it.
pub struct CachedRow<'a> {
    unit: &'a CurrentUnit,
    now: f64,
    cache: &'a RowCache,
}

impl Render for CachedRow<'_> {
    fn render_to(&self, buffer: &mut String) {
        let unit = self.unit;
        let row = self.cache.get_or_render(unit.version(), || {
            let html = row_with_age(unit, AGE_MARK).into_string();
            match html.rsplit_once(AGE_MARK) {
                Some((head, tail)) => (head.to_owned(), tail.to_owned()),
                None => (html, String::new()),
            }
        });
        let (head, tail) = &*row;
        if tail.is_empty() {
            buffer.push_str(&service_row(unit, self.now).into_string());
            return;
        }
        buffer.push_str(head);
        write_relative(buffer, self.now - unit.since_epoch);
        buffer.push_str(tail);
    }
}

fn row_with_age(row: &service_current::Model, age: &str) -> Markup {
    let detail = format!("/services/{}/{}", row.hostname, row.service_name);
    html! {
        tr id=(row_id(row.hostname.as_str(), row.service_name.as_str())) class=(format!("state-{}", row.normalized_status)) {
            td { (row.hostname) }
            td { a href=(detail) { (row.service_name) } }
            td { (state_badge(row.normalized_status)) }
            td { (row.sub_state) }
            td { (row.unit_file_state) }
            td { @if row.recoverable { "yes" } @else { span.muted { "no" } } }
            td { (ago_text(row.since_epoch, age)) }
        }
    }
}

/// The DOM id of a unit's row, stable across pages and live updates.
pub(crate) fn row_id(hostname: &str, unit: &str) -> String {
    format!("svc:{hostname}:{unit}")
}

fn sort_header(f: &ServiceFilter, key: SortKey, label: &str) -> Markup {
    let active = f.sort == key;
    let descending = active && !f.descending;
    let href = format!("/services?{}", query_string(f, key, descending, 0, true));
    let aria = match (active, f.descending) {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    };
    html! {
        th scope="col" aria-sort=(aria) {
            a href=(href) hx-get=(href) hx-target="#services-table" hx-push-url="true" {
                (label)
                @if active { span.sort-mark aria-hidden="true" { @if f.descending { " ▼" } @else { " ▲" } } }
            }
        }
    }
}

/// The query string for the current filters with another sort, direction and offset.
fn query_string(
    f: &ServiceFilter,
    sort: SortKey,
    descending: bool,
    offset: u64,
    paging: bool,
) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    if let Some(q) = &f.search {
        pairs.push(("q", q.clone()));
    }
    if let Some(host) = &f.host {
        pairs.push(("host", host.to_string()));
    }
    if let Some(state) = f.state {
        pairs.push(("state", state.as_str().to_owned()));
    }
    pairs.push(("sort", sort.name().to_owned()));
    pairs.push(("dir", if descending { "desc" } else { "asc" }.to_owned()));
    if paging && offset > 0 {
        pairs.push(("offset", offset.to_string()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}
