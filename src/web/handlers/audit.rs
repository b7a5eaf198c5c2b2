//! `GET /audit` and `GET /api/audit.csv`: the audit log, filtered, and its export.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;

use crate::clock::rfc3339;
use crate::db::audit_log::{self as audit, AuditFilter};
use crate::domain::AuditAction;
use crate::web::error::AppError;
use crate::web::handlers::api::csv::Csv;
use crate::web::handlers::api::{self as api_mod, ApiError};
use crate::web::handlers::{params, wants_partial};
use crate::web::params::{BadParam, Params};
use crate::web::state::AppState;
use crate::web::views::audit::{AuditView, audit_page, audit_table};
use crate::web::views::layout::Chrome;

fn audit_filter(p: &Params, default_limit: u64) -> Result<AuditFilter, BadParam> {
    Ok(AuditFilter {
        username: p.text("user").map(str::to_owned),
        action: p.one_of("action", &AuditAction::ALL, AuditAction::as_str)?,
        hostname: p.hostname("host")?,
        failures_only: p.choice("failures", &["1", "true", "on"])?.is_some(),
        limit: p.clamped("limit", default_limit, 1, 100_000)?,
        offset: p.clamped("offset", 0, 0, 100_000_000)?,
    })
}

pub async fn page(
    req: HttpRequest,
    chrome: Chrome,
    state: web::Data<AppState>,
) -> Result<Markup, AppError> {
    let filter = audit_filter(&params(&req)?, 100)?;
    let db = &state.db.conn;
    let (rows, total) = audit::find_page(db, &filter).await?;
    let actions = audit::actions(db).await?;
    let view = AuditView {
        filter: &filter,
        rows: &rows,
        total,
        actions: &actions,
        now: state.clock.now(),
    };
    Ok(if wants_partial(&req) {
        audit_table(&view)
    } else {
        audit_page(&chrome, &view)
    })
}

/// The audit log as CSV, newest first (operators and the API key)
#[utoipa::path(
    get,
    path = "/api/audit.csv",
    operation_id = "export_audit_log",
    tag = "audit",
    params(
        ("user" = Option<String>, Query, description = "only this user's actions"),
        ("action" = Option<String>, Query, description = "only this action, e.g. restart_refused"),
        ("host" = Option<String>, Query, description = "only this host"),
        ("failures" = Option<String>, Query, description = "1, true or on: failures only"),
        ("limit" = Option<u64>, Query, description = "at most this many rows, 1 to 100000 (default 100000)"),
        ("offset" = Option<u64>, Query, description = "rows to skip"),
    ),
    responses(
        (status = 200, description = "OK", body = String, content_type = "text/csv"),
        (status = 403, description = "A signed-in user below operator"),
        api_mod::ApiErrors,
    )
)]
pub async fn csv(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let filter = audit_filter(&api_mod::params(&req)?, 100_000)?;
    let (rows, _) = audit::find_page(&state.db.conn, &filter).await?;
    let mut csv = Csv::new(&[
        "time",
        "username",
        "client_ip",
        "action",
        "hostname",
        "target",
        "success",
        "detail",
        "count",
    ]);
    for r in &rows {
        let time = rfc3339(r.ts_epoch);
        let count = r.count.to_string();
        csv.row([
            time.as_str(),
            r.username.as_deref().unwrap_or(""),
            r.client_ip.as_deref().unwrap_or(""),
            r.action.as_str(),
            r.hostname.as_deref().unwrap_or(""),
            r.target.as_deref().unwrap_or(""),
            if r.success { "true" } else { "false" },
            r.detail.as_deref().unwrap_or(""),
            count.as_str(),
        ]);
    }
    Ok(csv.into_response("audit.csv"))
}
