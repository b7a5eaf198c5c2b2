//! Queries on `app_secrets`: secrets the first process to need one creates and every replica then
//! shares (the CSRF key), so what one replica signs another accepts.

use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr, ExprTrait};

/// The secret named `name`: the stored one, or `candidate` stored now when there is none yet. Two
/// processes starting at once both end up with whichever was stored first.
pub(crate) async fn get_or_create(
    conn: &impl ConnectionTrait,
    name: &str,
    candidate: &str,
    now: f64,
) -> Result<String, DbErr> {
    let table = Alias::new("app_secrets");
    let insert = Query::insert()
        .into_table(table.clone())
        .columns([
            Alias::new("name"),
            Alias::new("value"),
            Alias::new("created_at"),
        ])
        .values_panic([name.into(), candidate.into(), now.into()])
        .on_conflict(
            OnConflict::column(Alias::new("name"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    conn.execute(&insert).await?;
    let select = Query::select()
        .column(Alias::new("value"))
        .from(table)
        .and_where(Expr::col(Alias::new("name")).eq(name))
        .to_owned();
    let row = conn
        .query_one(&select)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("app secret {name}")))?;
    row.try_get("", "value")
}
