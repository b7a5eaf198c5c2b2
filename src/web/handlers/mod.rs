//! Request handlers, one module per area of the console.

pub mod home;
pub mod ops;
