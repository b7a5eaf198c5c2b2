//! maud views: the layout, shared components, and one module per page. Partials are plain
//! `fn(...) -> Markup`; a page wraps the same partial that HTMX requests on its own.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod charts;
pub mod checks;
pub mod components;
pub mod data;
pub mod disks;
pub mod errors;
pub mod grants;
pub mod hosts;
pub mod journal;
pub mod layout;
pub mod notification_form;
pub mod notification_silences;
pub mod notifications;
pub mod overview;
pub mod restart;
pub mod service_detail;
pub mod services;
pub mod users;
