//! Cloudflare Access: verifies the `Cf-Access-Jwt-Assertion` JWT (RS256) against the team's signing keys,
//! fetched from its certs URL and cached; refreshed when stale and, at most every 30 s, when a token names
//! a key id the cache does not hold (Cloudflare rotates keys). `aud`, `iss`, `exp` and `nbf` are checked,
//! the times against the application clock.

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::auth::settings::CloudflareSettings;
use crate::clock::Clock;
use crate::domain::grant::parse_groups;

pub const HEADER: &str = "cf-access-jwt-assertion";
const LEEWAY_SECS: f64 = 30.0;
const FORCED_REFRESH_MIN_SECS: f64 = 30.0;

pub struct CloudflareVerifier {
    settings: CloudflareSettings,
    groups_claim: String,
    clock: Clock,
    client: reqwest::Client,
    keys: Mutex<KeyCache>,
}

#[derive(Default)]
struct KeyCache {
    set: Option<JwkSet>,
    fetched_at: f64,
    last_attempt: f64,
}

#[derive(Debug, Deserialize)]
struct Claims {
    exp: f64,
    #[serde(default)]
    nbf: Option<f64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    common_name: Option<String>,
    /// Every other claim: the groups claim (`SMARTMON_SSO_GROUPS_CLAIM`) is looked up here.
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

impl Claims {
    /// The groups the configured claim names: a list of strings, or one string of names.
    fn groups(&self, claim: &str) -> Vec<String> {
        match self.rest.get(claim) {
            Some(serde_json::Value::String(text)) => parse_groups(text),
            Some(serde_json::Value::Array(items)) => {
                let names: Vec<&str> = items.iter().filter_map(|v| v.as_str()).collect();
                parse_groups(&names.join(","))
            }
            _ => Vec::new(),
        }
    }
}

impl CloudflareVerifier {
    pub fn new(
        settings: CloudflareSettings,
        groups_claim: String,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            settings,
            groups_claim,
            clock,
            client: crate::net::http_client(Duration::from_secs(5))?,
            keys: Mutex::new(KeyCache::default()),
        })
    }

    /// The identity (email, or a service token's common name) and groups in a valid token; otherwise
    /// why not.
    pub async fn verify(&self, token: &str) -> Result<(String, Vec<String>), String> {
        let header = decode_header(token).map_err(|e| format!("malformed token: {e}"))?;
        if header.alg != Algorithm::RS256 {
            return Err(format!("unexpected algorithm {:?}", header.alg));
        }
        let kid = header.kid.ok_or("the token names no key id")?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_required_spec_claims(&["exp", "aud", "iss"]);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = decode::<Claims>(token, &key, &validation)
            .map_err(|e| format!("rejected token: {e}"))?
            .claims;
        let now = self.clock.now();
        if claims.exp + LEEWAY_SECS < now {
            return Err("expired token".into());
        }
        if claims.nbf.is_some_and(|nbf| nbf - LEEWAY_SECS > now) {
            return Err("token not valid yet".into());
        }
        let groups = claims.groups(&self.groups_claim);
        let identity = claims
            .email
            .or(claims.common_name)
            .map(|id| id.trim().to_lowercase())
            .filter(|id| !id.is_empty())
            .ok_or("the token names no identity")?;
        Ok((identity, groups))
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, String> {
        let now = self.clock.now();
        let mut cache = self.keys.lock().await;
        let stale = now - cache.fetched_at > self.settings.refresh.as_secs_f64();
        let known = cache.set.as_ref().and_then(|s| s.find(kid)).is_some();
        let may_force = now - cache.last_attempt >= FORCED_REFRESH_MIN_SECS;
        if cache.set.is_none() || stale || (!known && may_force) {
            cache.last_attempt = now;
            match self.fetch().await {
                Ok(set) => {
                    cache.set = Some(set);
                    cache.fetched_at = now;
                }
                Err(err) => {
                    tracing::warn!(error = %err, url = %self.settings.certs_url, "cannot fetch Cloudflare Access keys")
                }
            }
        }
        let set = cache
            .set
            .as_ref()
            .ok_or("the team's signing keys could not be fetched")?;
        let jwk = set
            .find(kid)
            .ok_or_else(|| format!("unknown key id {kid:?}"))?;
        DecodingKey::from_jwk(jwk).map_err(|e| format!("unusable key {kid:?}: {e}"))
    }

    async fn fetch(&self) -> anyhow::Result<JwkSet> {
        let response = self
            .client
            .get(&self.settings.certs_url)
            .send()
            .await?
            .error_for_status()?;
        Ok(response.json::<JwkSet>().await?)
    }
}
