//! Request handlers, one module per area of the console.

pub mod api;
pub mod auth;
pub mod home;
pub mod ops;
pub mod users;
