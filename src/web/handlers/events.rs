//! `GET /events`: the Server-Sent Events stream each open console page listens to.

use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use tokio::sync::broadcast;
use tokio::time::{Instant, interval_at};

use crate::auth::CurrentUser;
use crate::domain::{Hostname, Permission, UnitName};
use crate::journal::Cursor;
use crate::web::delegation::authorize;
use crate::web::error::AppError;
use crate::web::live_parts::Part;
use crate::web::state::AppState;
use crate::web::stream_limits;

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A page following a unit's log is pinged more often: a closed page is noticed at the next write, and
/// the unit's `journalctl --follow` stops soon after the last page showing it closes.
const LOG_KEEP_ALIVE: Duration = Duration::from_secs(2);

/// `?part=overview`: the page part this page shows, pushed to it whole when it changes.
/// `?logs=HOST/UNIT&after=CURSOR`: the unit log a unit page follows, after the newest line it shows.
#[derive(Deserialize)]
pub struct EventsQuery {
    part: Option<String>,
    logs: Option<String>,
    after: Option<String>,
}

/// The stream ends when its caller signs out (`stream_limits`); a user holding
/// `SMARTMON_STREAMS_PER_USER` streams already is answered 429.
pub async fn events(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<EventsQuery>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let part = match query.part.as_deref() {
        None => None,
        Some(name) => Some(Part::parse(name).ok_or_else(|| {
            AppError::BadRequest(format!(
                "{name:?} is not a live page part (overview, hosts, disks, checks or alerts)"
            ))
        })?),
    };
    let logs = followed_unit(&query)?;
    if let Some((host, unit, _)) = &logs {
        let logs = Permission::Logs;
        let target = (host.as_str(), unit.as_str());
        if let Err(why) = authorize(&req, &state, &user, target, logs).await? {
            return Err(AppError::Forbidden(why));
        }
    }
    let Some(slot) = state.streams.take(&user.username) else {
        return Err(AppError::TooManyRequests {
            message: format!(
                "You have {} live pages open already; close one and reload this page.",
                state.streams.max()
            ),
            retry_after_secs: stream_limits::RECHECK.as_secs(),
        });
    };
    let signed_out = stream_limits::signed_out(state.auth.clone(), user, slot);
    let feed = state.feed.clone();
    let mut hello = feed.hello(state.health.is_up());
    let rx = feed.subscribe();
    let part_rx = match (part, logs) {
        (Some(part), _) => Some(feed.subscribe_part(part.name())),
        (None, Some((host, unit, after))) => {
            let (rx, missed) = state.logs.watch(&host, &unit, after).await;
            if let Some(missed) = missed {
                hello = [hello, missed].concat().into();
            }
            Some(rx)
        }
        (None, None) => None,
    };
    let every = if query.logs.is_some() {
        LOG_KEEP_ALIVE
    } else {
        KEEP_ALIVE
    };
    let ticker = interval_at(Instant::now() + every, every);
    let frames = stream::unfold(
        (Some(hello), (rx, part_rx), ticker, feed.closing()),
        |(first, mut rx, mut ticker, mut closing)| async move {
            if let Some(hello) = first {
                return Some((
                    Ok::<_, actix_web::Error>(hello),
                    (None, rx, ticker, closing),
                ));
            }
            let next = tokio::select! {
                // Too far behind (or shutting down): end the stream; the browser reconnects and reloads.
                frame = rx.0.recv() => frame.ok(),
                frame = next_part(&mut rx.1) => frame,
                _ = ticker.tick() => Some(Bytes::from_static(b": keep-alive\n\n")),
                _ = closing.wait_for(|stopping| *stopping) => None,
            };
            next.map(|frame| (Ok(frame), (None, rx, ticker, closing)))
        },
    );
    let frames = frames.take_until(Box::pin(signed_out));
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache, no-transform"))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(frames))
}

/// The next frame of the page's part or log (never, for a page without one, or once its log
/// follower ended); None once it fell behind.
async fn next_part(rx: &mut Option<broadcast::Receiver<Bytes>>) -> Option<Bytes> {
    match rx {
        Some(rx) => match rx.recv().await {
            Ok(frame) => Some(frame),
            Err(broadcast::error::RecvError::Lagged(_)) => None,
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// The unit whose log the page follows (`logs=HOST/UNIT`; another host's through its agent) and the
/// cursor of the newest line it shows.
fn followed_unit(
    query: &EventsQuery,
) -> Result<Option<(Hostname, UnitName, Option<Cursor>)>, AppError> {
    let Some(logs) = query.logs.as_deref() else {
        return Ok(None);
    };
    let bad = |why: String| AppError::BadRequest(format!("logs={logs:?}: {why}"));
    let (host, unit) = logs
        .split_once('/')
        .ok_or_else(|| bad("expected HOST/UNIT".into()))?;
    let host = Hostname::parse_exact(host).map_err(|e| bad(e.to_string()))?;
    let unit = UnitName::parse_exact(unit).map_err(|e| bad(e.to_string()))?;
    let after = match query.after.as_deref() {
        None => None,
        Some(c) => Some(Cursor::parse(c).map_err(|e| AppError::BadRequest(format!("after: {e}")))?),
    };
    Ok(Some((host, unit, after)))
}
