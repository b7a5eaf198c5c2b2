//! smartmon: a monitor and operator console for Linux hosts and their systemd services (and, through the
//! same agent built for Windows, Windows hosts and their services).
//!
//! Where to look: `startup` builds the server that `main` runs; `web` is everything HTTP (`web::routes` is
//! the whole surface); `live_state` holds every unit's latest state in memory and follows `live`'s change
//! events itself; `auth` is access control without HTTP (identities, sessions, login, SSO); `restart` is
//! the restart workflow; `journal` reads this host's systemd journal; `notify` sends alert notifications from the outbox; `collector` gathers metrics, services, SMART and checks; `lifecycle` keeps history
//! bounded; `db` owns the connection, typed entities and queries; `domain` the parsed types. Settings:
//! each area reads its own (`vars` is the leaf they share), `site` is this host resolved once, and
//! `config` only puts them together.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod collector;
pub mod config;
pub mod db;
pub mod domain;
pub mod healthcheck;
pub mod journal;
pub mod lifecycle;
pub mod live;
pub mod live_state;
pub mod net;
pub mod notify;
pub mod restart;
pub mod site;
pub mod startup;
#[cfg(unix)]
pub mod systemd;
pub mod telemetry;
#[cfg(unix)]
pub mod units;
pub mod vars;
pub mod web;
#[cfg(windows)]
pub mod winsvc;
