//! `GET /events`: the Server-Sent Events stream each open console page listens to.

use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use futures_util::{StreamExt, stream};
use tokio::time::{Instant, interval_at};

use crate::auth::CurrentUser;
use crate::web::error::AppError;
use crate::web::state::AppState;
use crate::web::stream_limits::{self, MAX_PER_USER};

/// A comment line this often keeps proxies and browsers from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The stream ends when its caller signs out (`stream_limits`); a user holding `MAX_PER_USER` streams
/// already is answered 429.
pub async fn events(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let Some(slot) = state.streams.take(&user.username) else {
        return Err(AppError::TooManyRequests {
            message: format!(
                "You have {MAX_PER_USER} live pages open already; close one and reload this page."
            ),
            retry_after_secs: stream_limits::RECHECK.as_secs(),
        });
    };
    let signed_out = stream_limits::signed_out(state.auth.clone(), user, slot);
    let feed = state.feed.clone();
    let hello = feed.hello(state.health.is_up());
    let rx = feed.subscribe();
    let ticker = interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE);
    let frames = stream::unfold(
        (Some(hello), rx, ticker, feed.closing()),
        |(first, mut rx, mut ticker, mut closing)| async move {
            if let Some(hello) = first {
                return Some((
                    Ok::<_, actix_web::Error>(hello),
                    (None, rx, ticker, closing),
                ));
            }
            let next = tokio::select! {
                // Too far behind (or shutting down): end the stream; the browser reconnects and reloads.
                frame = rx.recv() => frame.ok(),
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
