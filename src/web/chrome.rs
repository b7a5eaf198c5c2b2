//! The `Chrome` extractor: the page frame's facts (the signed-in user, dry run, database health).

use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};

use crate::auth::CurrentUser;

use crate::web::error::AppError;
use crate::web::live_parts::Part;
use crate::web::state::AppState;
use crate::web::views::layout::Chrome;

impl Chrome {
    /// The frame for `user` on this server: live when someone is signed in.
    pub fn of(state: &AppState, user: Option<CurrentUser>) -> Self {
        Self {
            live: user.is_some(),
            user,
            dry_run: state.restart.dry_run(),
            database_up: state.health.is_up(),
            policy_error: state.restart.policy_error(),
            live_part: None,
            live_logs: None,
        }
    }
}

impl FromRequest for Chrome {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let chrome = req.app_data::<web::Data<AppState>>().map(|state| Chrome {
            live_part: Part::of_page(req.path(), req.query_string()).map(Part::name),
            ..Chrome::of(state, req.extensions().get::<CurrentUser>().cloned())
        });
        ready(
            chrome
                .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("AppState is not registered"))),
        )
    }
}
