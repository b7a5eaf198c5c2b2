//! The Users page (admins): list, create, change role, disable and enable accounts.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::accounts::{self, AccountError, NewUser};
use crate::auth::{CurrentUser, Role};
use crate::db::users;
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::views::layout::Chrome;
use crate::web::views::users::users_page;

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    username: String,
    role: String,
    password: String,
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    role: String,
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    message: Option<&str>,
) -> Result<HttpResponse, AppError> {
    let list = users::list(&state.db.conn).await?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(
            users_page(&Chrome::of(state, Some(user.clone())), user, &list, message).into_string(),
        ))
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/users"))
        .finish()
}

fn parse_role(text: &str) -> Result<Role, AppError> {
    Role::parse(text).ok_or_else(|| {
        AppError::BadRequest(format!(
            "{text:?} is not a role: choose viewer, operator or admin."
        ))
    })
}

fn account_error(err: AccountError) -> AppError {
    match err {
        AccountError::Invalid(why) => AppError::BadRequest(why),
        AccountError::Exists(_) => AppError::BadRequest(err.to_string()),
        AccountError::Unexpected(err) => AppError::Unexpected(err),
    }
}

/// `GET /users`.
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    render(&state, &user, StatusCode::OK, None).await
}

/// `POST /users`: a bad name or weak password re-renders the page with the reason (400).
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    let role = parse_role(&form.role)?;
    let new = NewUser {
        username: form.username.trim(),
        password: &form.password,
        role,
    };
    match accounts::create(&state.db, &state.clock, new, &user.username, None).await {
        Ok(_) => Ok(back()),
        Err(AccountError::Unexpected(err)) => Err(err.into()),
        Err(err) => {
            render(
                &state,
                &user,
                StatusCode::BAD_REQUEST,
                Some(&err.to_string()),
            )
            .await
        }
    }
}

/// `POST /users/{username}/role`.
pub(crate) async fn set_role(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let role = parse_role(&form.role)?;
    if *name == user.username && role != Role::Admin {
        return Err(AppError::BadRequest(
            "You cannot take the admin role from yourself; ask another admin.".into(),
        ));
    }
    accounts::set_role(&state.db, &state.clock, &name, role, &user.username)
        .await
        .map_err(account_error)?;
    state.auth.sessions.forget_username(&name);
    state.auth.basic.forget_username(&name);
    Ok(back())
}

/// `POST /users/{username}/disable`: also ends their sessions.
pub async fn disable(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if *name == user.username {
        return Err(AppError::BadRequest(
            "You cannot disable yourself; ask another admin.".into(),
        ));
    }
    let target = accounts::find(&state.db, &name)
        .await
        .map_err(account_error)?;
    accounts::set_disabled(&state.db, &state.clock, &name, true, &user.username)
        .await
        .map_err(account_error)?;
    state.auth.sessions.forget_user(target.id);
    state.auth.basic.forget_username(&name);
    Ok(back())
}

/// `POST /users/{username}/enable`.
pub async fn enable(
    state: web::Data<AppState>,
    user: CurrentUser,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    accounts::set_disabled(&state.db, &state.clock, &name, false, &user.username)
        .await
        .map_err(account_error)?;
    Ok(back())
}
