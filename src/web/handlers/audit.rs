//! `GET /audit` and `GET /api/audit.csv`: the audit log, filtered, and its export.

use actix_web::{HttpRequest, HttpResponse, web};
use maud::Markup;

use crate::clock::{now_epoch, rfc3339};
use crate::db::audit_log::{self as audit, AuditFilter};
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::handlers::api::csv::Csv;
use crate::web::handlers::api::{self as api_mod, ApiError};
use crate::web::handlers::{params, wants_partial};
use crate::web::params::{BadParam, Params};
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
        now: now_epoch(),
    };
    Ok(if wants_partial(&req) {
        audit_table(&view)
    } else {
        audit_page(&chrome, &view)
    })
}

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
    ]);
    for r in &rows {
        let time = rfc3339(r.ts_epoch);
        csv.row([
            time.as_str(),
            r.username.as_deref().unwrap_or(""),
            r.client_ip.as_deref().unwrap_or(""),
            r.action.as_str(),
            r.hostname.as_deref().unwrap_or(""),
            r.target.as_deref().unwrap_or(""),
            if r.success { "true" } else { "false" },
            r.detail.as_deref().unwrap_or(""),
        ]);
    }
    Ok(csv.into_response("audit.csv"))
}
