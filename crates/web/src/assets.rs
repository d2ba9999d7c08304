//! Static files (vendored front-end packages and our own CSS/JS), embedded in the
//! binary so a deployment is one file and needs no CDN.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "static/"]
struct Static;

pub async fn serve(Path(path): Path<String>) -> Response {
    match Static::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                // Names do not carry versions, so allow a day, not forever.
                (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            ],
            file.data,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A static file's bytes, for handlers that serve one under another name.
pub fn file(path: &str) -> Option<axum::body::Bytes> {
    Static::get(path).map(|f| axum::body::Bytes::from(f.data.into_owned()))
}
