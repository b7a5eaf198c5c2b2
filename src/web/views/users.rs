//! The Users page: every account with its role and state, and a form to add one.

use maud::{Markup, html};

use crate::auth::{CurrentUser, Role};
use crate::clock::rfc3339;
use crate::db::entities::users::Model;
use crate::web::views::layout::{Chrome, page};

pub(crate) fn users_page(
    chrome: &Chrome,
    me: &CurrentUser,
    users: &[Model],
    message: Option<&str>,
) -> Markup {
    let csrf = me.csrf_token.as_str();
    page(
        chrome,
        "Users",
        "/users",
        html! {
            h1 { "Users" }
            p { a href="/admin/grants" { "Grants" } ": let a viewer or an SSO group read logs of, or restart, start, stop or reload, chosen units." }
            @if let Some(message) = message {
                div.banner.banner-danger role="alert" { (message) }
            }
            section.card {
                table.users {
                    thead { tr { th { "Username" } th { "Role" } th { "State" } th { "Last login" } th { "" } } }
                    tbody {
                        @for user in users {
                            tr {
                                td { (user.username) }
                                td {
                                    form.inline method="post" action={ "/users/" (user.username) "/role" } {
                                        input type="hidden" name="csrf_token" value=(csrf);
                                        select name="role" aria-label={ "Role of " (user.username) } {
                                            @for role in Role::ALL {
                                                option value=(role.as_str()) selected[user.role == role] { (role.as_str()) }
                                            }
                                        }
                                        " " button type="submit" { "Set" }
                                    }
                                }
                                td { @if user.disabled { "disabled" } @else { "enabled" } }
                                td { (user.last_login_at.map_or_else(|| "never".to_owned(), rfc3339)) }
                                td {
                                    @let action = if user.disabled { "enable" } else { "disable" };
                                    form.inline method="post" action={ "/users/" (user.username) "/" (action) } {
                                        input type="hidden" name="csrf_token" value=(csrf);
                                        button type="submit" { (action) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "Add a user" }
                form.stack method="post" action="/users" {
                    input type="hidden" name="csrf_token" value=(csrf);
                    label { "Username" input name="username" required autocomplete="off"; }
                    label { "Role" select name="role" { @for role in Role::ALL { option value=(role.as_str()) { (role.as_str()) } } } }
                    label { "Password (at least 10 characters)" input type="password" name="password" required autocomplete="new-password"; }
                    button type="submit" { "Add user" }
                }
            }
        },
    )
}
