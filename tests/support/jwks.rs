//! A stand-in for Cloudflare Access's certs endpoint: locally generated RSA keys (openssl), a JWKS served
//! over HTTP on loopback exactly as `https://<team>/cdn-cgi/access/certs` serves it, and signed tokens.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;

pub const TEAM: &str = "smartmon-test.cloudflareaccess.com";
pub const AUD: &str = "0123456789abcdef-test-audience";

/// An RSA signing key with its key id.
pub struct SigningKey {
    pub kid: String,
    key: EncodingKey,
}

impl SigningKey {
    /// A fresh 2048-bit key from `openssl genrsa`.
    pub fn generate(kid: &str) -> SigningKey {
        let dir = tempfile::tempdir().expect("tempdir");
        let pem = dir.path().join("key.pem");
        let der = dir.path().join("key.der");
        let ok = Command::new("openssl")
            .args(["genrsa", "-traditional", "-out"])
            .arg(&pem)
            .arg("2048")
            .output()
            .expect("openssl genrsa");
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let ok = Command::new("openssl")
            .args(["rsa", "-traditional", "-outform", "DER", "-in"])
            .arg(&pem)
            .arg("-out")
            .arg(&der)
            .output()
            .expect("openssl rsa");
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        let bytes = std::fs::read(&der).expect("read key");
        SigningKey {
            kid: kid.to_owned(),
            key: EncodingKey::from_rsa_der(&bytes),
        }
    }

    /// The public half as a JWK with this key's id.
    pub fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.key, Algorithm::RS256).expect("jwk");
        jwk.common.key_id = Some(self.kid.clone());
        jwk
    }

    /// A token signed by this key, naming `kid` (normally its own) in the header.
    pub fn sign(&self, kid: &str, claims: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        encode(&header, claims, &self.key).expect("sign")
    }
}

/// Claims as Cloudflare Access issues them, valid for the next hour.
pub fn claims(email: &str) -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp();
    json!({
        "aud": [AUD],
        "email": email,
        "exp": now + 3600,
        "iat": now,
        "nbf": now,
        "iss": format!("https://{TEAM}"),
        "type": "app",
        "sub": "7335d417-61da-459d-899c-0a01c76a2f94",
    })
}

/// The certs endpoint: serves whatever keys the test put there, counting fetches.
pub struct JwksServer {
    pub url: String,
    keys: Arc<Mutex<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
    handle: actix_web::dev::ServerHandle,
}

impl JwksServer {
    pub async fn start(keys: Vec<Jwk>) -> JwksServer {
        let keys = Arc::new(Mutex::new(keys));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (k, f) = (keys.clone(), fetches.clone());
        let server = HttpServer::new(move || {
            let (k, f) = (k.clone(), f.clone());
            App::new().route(
                "/cdn-cgi/access/certs",
                web::get().to(move || {
                    let (k, f) = (k.clone(), f.clone());
                    async move {
                        f.fetch_add(1, Ordering::SeqCst);
                        let set = JwkSet {
                            keys: k.lock().expect("keys").clone(),
                        };
                        HttpResponse::Ok().json(set)
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind jwks");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        JwksServer {
            url: format!("http://127.0.0.1:{port}/cdn-cgi/access/certs"),
            keys,
            fetches,
            handle,
        }
    }

    pub fn set_keys(&self, keys: Vec<Jwk>) {
        *self.keys.lock().expect("keys") = keys;
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        tokio::spawn(async move { handle.stop(false).await });
    }
}
