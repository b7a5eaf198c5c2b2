//! Who the caller is once resolved: `CurrentUser` (with how they proved it, `Via`), or why not (`Resolved`).

use crate::auth::Role;

/// How the user proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Basic,
    Cloudflare,
    ProxyHeader,
    ApiKey,
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub username: String,
    pub role: Role,
    pub via: Via,
    /// The token forms and HTMX must send back on state-changing requests.
    pub csrf_token: String,
    /// The session row id (a hash), for logout and password changes.
    pub session_id: Option<String>,
    /// The SSO groups the trusted proxy's groups header or the Cloudflare Access token named for this
    /// request (lower case); empty for every other way in. Grants to a group apply while it is here.
    pub groups: Vec<String>,
}

/// The outcome of looking at a request's credentials.
#[derive(Debug)]
pub enum Resolved {
    User(CurrentUser),
    Anonymous,
    /// Credentials were presented and are wrong: 401 (or 403 for a refused SSO identity) with this message.
    Refused {
        forbidden: bool,
        message: String,
    },
    /// Too many wrong credentials from this client: 429 with `Retry-After`, whatever it sent this time.
    Throttled {
        message: String,
        retry_after_secs: u64,
    },
    /// The credentials cannot be checked because the database does not answer: 503, not a refusal.
    Unavailable,
}

impl Resolved {
    pub(crate) fn refused(message: &str) -> Self {
        Resolved::Refused {
            forbidden: false,
            message: message.into(),
        }
    }

    pub(crate) fn forbidden(message: &str) -> Self {
        Resolved::Refused {
            forbidden: true,
            message: message.into(),
        }
    }
}
