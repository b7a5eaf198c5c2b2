//! The HTTP surface: the route table (`routes`), handlers by area, maud views, embedded assets.

pub mod assets;
pub mod chrome;
pub mod handlers;
pub mod live_feed;
pub mod middleware;
pub mod params;
pub mod routes;
mod settings;
pub mod views;

pub use settings::HttpSettings;
