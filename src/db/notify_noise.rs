//! Noise rules applied when an alert opens (`db::notify_outbox`): whether a maintenance window holds
//! it, and whether its source is flapping on a channel.

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use crate::db::entities::{notification_outbox as outbox, notification_silences as silences};
use crate::domain::NotifyRoute;

/// The window holding an alert of `hostname`/`source` at `at`, if any.
pub(crate) async fn holding(
    conn: &impl ConnectionTrait,
    hostname: &str,
    source: &str,
    at: f64,
) -> Result<Option<silences::Model>, DbErr> {
    let active = silences::Entity::find()
        .filter(silences::Column::StartsAt.lte(at))
        .filter(silences::Column::EndsAt.gt(at))
        .all(conn)
        .await?;
    Ok(active.into_iter().find(|s| s.covers(hostname, source)))
}

/// Whether this opening makes the alert's source flap on this channel.
pub(crate) enum Flap {
    No,
    /// It just started flapping, after this many openings within the window.
    Starts(u64),
    /// Already announced as flapping within the window.
    Ongoing,
}

pub(crate) async fn flapping(
    conn: &impl ConnectionTrait,
    channel_id: i64,
    hostname: &str,
    source: &str,
    at: f64,
    route: &NotifyRoute,
) -> Result<Flap, DbErr> {
    if route.flap_changes < 2 {
        return Ok(Flap::No);
    }
    let since = at - f64::from(route.flap_window_secs);
    let recent = |events: &[&str]| {
        outbox::Entity::find()
            .filter(outbox::Column::ChannelId.eq(channel_id))
            .filter(outbox::Column::Hostname.eq(hostname))
            .filter(outbox::Column::Source.eq(source))
            .filter(outbox::Column::Event.is_in(events.iter().copied()))
            .filter(outbox::Column::CreatedAt.gt(since))
    };
    if recent(&["flapping"]).count(conn).await? > 0 {
        return Ok(Flap::Ongoing);
    }
    let changes = recent(&["opened"]).count(conn).await? + 1;
    Ok(if changes >= u64::from(route.flap_changes) {
        Flap::Starts(changes)
    } else {
        Flap::No
    })
}
