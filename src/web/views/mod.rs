//! maud views: the layout, shared components, and one module per page. Partials are plain
//! `fn(...) -> Markup`; a page wraps the same partial that HTMX requests on its own.

pub mod auth;
pub mod errors;
pub mod home;
pub mod layout;
pub mod users;
