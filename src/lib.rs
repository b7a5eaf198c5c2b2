//! smartmon: a monitor and operator console for Linux hosts and their systemd services.
//!
//! Where to look: `startup` builds the server that `main` runs; `web::routes` is the whole HTTP surface;
//! `live_state` holds every unit's latest state in memory for the live pages;
//! `config` lists every setting; `auth` is access control (identities, sessions, CSRF, rate limits); `db` owns
//! the connection and migrations (schema in the `migration` crate); `collector` gathers metrics, services,
//! SMART and checks; `lifecycle` keeps history bounded (retention, rollups, partitions); `live` carries change
//! events; `systemd` talks D-Bus; `restart` is the restart workflow (gates, executor, remote queue, helper,
//! auto-remediation).

pub mod auth;
pub mod cli;
pub mod clock;
pub mod collector;
pub mod config;
pub mod db;
pub mod domain;
pub mod healthcheck;
pub mod lifecycle;
pub mod live;
pub mod live_state;
pub mod net;
pub mod restart;
pub mod site;
pub mod startup;
pub mod systemd;
pub mod telemetry;
pub mod units;
pub mod vars;
pub mod web;
