//! Static assets embedded in the binary and served under content-hashed names with year-long caching.
//!
//! Pages link `asset_url("app.css")`, which yields `/assets/app.<hash>.css`; a new build with changed
//! content changes the name, so browsers never hold a stale copy. The plain name is also served, with
//! a short cache, for anything that links it directly.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/app.js"),
    },
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/vendor/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "htmx-ext-sse.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../assets/vendor/htmx-ext-sse-2.2.4.min.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../assets/favicon.svg"),
    },
];

/// `(hashed name, index into ASSETS)`, computed once.
fn hashed_names() -> &'static [(String, usize)] {
    static NAMES: OnceLock<Vec<(String, usize)>> = OnceLock::new();
    NAMES.get_or_init(|| {
        ASSETS
            .iter()
            .enumerate()
            .map(|(i, asset)| {
                let digest = hex::encode(&Sha256::digest(asset.bytes)[..5]);
                let (stem, ext) = asset.name.rsplit_once('.').unwrap_or((asset.name, ""));
                (format!("{stem}.{digest}.{ext}"), i)
            })
            .collect()
    })
}

/// The URL to link for an embedded asset; panics in debug builds on a name that is not embedded.
pub(crate) fn asset_url(name: &str) -> String {
    let found = hashed_names()
        .iter()
        .find(|(_, i)| ASSETS[*i].name == name)
        .map(|(hashed, _)| format!("/assets/{hashed}"));
    debug_assert!(found.is_some(), "asset {name} is not embedded");
    found.unwrap_or_else(|| format!("/assets/{name}"))
}

/// `GET /assets/{file}`.
pub async fn serve(req: HttpRequest, file: web::Path<String>) -> HttpResponse {
    let file = file.into_inner();
    let (asset, immutable) = match hashed_names().iter().find(|(hashed, _)| *hashed == file) {
        Some((_, i)) => (&ASSETS[*i], true),
        None => match ASSETS.iter().find(|a| a.name == file) {
            Some(asset) => (asset, false),
            None => {
                return HttpResponse::NotFound()
                    .content_type("text/plain; charset=utf-8")
                    .body(format!("no asset named {file:?}"));
            }
        },
    };
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(asset.bytes)[..8]));
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let not_modified = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag));
    if not_modified {
        return response.finish();
    }
    response.content_type(asset.content_type).body(asset.bytes)
}
