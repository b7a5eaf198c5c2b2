//! `GET /events`: the Server-Sent Events stream each open console page listens to.

use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use tokio::sync::broadcast;
use tokio::time::{Instant, interval_at};

use crate::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::live_parts::Part;
use crate::web::state::AppState;
use crate::web::stream_limits;

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `?part=overview`: the page part this page shows, pushed to it whole when it changes.
#[derive(Deserialize)]
pub struct EventsQuery {
    part: Option<String>,
}

/// The stream ends when its caller signs out (`stream_limits`); a user holding
/// `SMARTMON_STREAMS_PER_USER` streams already is answered 429.
pub async fn events(
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
    let hello = feed.hello(state.health.is_up());
    let rx = feed.subscribe();
    let part_rx = part.map(|part| feed.subscribe_part(part.name()));
    let ticker = interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
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

/// The next frame of the page's part (never, for a page without one); None once it fell behind.
async fn next_part(rx: &mut Option<broadcast::Receiver<Bytes>>) -> Option<Bytes> {
    match rx {
        Some(rx) => rx.recv().await.ok(),
        None => std::future::pending().await,
    }
}
