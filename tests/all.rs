//! The black-box integration suite: one binary (one link) for every area. Each test that touches the
//! database runs twice, against SQLite and against Postgres (`both_backends!`).

mod support;

mod collector_services;
mod foundation;
