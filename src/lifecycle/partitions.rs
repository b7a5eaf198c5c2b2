//! Postgres day partitions of the history tables: created ahead of time, dropped whole once a day has
//! left the retention window (a metadata operation, no row-by-row delete, no long lock on the parent).

use anyhow::Context;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

/// The partitioned history tables (migration `m20261127_004100_partitioned_history`).
pub const PARTITIONED: [&str; 3] = ["system_metrics", "service_status", "network_checks"];

const DAY: f64 = 86_400.0;

/// How long dropping a partition may wait for the console's queries on the parent table.
const LOCK_TIMEOUT: &str = "5s";

/// One day partition of a history table.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    /// `smartmon_partitions.<table>_pYYYYMMDD`.
    pub name: String,
    pub from: f64,
    pub to: f64,
}

/// Creates `table`'s partitions from today to `days_ahead` days ahead; returns how many were new.
pub async fn ensure_ahead(
    db: &DatabaseConnection,
    table: &str,
    now: f64,
    days_ahead: u32,
) -> anyhow::Result<u32> {
    let today = (now / DAY).floor() * DAY;
    let mut created = 0;
    for k in 0..=days_ahead {
        let day = today + f64::from(k) * DAY;
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT smartmon_ensure_partition($1, $2) AS created",
                [table.into(), day.into()],
            ))
            .await
            .with_context(|| format!("cannot create {table}'s partition for day {day}"))?;
        if row
            .and_then(|r| r.try_get::<bool>("", "created").ok())
            .unwrap_or(false)
        {
            created += 1;
        }
    }
    Ok(created)
}

/// `table`'s day partitions, oldest first (the default partition is not listed).
pub async fn list(db: &DatabaseConnection, table: &str) -> anyhow::Result<Vec<Partition>> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            "SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
             FROM pg_inherits i
             JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_class p ON p.oid = i.inhparent
             JOIN pg_namespace pn ON pn.oid = p.relnamespace
             WHERE p.relname = $1 AND pn.nspname = 'public'",
            [table.into()],
        ))
        .await
        .with_context(|| format!("cannot list {table}'s partitions"))?;
    let mut parts = Vec::new();
    for row in rows {
        let name: String = row.try_get("", "name")?;
        let bound: String = row.try_get("", "bound")?;
        if let Some((from, to)) = parse_bound(&bound) {
            parts.push(Partition { name, from, to });
        }
    }
    parts.sort_by(|a, b| a.from.total_cmp(&b.from));
    Ok(parts)
}

/// Drops every partition of `table` whose rows all lie before `cutoff`; returns how many.
pub(crate) async fn drop_before(
    db: &DatabaseConnection,
    table: &str,
    cutoff: f64,
) -> anyhow::Result<Vec<Partition>> {
    let mut dropped = Vec::new();
    for part in list(db, table).await? {
        if part.to > cutoff {
            continue;
        }
        // Detaching takes a brief exclusive lock on the parent: wait at most a few seconds for readers,
        // else leave the day to the batched delete that follows.
        match drop_one(db, table, &part.name).await {
            Ok(()) => dropped.push(part),
            Err(err) => tracing::warn!(
                partition = %part.name,
                error = format!("{err:#}"),
                "partition not dropped; its rows are deleted in batches"
            ),
        }
    }
    Ok(dropped)
}

async fn drop_one(db: &DatabaseConnection, table: &str, name: &str) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        .await?;
    txn.execute_unprepared(&format!(
        "ALTER TABLE public.\"{table}\" DETACH PARTITION smartmon_partitions.\"{name}\""
    ))
    .await
    .with_context(|| format!("cannot detach {name}"))?;
    txn.execute_unprepared(&format!("DROP TABLE smartmon_partitions.\"{name}\""))
        .await
        .with_context(|| format!("cannot drop {name}"))?;
    txn.commit().await?;
    Ok(())
}

/// `FOR VALUES FROM ('1795737600') TO ('1795824000')` → (from, to); `DEFAULT` → None.
fn parse_bound(bound: &str) -> Option<(f64, f64)> {
    let numbers: Vec<f64> = bound
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e' || c == '+'))
        .filter_map(|s| s.parse::<f64>().ok())
        .collect();
    match numbers.as_slice() {
        [from, to] => Some((*from, *to)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_bound;

    #[test]
    fn partition_bounds_are_read_from_postgres_text() {
        assert_eq!(
            parse_bound("FOR VALUES FROM ('1795737600') TO ('1795824000')"),
            Some((1_795_737_600.0, 1_795_824_000.0))
        );
        assert_eq!(parse_bound("DEFAULT"), None);
    }
}
