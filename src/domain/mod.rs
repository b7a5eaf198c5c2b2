//! Pure domain types whose `parse()` is the only way in: unit names, service states, host names, and the
//! approved-services policy.

pub mod approved;
mod hostname;
pub mod service_state;
mod unit_name;

pub use approved::ApprovedServices;
pub use hostname::Hostname;
pub use service_state::ServiceState;
pub use unit_name::UnitName;

/// Why a value was refused; the message is safe to show to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
