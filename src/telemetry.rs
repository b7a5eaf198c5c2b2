//! Tracing setup: `LOG_LEVEL` filters, `LOG_FORMAT` chooses human text or one JSON object per line.

use tracing_subscriber::EnvFilter;

use crate::vars::{SettingsError, Vars};

/// Installs the global subscriber; a second call (tests start many apps) is a no-op.
pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder.compact().try_init()
    };
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    /// `LOG_LEVEL`: `ERROR`, `WARNING`, `INFO`, `DEBUG`, `TRACE`, or a tracing filter such as `smartmon=debug`.
    pub filter: String,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub json: bool,
}

impl LogSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        Ok(Self {
            filter: log_filter(vars.text("LOG_LEVEL").as_deref().unwrap_or("INFO")),
            json: match vars.text("LOG_FORMAT").as_deref() {
                None | Some("text") => false,
                Some("json") => true,
                Some(other) => {
                    return Err(SettingsError::new(
                        "LOG_FORMAT",
                        format!("expected text or json, got {other:?}"),
                    ));
                }
            },
        })
    }
}

/// Maps the deployment spec's Python-style levels onto a tracing filter; anything else passes through.
fn log_filter(level: &str) -> String {
    let directive = match level.to_ascii_uppercase().as_str() {
        "CRITICAL" | "ERROR" => "error",
        "WARNING" | "WARN" => "warn",
        "INFO" => "info",
        "DEBUG" => "debug",
        "TRACE" => "trace",
        _ => return level.to_owned(),
    };
    format!("{directive},sqlx=warn,sea_orm=warn,zbus=warn")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_style_log_levels_are_understood() {
        assert!(log_filter("WARNING").starts_with("warn,"));
        assert_eq!(log_filter("smartmon=debug"), "smartmon=debug");
    }
}
