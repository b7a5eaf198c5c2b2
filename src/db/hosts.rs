//! `hosts`: record that a host was seen (insert on first sighting, refresh `last_seen` after).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::NotSet, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel};

use crate::db::entities::hosts;

/// Upserts by hostname; `first_seen` is kept from the first sighting.
pub async fn upsert_seen(conn: &impl ConnectionTrait, host: &hosts::Model) -> Result<(), DbErr> {
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
