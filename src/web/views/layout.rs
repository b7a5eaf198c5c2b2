//! The page shell: head, navigation, banners and footer, with light and dark themes from the system setting.

use maud::{DOCTYPE, Markup, html};

use crate::auth::{CurrentUser, Role, Via};
use crate::web::assets::asset_url;

/// Navigation entries: (path, label, the least role that may open it). Only pages that exist are listed.
const NAV: &[(&str, &str, Role)] = &[
    ("/", "Overview", Role::Viewer),
    ("/hosts", "Hosts", Role::Viewer),
    ("/services", "Services", Role::Viewer),
    ("/disks", "Disks", Role::Viewer),
    ("/checks", "Checks", Role::Viewer),
    ("/alerts", "Alerts", Role::Viewer),
    ("/audit", "Audit", Role::Operator),
    ("/users", "Users", Role::Admin),
    ("/admin/data", "Data", Role::Admin),
    ("/admin/notifications", "Notifications", Role::Admin),
];

/// htmx settings that keep it within the Content-Security-Policy (no eval, no injected styles).
const HTMX_CONFIG: &str = r#"{"allowEval":false,"includeIndicatorStyles":false,"allowScriptTags":false,"historyCacheSize":0}"#;

/// What every page's frame shows besides its content: who is signed in, modes, banners, the live stream.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    pub user: Option<CurrentUser>,
    pub dry_run: bool,
    pub database_up: bool,
    /// Connect to `/events` for live updates (pages of a signed-in console).
    pub live: bool,
    /// Why the approved-services file is not in force (shown to admins only).
    pub policy_error: Option<String>,
    /// The part the server pushes to this page (`/events?part=…`), when it shows its default view.
    pub live_part: Option<&'static str>,
    /// The unit log this page follows live (`logs=HOST/UNIT&after=CURSOR` on `/events`).
    pub live_logs: Option<String>,
}

impl Chrome {
    /// The frame of an error page, which is rendered without access to the request. An outage page stays
    /// connected to the live stream so it can recover by itself when the database returns.
    pub(crate) fn for_error(database_up: bool) -> Self {
        Self {
            live_part: None,
            live_logs: None,
            user: None,
            dry_run: false,
            database_up,
            live: !database_up,
            policy_error: None,
        }
    }

    /// The frame of the login and setup pages: nobody signed in, nothing live.
    pub fn anonymous() -> Self {
        Self {
            database_up: true,
            ..Self::default()
        }
    }
}

/// A whole page around `content`; `active` is the navigation path to highlight. With a signed-in user,
/// the page carries their CSRF token for HTMX (`hx-headers` on `<body>`), their name, and a logout button.
/// The page's live stream: with the part the server pushes to it, if any.
fn events_url(part: Option<&str>, logs: Option<&str>) -> String {
    match (part, logs) {
        (Some(part), _) => format!("/events?part={part}"),
        (None, Some(logs)) => format!("/events?{logs}"),
        (None, None) => "/events".to_owned(),
    }
}

pub fn page(chrome: &Chrome, title: &str, active: &str, content: Markup) -> Markup {
    let user = chrome.user.as_ref();
    let hx_headers = user
        .filter(|u| !u.csrf_token.is_empty())
        .map(|u| serde_json::json!({ "X-CSRF-Token": u.csrf_token }).to_string());
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · smartmon" }
                link rel="icon" href=(asset_url("favicon.svg")) type="image/svg+xml";
                link rel="stylesheet" href=(asset_url("app.css"));
                script src=(asset_url("htmx.min.js")) defer {}
                script src=(asset_url("htmx-ext-sse.min.js")) defer {}
                script src=(asset_url("app.js")) defer {}
            }
            body hx-headers=[hx_headers] hx-ext=[chrome.live.then_some("sse")]
                sse-connect=[chrome.live.then(|| events_url(chrome.live_part, chrome.live_logs.as_deref()))] {
                a.skip-link href="#main" { "Skip to content" }
                header.topbar {
                    a.brand href="/" { "smartmon" }
                    @if let Some(user) = user {
                        nav aria-label="Main" {
                            ul {
                                @for (path, label, least) in NAV {
                                    @if user.role >= *least {
                                        li {
                                            a href=(path) aria-current=[(*path == active).then_some("page")] { (label) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if chrome.dry_run {
                        span.mode-pill title="DRY_RUN=true: unit actions are recorded, never performed" { "DRY RUN" }
                    }
                    @if let Some(user) = user {
                        div.account {
                            span.muted { (user.username) " · " (user.role) }
                            @if user.via == Via::Session {
                                form.inline method="post" action="/logout" {
                                    input type="hidden" name="csrf_token" value=(user.csrf_token);
                                    button.link type="submit" { "Log out" }
                                }
                            }
                        }
                    }
                }
                div #db-status sse-swap=[chrome.live.then_some("status")] aria-live="polite" {
                    (database_banner(chrome.database_up))
                }
                @if chrome.live { div #live-rows hidden sse-swap="rows" {} div #live-changes hidden sse-swap="changed" {} div #live-parts hidden sse-swap="part" {} @if chrome.live_logs.is_some() { div #live-logs hidden sse-swap="logs" {} } }
                @if let (Some(error), Some(user)) = (&chrome.policy_error, user)
                    && user.role >= Role::Admin
                {
                    div.banner.banner-danger role="alert" data-policy="malformed" {
                        strong { "Restart policy not updated. " } (error)
                    }
                }
                main #main { (content) }
                footer.footer {
                    span { "smartmon " (env!("CARGO_PKG_VERSION")) }
                    span.muted { " · GPL-3.0-or-later" }
                }
            }
        }
    }
}

/// The outage banner, or nothing while the database answers.
pub(crate) fn database_banner(up: bool) -> Markup {
    html! {
        @if !up {
            div.banner.banner-danger role="alert" data-database="down" {
                strong { "Database unreachable. " }
                "Figures may be stale; collection continues and the console catches up by itself when it returns."
            }
        } @else {
            span hidden data-database="up" {}
        }
    }
}
