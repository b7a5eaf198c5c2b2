//! The black-box integration suite: one binary (one link) for every area. Each test that touches the
//! database runs twice, against SQLite and against Postgres (`both_backends!`).

mod support;

mod collector_buffer;
mod collector_checks;
mod collector_cli;
mod collector_live;
mod collector_metrics;
mod collector_service_modes;
mod collector_service_scope;
mod collector_services;
mod collector_smart;
mod fake_systemd_double;
mod foundation;
