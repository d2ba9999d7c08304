//! Stored files: reading uploads and downloading, checked against their owner.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use qiaolian_core::access::Actor;
use qiaolian_core::file::{AttachmentId, Upload};
use qiaolian_core::{Db, Error};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// The upload back when its sender may make it; otherwise the refusal, answered once the
/// body has arrived — read chunk by chunk and dropped, never held or parsed, within the
/// route's body limit. A server that answers while the client is still sending closes
/// the connection on unread data, and the client, still writing, meets a broken pipe
/// instead of the answer: a refusal must reach the user as itself.
pub async fn unless_refused(
    mut form: Multipart,
    may: Result<(), Error>,
) -> Result<Multipart, Error> {
    if let Err(refusal) = may {
        while let Ok(Some(mut field)) = form.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
        return Err(refusal);
    }
    Ok(form)
}

/// Reads the uploaded files of a multipart body (field `file`) and its text fields as a
/// form `T`, repeated keys as lists, as an urlencoded form of the same fields would be.
pub async fn read_multipart<T: DeserializeOwned>(
    mut form: Multipart,
) -> Result<(Vec<Upload>, T), Error> {
    let mut files = Vec::new();
    let mut fields = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| Error::field("file", "bad_upload"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let mime = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let content = field
                    .bytes()
                    .await
                    .map_err(|_| Error::field("file", "file_too_large"))?
                    .to_vec();
                if !file_name.is_empty() || !content.is_empty() {
                    files.push(Upload {
                        file_name,
                        mime,
                        content,
                    });
                }
            }
            None => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| Error::field("file", "bad_upload"))?;
                fields.push((name, text));
            }
        }
    }
    // Encoded after the loop: the serializer may not be held across an await.
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let fields =
        serde_html_form::from_str(&encoded).map_err(|_| Error::field("file", "bad_upload"))?;
    Ok((files, fields))
}

/// Download a stored file, if the caller may read what it belongs to.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "agreements", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(&state.db, &user.actor(), AttachmentId(id)).await?)
}

/// A stored file as a download, if the reader may read what it belongs to.
pub async fn file_response(db: &Db, actor: &Actor, id: AttachmentId) -> Result<Response, Error> {
    let d = qiaolian_core::kinds::download(db, actor, id).await?;
    let name: String = form_urlencoded::byte_serialize(d.attachment.file_name.as_bytes()).collect();
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, d.attachment.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{name}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        d.content,
    )
        .into_response())
}
