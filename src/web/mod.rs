//! The HTTP surface: the route table (`routes`), access enforcement (`guard`, `identity`, `csrf`,
//! `limits`), handlers by area, maud views, embedded assets, the error pages (`error`) and the state every
//! handler shares (`state`). Everything that knows about HTTP lives here.

pub mod assets;
pub(crate) mod bad_input;
pub mod chrome;
pub mod client;
pub mod csrf;
pub(crate) mod delegation;
pub mod error;
pub mod guard;
pub mod handlers;
pub mod identity;
pub mod limits;
pub mod live_feed;
pub mod live_parts;
pub mod log_feed;
pub mod middleware;
pub mod params;
pub mod remote_log;
pub mod routes;
pub mod row_cache;
pub mod session_cookie;
mod settings;
pub mod state;
pub mod stream_limits;
pub mod views;

pub use settings::HttpSettings;
