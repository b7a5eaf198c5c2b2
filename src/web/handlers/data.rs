//! `GET /admin/data` (admins): history table sizes, rows, oldest samples, and the retention schedule.

use actix_web::web;
use maud::Markup;

use crate::lifecycle::status;
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::views::data::data_page;
use crate::web::views::layout::Chrome;

pub async fn page(chrome: Chrome, state: web::Data<AppState>) -> Result<Markup, AppError> {
    let settings = &*state.lifecycle;
    let figures = status::read(&state.db.conn, settings).await?;
    Ok(data_page(&chrome, &figures, settings, state.clock.now()))
}
