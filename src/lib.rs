//! smartmon: a monitor and operator console for Linux hosts and their systemd services.
//!
//! Where to look: `startup` builds the server that `main` runs; `web::routes` is the whole HTTP surface;
//! `config` lists every setting; `auth` is access control (identities, sessions, CSRF, rate limits); `db` owns the connection and migrations (schema in the `migration` crate).

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod healthcheck;
pub mod net;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
