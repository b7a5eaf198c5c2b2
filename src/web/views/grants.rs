//! The Grants page: every grant (who, hosts, units, actions, by whom) with a delete button, and the
//! form that adds one (holding what was typed when it was refused).

use maud::{Markup, html};

use crate::auth::CurrentUser;
use crate::clock::rfc3339;
use crate::db::entities::unit_grants::Model;
use crate::domain::Permission;
use crate::web::views::layout::{Chrome, page};

/// What the add form holds: empty, or what a refused attempt sent.
#[derive(Default)]
pub(crate) struct Draft<'a> {
    pub kind: &'a str,
    pub subject: &'a str,
    pub hosts: &'a str,
    pub units: &'a str,
    pub ticked: Vec<Permission>,
}

pub(crate) fn grants_page(
    chrome: &Chrome,
    me: &CurrentUser,
    rows: &[Model],
    message: Option<&str>,
    draft: &Draft,
) -> Markup {
    let csrf = me.csrf_token.as_str();
    page(
        chrome,
        "Grants",
        "/users",
        html! {
            h1 { "Grants" }
            p.muted {
                "A grant lets a viewer (or everyone in an SSO group) read logs or restart, start, stop or reload "
                "the units matching a pattern on the hosts matching a pattern (" code { "*" } " any run of characters, "
                code { "?" } " one). Operators and admins need none. The approved-services list stays the ceiling: "
                "no grant reaches a unit it does not approve, and DRY_RUN still holds."
            }
            @if let Some(message) = message {
                div.banner.banner-danger role="alert" { (message) }
            }
            section.card {
                @if rows.is_empty() {
                    p.muted { "No grants yet: viewers can only look." }
                } @else {
                    table.grants {
                        thead { tr { th { "Who" } th { "Hosts" } th { "Units" } th { "Actions" } th { "Added" } th { "" } } }
                        tbody {
                            @for row in rows {
                                tr data-grant=(row.id) {
                                    td { (row.subject_kind.as_str()) " " strong { (row.subject) } }
                                    td { code { (row.host_pattern) } }
                                    td { code { (row.unit_pattern) } }
                                    td { (row.actions.replace(',', ", ")) }
                                    td { (rfc3339(row.created_at)) " by " (row.created_by) }
                                    td {
                                        form.inline method="post" action={ "/admin/grants/" (row.id) "/delete" } {
                                            input type="hidden" name="csrf_token" value=(csrf);
                                            button type="submit" aria-label={ "Delete the grant to " (row.subject) } { "Delete" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 { "Add a grant" }
                form.stack method="post" action="/admin/grants" {
                    input type="hidden" name="csrf_token" value=(csrf);
                    label { "To a"
                        select name="subject_kind" {
                            option value="user" selected[draft.kind != "group"] { "user" }
                            option value="group" selected[draft.kind == "group"] { "group (from SSO)" }
                        }
                    }
                    label { "User or group name" input name="subject" required maxlength="128" autocomplete="off" spellcheck="false" value=(draft.subject); }
                    label { "Hosts (pattern)" input name="host_pattern" required maxlength="253" placeholder="web*" spellcheck="false" value=(draft.hosts); }
                    label { "Units (pattern)" input name="unit_pattern" required maxlength="256" placeholder="nginx.service" spellcheck="false" value=(draft.units); }
                    fieldset.choices {
                        legend { "Actions" }
                        @for permission in Permission::ALL {
                            label.checkbox {
                                input type="checkbox" name=(permission.as_str()) value="on" checked[draft.ticked.contains(&permission)];
                                " " (permission.as_str())
                            }
                        }
                    }
                    button type="submit" { "Add grant" }
                }
            }
        },
    )
}
