//! The `Chrome` extractor: the page frame's facts (dry run, database health) for every page handler.

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::error::AppError;
use crate::state::AppState;
use crate::web::views::layout::Chrome;

impl FromRequest for Chrome {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let chrome = req.app_data::<web::Data<AppState>>().map(|state| Chrome {
            dry_run: state.settings.dry_run,
            database_up: state.health.is_up(),
            live: true,
        });
        ready(
            chrome
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("AppState is not registered"))),
        )
    }
}
