//! The login and first-run setup pages.

use maud::{Markup, html};

use crate::web::views::layout::{Chrome, page};

pub struct LoginView<'a> {
    pub next: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

pub(crate) fn login_page(view: &LoginView<'_>) -> Markup {
    page(
        &Chrome::anonymous(),
        "Log in",
        "",
        html! {
            section.card.auth-card {
                h1 { "Log in" }
                @if let Some(error) = view.error {
                    div.banner.banner-danger role="alert" { (error) }
                }
                form.stack method="post" action="/login" {
                    input type="hidden" name="next" value=(view.next);
                    label { "Username" input name="username" autocomplete="username" required value=(view.username); }
                    label { "Password" input type="password" name="password" autocomplete="current-password" required; }
                    button type="submit" { "Log in" }
                }
            }
        },
    )
}

pub(crate) fn setup_page(username: &str, error: Option<&str>) -> Markup {
    page(
        &Chrome::anonymous(),
        "First-run setup",
        "",
        html! {
            section.card.auth-card {
                h1 { "Create the first admin" }
                p.muted { "Enter the one-time setup token the server printed when it started." }
                @if let Some(error) = error {
                    div.banner.banner-danger role="alert" { (error) }
                }
                form.stack method="post" action="/setup" {
                    label { "Setup token" input name="token" autocomplete="off" required; }
                    label { "Username" input name="username" autocomplete="username" required value=(username); }
                    label { "Password (at least 10 characters)" input type="password" name="password" autocomplete="new-password" required; }
                    label { "Repeat password" input type="password" name="confirm" autocomplete="new-password" required; }
                    button type="submit" { "Create admin and log in" }
                }
            }
        },
    )
}
