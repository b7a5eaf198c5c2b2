//! The overview page.

use maud::{Markup, html};

use crate::auth::CurrentUser;
use crate::web::views::layout::page;

/// What the overview shows.
pub struct Overview {
    pub backend: &'static str,
    pub database_up: bool,
    pub dry_run: bool,
}

pub fn overview_page(user: &CurrentUser, overview: &Overview) -> Markup {
    page(
        "Overview",
        "/",
        Some(user),
        html! {
            @if !overview.database_up {
                div.banner.banner-danger role="alert" {
                    strong { "Database unreachable. " }
                    "Figures below may be stale; collection continues and will catch up."
                }
            }
            @if overview.dry_run {
                div.banner.banner-info role="status" {
                    strong { "DRY RUN. " }
                    "Restarts are recorded and shown, never performed (DRY_RUN=true)."
                }
            }
            h1 { "Overview" }
            section.card {
                h2 { "No hosts yet" }
                p { "Start the collector on a host to see its figures here." }
                dl.facts {
                    dt { "Database" } dd { (overview.backend) }
                    dt { "Mode" } dd { @if overview.dry_run { "dry run" } @else { "live" } }
                }
            }
        },
    )
}
