//! `service_current` (every unit's latest state) and `service_status` (the history of changes).

mod read;
mod write;

pub use read::*;
pub(crate) use write::*;
