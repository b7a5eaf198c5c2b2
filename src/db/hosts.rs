//! `hosts` and `system_metrics`: recording that a host was seen; the fleet list, each host's latest
//! figures, chart series.

use sea_orm::sea_query::OnConflict;
use std::collections::HashMap;

use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, Order, QueryFilter, QueryOrder, QuerySelect, Statement,
    Value,
};

use crate::db::entities::{hosts, system_metrics};
use crate::db::series::placeholder;
pub use crate::db::series::{MetricPoint, series};
use crate::domain::NameRules;

/// A host with its latest metrics sample (if any in the last day) and the last hour's averages.
#[derive(Debug, Clone)]
pub struct HostSummary {
    pub host: hosts::Model,
    pub latest: Option<system_metrics::Model>,
    pub hour_avg: Option<HourAverage>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct HourAverage {
    pub hostname: String,
    pub cpu: Option<f64>,
    pub memory: Option<f64>,
    pub load_1: Option<f64>,
}

/// Every host, by name, with its latest figures.
pub async fn list(db: &impl ConnectionTrait, now: f64) -> Result<Vec<HostSummary>, DbErr> {
    list_of(db, now, None).await
}

/// The hosts named in `only` (every host when None), by name, with their latest figures: what the
/// fleet list re-reads for the hosts that reported since it was last read.
pub async fn list_of(
    db: &impl ConnectionTrait,
    now: f64,
    only: Option<&[String]>,
) -> Result<Vec<HostSummary>, DbErr> {
    let mut find = hosts::Entity::find().order_by(hosts::Column::Hostname, Order::Asc);
    if let Some(names) = only {
        find = find.filter(hosts::Column::Hostname.is_in(names.iter().cloned()));
    }
    let hosts = find.all(db).await?;
    let mut latest: HashMap<String, system_metrics::Model> =
        latest_metrics(db, now - 86_400.0, only)
            .await?
            .into_iter()
            .map(|m| (m.hostname.to_string(), m))
            .collect();
    let mut averages: HashMap<String, HourAverage> = hour_averages(db, now - 3_600.0, only)
        .await?
        .into_iter()
        .map(|a| (a.hostname.clone(), a))
        .collect();
    Ok(hosts
        .into_iter()
        .map(|host| HostSummary {
            latest: latest.remove(host.hostname.as_str()),
            hour_avg: averages.remove(host.hostname.as_str()),
            host,
        })
        .collect())
}

/// Every host name, in order (the services page's host filter).
pub async fn names(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    hosts::Entity::find()
        .select_only()
        .column(hosts::Column::Hostname)
        .order_by_asc(hosts::Column::Hostname)
        .into_tuple()
        .all(db)
        .await
}

/// The name rules of `hostname`: Windows when its agent reported a Windows OS, systemd otherwise
/// (a host never seen keeps the strict systemd rules).
pub async fn name_rules(db: &impl ConnectionTrait, hostname: &str) -> Result<NameRules, DbErr> {
    let os: Option<Option<String>> = hosts::Entity::find()
        .select_only()
        .column(hosts::Column::Os)
        .filter(hosts::Column::Hostname.eq(hostname))
        .into_tuple()
        .one(db)
        .await?;
    Ok(NameRules::for_os(os.flatten().as_deref()))
}

/// One host by name.
pub async fn find(db: &impl ConnectionTrait, hostname: &str) -> Result<Option<HostSummary>, DbErr> {
    let Some(host) = hosts::Entity::find()
        .filter(hosts::Column::Hostname.eq(hostname))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let latest = system_metrics::Entity::find()
        .filter(system_metrics::Column::Hostname.eq(hostname))
        .order_by(system_metrics::Column::TsEpoch, Order::Desc)
        .one(db)
        .await?;
    Ok(Some(HostSummary {
        host,
        latest,
        hour_avg: None,
    }))
}

/// The newest sample of every host that reported since `cutoff`.
async fn latest_metrics(
    db: &impl ConnectionTrait,
    cutoff: f64,
    only: Option<&[String]>,
) -> Result<Vec<system_metrics::Model>, DbErr> {
    // One index seek per host on (hostname, ts_epoch DESC), however long the history is.
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT m.* FROM hosts h
         JOIN system_metrics m ON m.id = (
           SELECT s.id FROM system_metrics s
           WHERE s.hostname = h.hostname AND s.ts_epoch >= {cutoff}
           ORDER BY s.ts_epoch DESC LIMIT 1){only}",
        cutoff = placeholder(backend, 1),
        only = host_filter(backend, "WHERE h.hostname", only),
    );
    system_metrics::Model::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        values(cutoff, only),
    ))
    .all(db)
    .await
}

async fn hour_averages(
    db: &impl ConnectionTrait,
    cutoff: f64,
    only: Option<&[String]>,
) -> Result<Vec<HourAverage>, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT hostname, AVG(cpu_percent) AS cpu, AVG(memory_percent) AS memory, AVG(load_1) AS load_1
         FROM system_metrics WHERE ts_epoch >= {cutoff}{only} GROUP BY hostname",
        cutoff = placeholder(backend, 1),
        only = host_filter(backend, " AND hostname", only),
    );
    HourAverage::find_by_statement(Statement::from_sql_and_values(
        backend,
        sql,
        values(cutoff, only),
    ))
    .all(db)
    .await
}

/// ` {column} IN (...)` over `only`'s names (placeholders from 2 on; 1 is the cutoff), or nothing.
fn host_filter(backend: DbBackend, column: &str, only: Option<&[String]>) -> String {
    only.map_or_else(String::new, |names| {
        let marks: Vec<String> = (0..names.len())
            .map(|i| placeholder(backend, i + 2))
            .collect();
        format!(" {column} IN ({})", marks.join(", "))
    })
}

/// The cutoff, then `only`'s names.
fn values(cutoff: f64, only: Option<&[String]>) -> Vec<Value> {
    let names = only.unwrap_or_default().iter().map(|n| n.as_str().into());
    std::iter::once(cutoff.into()).chain(names).collect()
}

/// Upserts by hostname; `first_seen` is kept from the first sighting.
pub(crate) async fn upsert_seen(
    conn: &impl ConnectionTrait,
    host: &hosts::Model,
) -> Result<(), DbErr> {
    let mut row = host.clone().into_active_model();
    row.id = NotSet;
    hosts::Entity::insert(row)
        .on_conflict(
            OnConflict::column(hosts::Column::Hostname)
                .update_columns([
                    hosts::Column::Os,
                    hosts::Column::Kernel,
                    hosts::Column::AgentVersion,
                    hosts::Column::LastSeen,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map(|_| ())
}
