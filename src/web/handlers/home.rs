//! The overview page (the console's landing page).

use actix_web::web;
use maud::Markup;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::views;

/// `GET /`: the overview.
pub async fn overview(state: web::Data<AppState>, user: CurrentUser) -> Result<Markup, AppError> {
    let database_up = state.db.ping().await.is_ok();
    Ok(views::home::overview_page(
        &user,
        &views::home::Overview {
            backend: state.db.backend.label(),
            database_up,
            dry_run: state.settings.dry_run,
        },
    ))
}
