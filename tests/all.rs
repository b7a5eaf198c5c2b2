//! The black-box integration suite: one binary (one link) for every area. Each test that touches the
//! database runs twice, against SQLite and against Postgres (`both_backends!`).

#![cfg(unix)] // the suite drives Linux hosts (D-Bus, procfs) and runs the Windows agent under Wine from here

mod support;

mod access;
mod api;
mod api_openapi;
mod auth_api;
mod auth_cli;
mod auth_limits;
mod auth_login;
mod auth_memory;
mod auth_replicas;
mod auth_setup;
mod auth_sso;
mod bad_input;
mod collector_buffer;
mod collector_checks;
mod collector_cli;
mod collector_live;
mod collector_metrics;
mod collector_service_modes;
mod collector_service_scope;
mod collector_services;
mod collector_smart;
mod console;
mod db_outage;
mod deployment;
mod fake_systemd_double;
mod fleet_health;
mod foundation;
mod lifecycle;
mod lifecycle_agent_role;
mod lifecycle_concurrency;
mod lifecycle_job;
mod lifecycle_postgres;
mod live;
mod live_streams;
mod memory_reads;
mod metrics_exposition;
mod notify_admin;
mod notify_channels;
mod notify_core;
mod notify_email;
mod notify_noise;
mod notify_presets;
mod notify_recurring;
mod notify_repeat;
mod postgres_tls;
mod restart_auto;
mod restart_dry_run;
mod restart_gates;
mod restart_helper;
mod restart_local;
mod restart_remote;
mod restart_replicas;
mod unit_actions;
mod unit_actions_remote;
mod unit_logs;
mod unit_logs_live;
mod windows_agent;
mod windows_restart;
mod windows_service;
