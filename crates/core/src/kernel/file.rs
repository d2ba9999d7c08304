//! Stored files (agreement scans, evidence, minutes): kept in the database,
//! content-addressed by SHA-256 so backups and replicas carry them and a file
//! uploaded twice is stored once.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::account::AccountId;
use crate::db::Tx;
use crate::error::{Error, FieldError, Result};
use crate::on;

id_type!(AttachmentId);

/// Largest file accepted, in bytes.
pub const MAX_FILE: usize = 20 * 1024 * 1024;

/// A file as uploaded, before it is stored.
#[derive(Clone, Debug)]
pub struct Upload {
    pub file_name: String,
    pub mime: String,
    pub content: Vec<u8>,
}

impl Upload {
    /// Checks name and size; the name loses any path a browser sent along.
    pub fn check(&self) -> Result<(), FieldError> {
        if self.content.is_empty() {
            return Err(FieldError::new("empty_file"));
        }
        if self.content.len() > MAX_FILE {
            return Err(FieldError {
                code: "file_too_large",
                limit: Some(MAX_FILE / 1024 / 1024),
            });
        }
        Ok(())
    }

    fn clean_name(&self) -> String {
        let base = self
            .file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .trim();
        let name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
        if name.is_empty() {
            "file".to_owned()
        } else {
            name
        }
    }
}

/// A stored file linked to a record.
#[derive(Clone, Debug, serde::Deserialize, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Attachment {
    pub id: AttachmentId,
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub created_at: DateTime<Utc>,
}

/// Stores the file (once per content) and links it to `owner_kind`/`owner_id`.
pub async fn attach(
    tx: &mut Tx,
    owner_kind: &str,
    owner_id: i64,
    upload: &Upload,
    by: AccountId,
) -> Result<AttachmentId> {
    upload
        .check()
        .map_err(|e| Error::Invalid([("file", e)].into()))?;
    let sha = format!("{:x}", Sha256::digest(&upload.content));
    let now = crate::now();
    let size = i64::try_from(upload.content.len()).unwrap_or(i64::MAX);
    on!(&mut *tx, |c| {
        sqlx::query("insert into file (sha256, size, content, created_at) values ($1, $2, $3, $4) on conflict (sha256) do nothing")
            .bind(&sha)
            .bind(size)
            .bind(&upload.content)
            .bind(now)
            .execute(c)
            .await?;
    });
    let mime = if upload.mime.trim().is_empty() {
        "application/octet-stream".to_owned()
    } else {
        upload.mime.chars().take(100).collect()
    };
    let id = on!(&mut *tx, |c| {
        sqlx::query_scalar(
            "insert into attachment (owner_kind, owner_id, sha256, file_name, mime, uploaded_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
        )
        .bind(owner_kind)
        .bind(owner_id)
        .bind(&sha)
        .bind(upload.clean_name())
        .bind(&mime)
        .bind(by)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    Ok(id)
}

pub async fn list(
    tx: &mut Tx,
    owner_kind: &str,
    owner_ids: &[i64],
) -> Result<Vec<(i64, Attachment)>> {
    if owner_ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids as parameters, not inlined: each text is a prepared statement in every
    // connection's cache, and one per set of ids pushed the server's own statements out.
    let mut q = crate::sql::Sql::new(
        "select a.owner_id, a.id, a.sha256, a.file_name, a.mime, f.size, a.created_at
         from attachment a join file f on f.sha256 = a.sha256 where a.owner_kind = ",
    );
    q.bind(owner_kind)
        .push(" and a.owner_id in ")
        .bind_list(owner_ids.iter().copied())
        .push(" order by a.id");
    let rows: Vec<AttachmentRow> = q.all(tx).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.owner_id, r.attachment))
        .collect())
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    owner_id: i64,
    #[sqlx(flatten)]
    attachment: Attachment,
}

/// A stored file with what it belongs to; read through `kinds::download`, which
/// checks the owner first.
#[derive(sqlx::FromRow)]
pub struct Download {
    pub owner_kind: String,
    pub owner_id: i64,
    #[sqlx(flatten)]
    pub attachment: Attachment,
    pub content: Vec<u8>,
}
