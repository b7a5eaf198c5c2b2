//! The HTTP server's settings: where it listens, how many workers, the largest body it accepts.

use std::net::IpAddr;

use crate::vars::{SettingsError, Vars};

#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `GUI_BIND`: the address the console listens on.
    pub bind: IpAddr,
    /// `GUI_PORT`: the port the console listens on (0 picks a free one).
    pub port: u16,
    /// `SMARTMON_MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `GUI_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: usize,
    /// `SMARTMON_STREAMS_PER_USER`: live streams (open pages) one user may hold in this process.
    pub streams_per_user: usize,
}

impl HttpSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        Ok(Self {
            bind: vars.parsed(
                "GUI_BIND",
                "an IP address such as 127.0.0.1 or 0.0.0.0",
                || IpAddr::from([127, 0, 0, 1]),
            )?,
            port: vars.number("GUI_PORT", 5003, 0..=65535)?,
            max_body_bytes: vars.number("SMARTMON_MAX_BODY_BYTES", 64 * 1024, 1024..=16 << 20)?,
            workers: vars.number(
                "GUI_WORKERS",
                std::thread::available_parallelism().map_or(2, |n| n.get()),
                1..=256,
            )?,
            streams_per_user: vars.number(
                "SMARTMON_STREAMS_PER_USER",
                crate::web::stream_limits::MAX_PER_USER,
                1..=100_000,
            )?,
        })
    }
}
