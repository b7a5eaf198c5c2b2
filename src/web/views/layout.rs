//! The page shell: head, navigation, banners and footer, with light and dark themes from the system setting.

use maud::{DOCTYPE, Markup, html};

use crate::auth::{CurrentUser, Role, Via};
use crate::web::assets::asset_url;

/// Navigation entries: (path, label). Only pages that exist are listed.
const NAV: &[(&str, &str)] = &[("/", "Overview")];

/// htmx settings that keep it within the Content-Security-Policy (no eval, no injected styles).
const HTMX_CONFIG: &str =
    r#"{"allowEval":false,"includeIndicatorStyles":false,"allowScriptTags":false}"#;

/// A whole page around `content`; `active` is the navigation path to highlight. With a `user`, the page
/// carries their CSRF token for HTMX (`hx-headers` on `<body>`), their name, and a logout button.
pub fn page(title: &str, active: &str, user: Option<&CurrentUser>, content: Markup) -> Markup {
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
            }
            body hx-headers=[hx_headers] {
                a.skip-link href="#main" { "Skip to content" }
                header.topbar {
                    a.brand href="/" { "smartmon" }
                    nav aria-label="Main" {
                        ul {
                            @for (path, label) in NAV {
                                li {
                                    a href=(path) aria-current=[(*path == active).then_some("page")] { (label) }
                                }
                            }
                            @if user.is_some_and(|u| u.role == Role::Admin) {
                                li {
                                    a href="/users" aria-current=[("/users" == active).then_some("page")] { "Users" }
                                }
                            }
                        }
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
                main #main { (content) }
                footer.footer {
                    span { "smartmon " (env!("CARGO_PKG_VERSION")) }
                    span.muted { " · GPL-3.0-or-later" }
                }
            }
        }
    }
}
