//! The Grants page (admins): who may take which actions on which hosts' units (`domain::grant`); add
//! one, delete one, each audited. A bad subject, pattern or action list re-renders the page with the
//! reason (400) and stores nothing.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::{CurrentUser, audit};
use crate::db::audit_log::AuditEntry;
use crate::db::entities::unit_grants::Model;
use crate::db::unit_grants;
use crate::domain::grant::{GrantPattern, PatternOf, Permissions, SubjectKind, parse_subject};
use crate::domain::{AuditAction, Grant, ParseError, Permission};
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::views::grants::{Draft, grants_page};
use crate::web::views::layout::Chrome;

/// The add form: one checkbox per permission (present when ticked).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GrantForm {
    subject_kind: String,
    subject: String,
    host_pattern: String,
    unit_pattern: String,
    logs: Option<String>,
    restart: Option<String>,
    start: Option<String>,
    stop: Option<String>,
    reload: Option<String>,
}

impl GrantForm {
    fn ticked(&self) -> Vec<Permission> {
        let boxes = [
            &self.logs,
            &self.restart,
            &self.start,
            &self.stop,
            &self.reload,
        ];
        Permission::ALL
            .into_iter()
            .zip(boxes)
            .filter(|(_, on)| on.is_some())
            .map(|(p, _)| p)
            .collect()
    }

    fn draft(&self) -> Draft<'_> {
        Draft {
            kind: &self.subject_kind,
            subject: &self.subject,
            hosts: &self.host_pattern,
            units: &self.unit_pattern,
            ticked: self.ticked(),
        }
    }

    fn grant(&self) -> Result<Grant, ParseError> {
        let kind = SubjectKind::parse(&self.subject_kind)
            .ok_or_else(|| ParseError("grant to a user or a group".into()))?;
        let names: Vec<&str> = self.ticked().into_iter().map(Permission::as_str).collect();
        let field = |what: &str, err: ParseError| ParseError(format!("{what}: {err}"));
        Ok(Grant {
            kind,
            subject: parse_subject(&self.subject).map_err(|e| field(kind.as_str(), e))?,
            hosts: GrantPattern::parse(&self.host_pattern, PatternOf::Host)
                .map_err(|e| field("hosts", e))?,
            units: GrantPattern::parse(&self.unit_pattern, PatternOf::Unit)
                .map_err(|e| field("units", e))?,
            permissions: Permissions::parse(&names.join(",")).map_err(|e| field("actions", e))?,
        })
    }
}

async fn render(
    state: &AppState,
    user: &CurrentUser,
    status: StatusCode,
    refused: Option<(&str, Draft<'_>)>,
) -> Result<HttpResponse, AppError> {
    let rows = unit_grants::all(&state.db.conn).await?;
    let chrome = Chrome::of(state, Some(user.clone()));
    let (message, draft) = match refused {
        Some((message, draft)) => (Some(message), draft),
        None => (None, Draft::default()),
    };
    let body = grants_page(&chrome, user, &rows, message, &draft);
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body.into_string()))
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/grants"))
        .finish()
}

fn described(row: &Model) -> serde_json::Value {
    json!({
        "subject_kind": row.subject_kind.as_str(),
        "subject": row.subject,
        "hosts": row.host_pattern,
        "units": row.unit_pattern,
        "actions": row.actions,
    })
}

/// `GET /admin/grants`.
pub async fn page(state: web::Data<AppState>, user: CurrentUser) -> Result<HttpResponse, AppError> {
    render(&state, &user, StatusCode::OK, None).await
}

/// `POST /admin/grants`.
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    form: web::Form<GrantForm>,
) -> Result<HttpResponse, AppError> {
    let grant = match form.grant() {
        Ok(grant) => grant,
        Err(why) => {
            let message = format!("The grant was not added. {why}");
            let refused = Some((message.as_str(), form.draft()));
            return render(&state, &user, StatusCode::BAD_REQUEST, refused).await;
        }
    };
    let row =
        unit_grants::insert(&state.db.conn, &grant, &user.username, state.clock.now()).await?;
    let entry = AuditEntry {
        username: Some(user.username.clone()),
        target: Some(format!("grant {}", row.id)),
        success: true,
        detail: Some(described(&row)),
        ..AuditEntry::new(AuditAction::GrantCreated)
    };
    audit(&state.db, &state.clock, entry).await;
    Ok(back())
}

/// `POST /admin/grants/{id}/delete`.
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("There is no grant {:?}.", id.as_str())))?;
    let Some(row) = unit_grants::delete(&state.db.conn, id).await? else {
        return Err(AppError::NotFound(format!("There is no grant {id}.")));
    };
    let entry = AuditEntry {
        username: Some(user.username.clone()),
        target: Some(format!("grant {id}")),
        success: true,
        detail: Some(described(&row)),
        ..AuditEntry::new(AuditAction::GrantDeleted)
    };
    audit(&state.db, &state.clock, entry).await;
    Ok(back())
}
