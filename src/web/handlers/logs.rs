//! A unit's journal: the log section of its page (latest lines, filtered), `GET
//! /services/{host}/{unit}/logs` (older lines, or the section alone), and the live stream's address
//! for the page (`/events?logs=…&after=…`, served by `web::log_feed`). Viewers read every unit's log
//! unless `SMARTMON_LOGS_NEED_GRANT` is on; then they need a `logs` grant for it (`web::delegation`).

use actix_web::{HttpRequest, web};
use maud::{Markup, html};

use crate::auth::CurrentUser;
use crate::domain::grant::Decision;
use crate::domain::{Hostname, NameRules, Permission, UnitName};
use crate::journal::{Cursor, MAX_SEARCH_CHARS, Page, Position, Query};
use crate::web::delegation::{Delegation, authorize};
use crate::web::error::AppError;
use crate::web::handlers::params;
use crate::web::params::{BadParam, Params};
use crate::web::state::AppState;
use crate::web::views::journal::{
    LogFilter, LogSection, journal_section, log_lines, older_control,
};

/// The log filter of a page's query string (`priority` 0–7, `q` up to 200 characters).
pub(crate) fn log_filter(p: &Params) -> Result<LogFilter, BadParam> {
    let levels = ["0", "1", "2", "3", "4", "5", "6", "7"];
    let max_priority = p.choice("priority", &levels)?.and_then(|v| v.parse().ok());
    let search = match p.text("q") {
        None => None,
        Some(q) if q.chars().count() > MAX_SEARCH_CHARS => {
            return Err(BadParam::new(
                "q",
                format!("is longer than {MAX_SEARCH_CHARS} characters"),
            ));
        }
        Some(q) if q.chars().any(char::is_control) => {
            return Err(BadParam::new("q", "contains control characters"));
        }
        Some(q) => Some(q.to_owned()),
    };
    Ok(LogFilter {
        max_priority,
        search,
    })
}

/// The unit's log section for its page, and the query the page's live stream adds (`logs=…&after=…`)
/// when the log is shown (to `user`, when they may read it).
pub(crate) async fn section_for(
    state: &AppState,
    user: Option<&CurrentUser>,
    host: &Hostname,
    unit: &str,
    filter: &LogFilter,
) -> Result<(Markup, Option<String>), AppError> {
    let refusal = match user {
        Some(_) if !state.auth.settings.logs_need_grant => None,
        Some(user) => {
            match Delegation::of(state, user)
                .await?
                .decide(host.as_str(), unit, Permission::Logs)
            {
                Decision::Allowed(_) => None,
                Decision::Refused(why) => Some(why),
            }
        }
        None => Some("Sign in to read logs.".to_owned()),
    };
    if let Some(why) = refusal {
        return Ok((journal_section(&LogSection::Unavailable(why)), None));
    }
    Ok(readable_section(state, host, unit, filter).await)
}

async fn readable_section(
    state: &AppState,
    host: &Hostname,
    unit: &str,
    filter: &LogFilter,
) -> (Markup, Option<String>) {
    if state.restart.name_rules(host.as_str()).await.ok() == Some(NameRules::Windows) {
        let why = "Windows services have no journal; their event log is not shown here yet.";
        return (journal_section(&LogSection::Unavailable(why.into())), None);
    }
    let base = format!("/services/{host}/{unit}");
    let Ok(unit) = UnitName::parse(unit) else {
        let why = format!("{unit:?} is not a unit name journalctl can be asked about.");
        return (journal_section(&LogSection::Unavailable(why)), None);
    };
    let query = Query {
        unit: unit.clone(),
        max_priority: filter.max_priority,
        search: filter.search.clone(),
        position: Position::Latest,
        limit: state.logs.journal().page_lines(),
    };
    let page = match state.logs.read(host, &query).await {
        Ok(page) => page,
        Err(err) => {
            tracing::warn!(host = %host, unit = %unit, error = %err, "reading a unit's log failed");
            let why = format!("The log could not be read: {err}");
            return (journal_section(&LogSection::Unavailable(why)), None);
        }
    };
    let tail = newest_cursor(state, host, &query, &page).await;
    let mut live = vec![("logs", format!("{host}/{unit}"))];
    live.extend(tail.map(|c| ("after", c)));
    let live = serde_urlencoded::to_string(&live).ok();
    let section = LogSection::Lines {
        page: &page,
        filter,
        base: &base,
    };
    (journal_section(&section), live)
}

/// The cursor the live stream continues after: the newest line shown, or, when a filter hides
/// lines, the unit's newest line of all.
async fn newest_cursor(
    state: &AppState,
    host: &Hostname,
    query: &Query,
    page: &Page,
) -> Option<String> {
    if query.max_priority.is_none() && query.search.is_none() {
        return page.lines.last().map(|l| l.cursor.clone());
    }
    let newest = Query {
        max_priority: None,
        search: None,
        limit: 1,
        ..query.clone()
    };
    let page = state.logs.read(host, &newest).await.ok()?;
    page.lines.last().map(|l| l.cursor.clone())
}

/// `GET /services/{host}/{unit}/logs`: with `before=CURSOR`, the older lines (and a control for the
/// ones before them); without, the log section alone.
pub async fn older(
    req: HttpRequest,
    user: CurrentUser,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let (host, unit) = path.into_inner();
    let host = Hostname::parse(&host)
        .map_err(|e| AppError::BadRequest(format!("{host:?} is not a host name: {e}")))?;
    let p = params(&req)?;
    let filter = log_filter(&p)?;
    if let Err(why) = authorize(
        &req,
        &state,
        &user,
        (host.as_str(), &unit),
        Permission::Logs,
    )
    .await?
    {
        return Err(AppError::Forbidden(why));
    }
    let Some(before) = p.text("before") else {
        let (section, _) = readable_section(&state, &host, &unit, &filter).await;
        return Ok(section);
    };
    let before = Cursor::parse(before).map_err(|e| AppError::BadRequest(format!("before: {e}")))?;
    let unit = UnitName::parse(&unit)
        .map_err(|e| AppError::BadRequest(format!("{unit:?} is not a unit name: {e}")))?;
    let query = Query {
        unit: unit.clone(),
        max_priority: filter.max_priority,
        search: filter.search.clone(),
        position: Position::Before(before),
        limit: state.logs.journal().page_lines(),
    };
    let page = match state.logs.read(&host, &query).await {
        Ok(page) => page,
        Err(err) => {
            tracing::warn!(host = %host, unit = %unit, error = %err, "reading older log lines failed");
            return Ok(html! { li.log-older.error { "The log could not be read: " (err) } });
        }
    };
    let base = format!("/services/{host}/{unit}");
    Ok(html! {
        @if page.full { @if let Some(first) = page.lines.first() { (older_control(&base, &filter, &first.cursor)) } }
        (log_lines(&page.lines))
    })
}
