//! Access-control settings: sessions, Basic Auth, SSO, trusted proxies and rate limits.

use std::time::Duration;

use crate::auth::proxies::TrustedProxies;
use crate::vars::{Secret, SettingsError, Vars};

#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// `SMARTMON_ADMIN_PASSWORD` / `_FILE`: with no users yet, creates `admin` with this password at start.
    pub admin_password: Option<Secret>,
    /// `SMARTMON_COOKIE_SECURE`: always mark the session cookie `Secure` (it is anyway over TLS).
    pub cookie_secure: bool,
    /// `SMARTMON_SESSION_IDLE_MINUTES`: a session unused this long ends.
    pub session_idle: Duration,
    /// `SMARTMON_SESSION_MAX_HOURS`: a session ends this long after login, used or not.
    pub session_lifetime: Duration,
    /// `SMARTMON_BASIC_AUTH`: accept HTTP Basic Auth against local users (scripts, the spec's option).
    pub basic_auth: bool,
    /// `TRUSTED_PROXIES`: peers (IPs or CIDRs) whose forwarded headers and SSO header are believed.
    pub trusted_proxies: TrustedProxies,
    pub sso: SsoSettings,
    pub limits: LimitSettings,
    /// `SMARTMON_LOGS_NEED_GRANT`: a viewer reads a unit's log only with a `logs` grant for it (off:
    /// every signed-in user reads every log, as before grants).
    pub logs_need_grant: bool,
}

#[derive(Debug, Clone)]
pub struct SsoSettings {
    /// `CF_ACCESS_TEAM_DOMAIN` + `CF_ACCESS_AUD`: verify Cloudflare Access JWTs when both are set.
    pub cloudflare: Option<CloudflareSettings>,
    /// `SSO_USER_HEADER`: the identity header set by a trusted auth proxy (`Remote-User`, `X-Forwarded-Email`).
    pub user_header: Option<String>,
    /// `SSO_ADMINS`, `SSO_OPERATORS`: identities (comma-separated) given those roles; others are viewers.
    pub admins: Vec<String>,
    pub operators: Vec<String>,
    /// `SMARTMON_SSO_GROUPS_HEADER` (default `Remote-Groups`): the trusted proxy's header naming the
    /// user's groups (comma or space separated); read only with a trusted `SSO_USER_HEADER`.
    pub groups_header: String,
    /// `SMARTMON_SSO_GROUPS_CLAIM` (default `groups`): the Cloudflare Access token's claim naming the
    /// user's groups (a list of strings, or one string separated like the header).
    pub groups_claim: String,
    /// `SSO_AUTO_CREATE`: create a local (password-less) account for an unknown SSO identity; false refuses it.
    pub auto_create: bool,
}

#[derive(Debug, Clone)]
pub struct CloudflareSettings {
    /// `https://<team>.cloudflareaccess.com`, the tokens' issuer.
    pub issuer: String,
    pub audience: String,
    /// `CF_ACCESS_CERTS_URL`: where the team's signing keys are (default `<issuer>/cdn-cgi/access/certs`).
    pub certs_url: String,
    /// `CF_ACCESS_JWKS_REFRESH_SECS`: how long fetched keys are trusted before they are fetched again.
    pub refresh: Duration,
}

#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// `SMARTMON_LOGIN_RATE_PER_MINUTE`: login attempts per client IP per minute (burst of the same size).
    pub login_per_ip_per_minute: u32,
    /// `SMARTMON_LOGIN_MAX_FAILURES`: failed logins to one account before backoff starts.
    pub login_max_failures: u32,
    /// `SMARTMON_LOGIN_BACKOFF_SECS`: the first backoff; it doubles per further failure, up to 15 minutes.
    pub login_backoff: Duration,
    /// `SMARTMON_API_RATE_PER_MINUTE`: `/api/` requests per API key or client IP per minute.
    pub api_per_minute: u32,
}

impl AuthSettings {
    pub(crate) fn from_vars(vars: &Vars) -> Result<Self, SettingsError> {
        let trusted_proxies = match vars.text("TRUSTED_PROXIES") {
            None => TrustedProxies::default(),
            Some(list) => TrustedProxies::parse(&list)
                .map_err(|bad| SettingsError::new("TRUSTED_PROXIES", bad))?,
        };
        Ok(Self {
            admin_password: vars.secret("SMARTMON_ADMIN_PASSWORD")?,
            cookie_secure: vars.flag("SMARTMON_COOKIE_SECURE", false)?,
            session_idle: Duration::from_secs(
                60 * vars.number("SMARTMON_SESSION_IDLE_MINUTES", 60u64, 1..=10_080)?,
            ),
            session_lifetime: Duration::from_secs(
                3600 * vars.number("SMARTMON_SESSION_MAX_HOURS", 12u64, 1..=720)?,
            ),
            basic_auth: vars.flag("SMARTMON_BASIC_AUTH", true)?,
            trusted_proxies,
            logs_need_grant: vars.flag("SMARTMON_LOGS_NEED_GRANT", false)?,
            sso: SsoSettings {
                cloudflare: cloudflare(vars)?,
                user_header: vars.text("SSO_USER_HEADER"),
                admins: list(vars, "SSO_ADMINS"),
                operators: list(vars, "SSO_OPERATORS"),
                groups_header: name_of(vars, "SMARTMON_SSO_GROUPS_HEADER", "Remote-Groups")?,
                groups_claim: name_of(vars, "SMARTMON_SSO_GROUPS_CLAIM", "groups")?,
                auto_create: vars.flag("SSO_AUTO_CREATE", true)?,
            },
            limits: LimitSettings {
                login_per_ip_per_minute: vars.number(
                    "SMARTMON_LOGIN_RATE_PER_MINUTE",
                    10,
                    1..=10_000,
                )?,
                login_max_failures: vars.number("SMARTMON_LOGIN_MAX_FAILURES", 5, 1..=1000)?,
                login_backoff: Duration::from_secs(vars.number(
                    "SMARTMON_LOGIN_BACKOFF_SECS",
                    30,
                    1..=900,
                )?),
                api_per_minute: vars.number("SMARTMON_API_RATE_PER_MINUTE", 300, 1..=1_000_000)?,
            },
        })
    }
}

fn list(vars: &Vars, name: &str) -> Vec<String> {
    vars.text(name)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A header or claim name: letters, digits, `-` and `_`.
fn name_of(vars: &Vars, var: &str, default: &str) -> Result<String, SettingsError> {
    let name = vars.text(var).unwrap_or_else(|| default.to_owned());
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(SettingsError::new(
            var,
            format!("expected a header or claim name (letters, digits, - and _), got {name:?}"),
        ))
    }
}

fn cloudflare(vars: &Vars) -> Result<Option<CloudflareSettings>, SettingsError> {
    let (team, audience) = match (
        vars.text("CF_ACCESS_TEAM_DOMAIN"),
        vars.text("CF_ACCESS_AUD"),
    ) {
        (None, None) => return Ok(None),
        (Some(team), Some(aud)) => (team, aud),
        (Some(_), None) => {
            return Err(SettingsError::new(
                "CF_ACCESS_AUD",
                "required with CF_ACCESS_TEAM_DOMAIN (the application's Audience tag)",
            ));
        }
        (None, Some(_)) => {
            return Err(SettingsError::new(
                "CF_ACCESS_TEAM_DOMAIN",
                "required with CF_ACCESS_AUD (e.g. myteam.cloudflareaccess.com)",
            ));
        }
    };
    let host = team
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    if host.is_empty() || host.contains(['/', ' ', '@']) {
        return Err(SettingsError::new(
            "CF_ACCESS_TEAM_DOMAIN",
            format!("expected a host name such as myteam.cloudflareaccess.com, got {team:?}"),
        ));
    }
    let issuer = format!("https://{host}");
    Ok(Some(CloudflareSettings {
        certs_url: vars
            .text("CF_ACCESS_CERTS_URL")
            .unwrap_or_else(|| format!("{issuer}/cdn-cgi/access/certs")),
        issuer,
        audience,
        refresh: Duration::from_secs(vars.number(
            "CF_ACCESS_JWKS_REFRESH_SECS",
            3600,
            10..=86_400,
        )?),
    }))
}
