//! Pure domain types whose `parse()` is the only way in: unit names, service states, host names, restart
//! and alert vocabularies, and the approved-services policy. The ones the database stores carry their
//! sea-orm column mapping (`DeriveActiveEnum`, `DeriveValueType`), so `db/` reads and writes them typed
//! and a stored value outside the vocabulary is a read error, never silently something else.

pub mod approved;
mod audit_action;
pub mod grant;
mod hostname;
pub mod notify_route;
mod password_hash;
mod restart_state;
mod role;
pub mod service_state;
mod severity;
mod unit_action;
mod unit_name;
pub mod weekly_window;
pub mod windows_service;

pub use approved::ApprovedServices;
pub use audit_action::AuditAction;
pub use grant::{Grant, Permission};
pub use hostname::Hostname;
pub use notify_route::{AlertKind, NotifyRoute};
pub use password_hash::PasswordHash;
pub use restart_state::RestartState;
pub use role::Role;
pub use service_state::ServiceState;
pub use severity::Severity;
pub use unit_action::UnitAction;
pub use unit_name::{NameRules, UnitName};
pub use weekly_window::{Occurrence, WeeklyWindow};

/// Why a value was refused; the message is safe to show to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
