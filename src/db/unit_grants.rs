//! `unit_grants`: the grants a caller holds (by name and SSO groups), the admin page's list, adding
//! and deleting. Rows are parsed into `domain::Grant`; a row that no longer parses is skipped, loudly.

use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};

use crate::db::entities::unit_grants::{self, Model};
use crate::domain::Grant;
use crate::domain::grant::{GrantPattern, PatternOf, Permissions, SubjectKind};

/// Adds `grant`; `created_by` is the admin who did.
pub async fn insert(
    conn: &impl ConnectionTrait,
    grant: &Grant,
    created_by: &str,
    now: f64,
) -> Result<Model, DbErr> {
    unit_grants::ActiveModel {
        id: NotSet,
        subject_kind: Set(grant.kind),
        subject: Set(grant.subject.clone()),
        host_pattern: Set(grant.hosts.as_str().to_owned()),
        unit_pattern: Set(grant.units.as_str().to_owned()),
        actions: Set(grant.permissions.to_string()),
        created_by: Set(created_by.to_owned()),
        created_at: Set(now),
    }
    .insert(conn)
    .await
}

/// Every grant, by subject then newest first (the admin page).
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Model>, DbErr> {
    unit_grants::Entity::find()
        .order_by_asc(unit_grants::Column::SubjectKind)
        .order_by_asc(unit_grants::Column::Subject)
        .order_by_desc(unit_grants::Column::Id)
        .all(conn)
        .await
}

/// Deletes the grant `id`; the row it deleted, if there was one.
pub async fn delete(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Model>, DbErr> {
    let Some(row) = unit_grants::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let gone = unit_grants::Entity::delete_by_id(id).exec(conn).await?;
    Ok((gone.rows_affected == 1).then_some(row))
}

/// The grants for `username` and for any of `groups` (both lower case).
pub async fn held_by(
    conn: &impl ConnectionTrait,
    username: &str,
    groups: &[String],
) -> Result<Vec<Grant>, DbErr> {
    let mut subjects = Condition::any().add(
        Condition::all()
            .add(unit_grants::Column::SubjectKind.eq(SubjectKind::User))
            .add(unit_grants::Column::Subject.eq(username.to_ascii_lowercase())),
    );
    if !groups.is_empty() {
        subjects = subjects.add(
            Condition::all()
                .add(unit_grants::Column::SubjectKind.eq(SubjectKind::Group))
                .add(unit_grants::Column::Subject.is_in(groups.iter().cloned())),
        );
    }
    let rows = unit_grants::Entity::find()
        .filter(subjects)
        .all(conn)
        .await?;
    Ok(rows.iter().filter_map(parsed).collect())
}

/// The grant a row holds; None (with a warning) when the row no longer parses.
pub fn parsed(row: &Model) -> Option<Grant> {
    let grant = (|| {
        Ok::<_, crate::domain::ParseError>(Grant {
            kind: row.subject_kind,
            subject: row.subject.clone(),
            hosts: GrantPattern::parse(&row.host_pattern, PatternOf::Host)?,
            units: GrantPattern::parse(&row.unit_pattern, PatternOf::Unit)?,
            permissions: Permissions::parse(&row.actions)?,
        })
    })();
    match grant {
        Ok(grant) => Some(grant),
        Err(err) => {
            tracing::warn!(id = row.id, error = %err, "a stored grant does not parse; it allows nothing");
            None
        }
    }
}
