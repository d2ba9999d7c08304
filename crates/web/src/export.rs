//! Lists as Excel workbooks: `?format=xlsx` on a list API answers the whole list (every
//! page, with the same filters and the same reader's rights) as a workbook with a
//! title, the filters, the total, and one row per item. Rows are read a chunk at a time
//! and written by a blocking thread as they arrive, so neither side holds the list.

mod sheets;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::{Error, FieldError, FieldErrors};
use qiaolian_office::export::{Cell, Column, MAX_ROWS, WriteError, Writer};
use tokio::sync::mpsc;

use crate::AppState;
use crate::api::ApiJson;
use crate::ctx::RequestInfo;
use crate::error::ApiError;
use crate::i18n::{self, Locale};

pub use sheets::ledger;

/// The format a list answers in.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` for the whole list (every page) as an Excel workbook, at most 200,000
    /// rows; `json` (the default) for one page.
    pub format: Option<String>,
}

/// The workbook an export answers (`application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(#[expect(dead_code)] Vec<u8>);

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A list's rows as a sheet: its title, its columns and each item's cells, in the
/// reader's language.
pub trait Sheet: Send + 'static {
    /// Catalog key of the sheet's title (the list page's heading).
    const TITLE: &'static str;
    /// The file's name before the day, in ASCII.
    const FILE: &'static str;
    fn columns(l: Locale) -> Vec<Column>;
    fn cells(&self, l: Locale) -> Vec<Cell>;
}

/// What a list request asks of its answer: one page as JSON, or the whole list as a
/// workbook, with what the workbook says above its rows.
pub struct Export {
    pub xlsx: bool,
    pub locale: Locale,
    /// The request's filters (paging and format aside), as `key=value` pairs.
    pub filters: Vec<(String, String)>,
    pub reader: Option<qiaolian_core::account::Account>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Export {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let info = parts.extensions.get::<RequestInfo>();
        let locale = info.map_or(Locale::ZhCn, |i| i.locale);
        let reader = info.and_then(|i| i.account.clone());
        let mut format = None;
        let mut filters = Vec::new();
        for (k, v) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            match &*k {
                "format" => format = Some(v.into_owned()),
                "page" | "per_page" => {}
                _ if v.trim().is_empty() => {}
                _ => filters.push((k.into_owned(), v.into_owned())),
            }
        }
        let xlsx = match format.as_deref().map(str::trim) {
            None | Some("" | "json") => false,
            Some("xlsx") => true,
            Some(_) => {
                let e = Error::Invalid(FieldErrors::from([(
                    "format",
                    FieldError::new("unknown_format"),
                )]));
                return Err(i18n::LOCALE.sync_scope(locale, || ApiError(e).into_response()));
            }
        };
        Ok(Export {
            xlsx,
            locale,
            filters,
            reader,
        })
    }
}

/// How many items of a list are read at a time for a workbook.
const CHUNK: u32 = 2_000;

/// A list's page as JSON, or with `format=xlsx` the whole list as a workbook: its
/// pages read in turn by `fetch` (the same core call, so the same filters and rights).
pub async fn list<T, F, Fut>(
    state: &AppState,
    x: Export,
    page: PageRequest,
    mut fetch: F,
) -> Result<Response, ApiError>
where
    T: Sheet + serde::Serialize,
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, Error>>,
{
    if !x.xlsx {
        return Ok(ApiJson(fetch(page).await?).into_response());
    }
    let limit = state.config.export_limit();
    let first = fetch(PageRequest::chunk(1, CHUNK)).await?;
    if first.total > limit as i64 {
        return Err(too_large(limit));
    }
    let l = x.locale;
    let title = i18n::t(l, T::TITLE);
    let notes = notes(state, &x, Some(first.total)).await;
    let columns = T::columns(l);
    let (send, job) = writer(title, notes, columns);
    let total = first.total;
    let mut items = first.items;
    let mut written = 0_i64;
    let mut next = 2;
    loop {
        if items.is_empty() {
            break;
        }
        written += items.len() as i64;
        let rows = items.iter().map(|i| Line::Row(i.cells(l))).collect();
        if send.send(rows).await.is_err() {
            break;
        }
        if written >= total {
            break;
        }
        items = fetch(PageRequest::chunk(next, CHUNK)).await?.items;
        next += 1;
    }
    drop(send);
    finish(job, T::FILE, title).await
}

/// A line of a workbook: a group's heading or an item's row.
pub enum Line {
    Group(usize, String),
    Row(Vec<Cell>),
}

type Job = tokio::task::JoinHandle<Result<Vec<u8>, WriteError>>;

/// A thread writing a workbook from the lines it is sent.
pub(crate) fn writer(
    title: &str,
    notes: Vec<String>,
    columns: Vec<Column>,
) -> (mpsc::Sender<Vec<Line>>, Job) {
    let (send, mut receive) = mpsc::channel::<Vec<Line>>(2);
    let title = title.to_owned();
    let job = tokio::task::spawn_blocking(move || {
        let mut w = Writer::new(&title, &title, &notes, &columns)?;
        while let Some(lines) = receive.blocking_recv() {
            for line in lines {
                match line {
                    Line::Group(level, text) => w.group(level, &text)?,
                    Line::Row(cells) => w.row(cells)?,
                }
            }
        }
        w.finish()
    });
    (send, job)
}

/// The workbook as a download named by its title and today.
pub(crate) async fn finish(job: Job, file: &str, title: &str) -> Result<Response, ApiError> {
    let bytes = match job.await {
        Ok(Ok(b)) => b,
        Ok(Err(WriteError::TooManyRows)) => return Err(too_large(MAX_ROWS)),
        Ok(Err(e)) => return Err(ApiError(Error::Other(e.to_string()))),
        Err(e) => return Err(ApiError(Error::Other(e.to_string()))),
    };
    let day = qiaolian_core::settings::today();
    let name: String =
        form_urlencoded::byte_serialize(format!("{title}-{day}.xlsx").as_bytes()).collect();
    let disposition = format!(
        "attachment; filename=\"{file}-{day}.xlsx\"; filename*=UTF-8''{}",
        name.replace('+', "%20")
    );
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Whether a request asks for a workbook from a browser (it takes HTML): one sent by an
/// export button, whose refusal the clerk must read as a page rather than as JSON.
pub(crate) fn from_browser(
    method: &axum::http::Method,
    uri: &axum::http::Uri,
    headers: &axum::http::HeaderMap,
) -> bool {
    let html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let xlsx = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .any(|(k, v)| k == "format" && v.trim() == "xlsx");
    method == axum::http::Method::GET && html && xlsx
}

/// A refused export (past the row limit, a filter the list does not take, a scope the
/// reader may not see) as a page in the reader's language, saying why, with a way back
/// to the list it came from.
pub(crate) fn refused_page(
    info: &RequestInfo,
    path: &str,
    refused: &Response,
    back: Option<&str>,
) -> Response {
    let status = refused.status();
    // Errors shaped by the router or an extractor say nothing more than "not understood".
    let fallback = || i18n::t(info.locale, "error.400.text");
    let text = refused
        .extensions()
        .get::<crate::error::ErrorText>()
        .map_or_else(fallback, |t| t.0.as_str());
    crate::pages::render_refusal(info, path, status, "export.refused", text, back)
}

fn too_large(limit: usize) -> ApiError {
    ApiError(Error::Invalid(FieldErrors::from([(
        "format",
        FieldError {
            code: "export_too_large",
            limit: Some(limit),
        },
    )])))
}

/// Parameters naming an organization, shown by its name.
const ORG_PARAMS: [&str; 8] = [
    "lead",
    "org",
    "with",
    "under",
    "parent",
    "party",
    "outlet",
    "mechanism",
];

/// The lines above the table: the filters in the reader's words, the total (when
/// known before the rows are read), and who exported it when.
pub(crate) async fn notes(state: &AppState, x: &Export, total: Option<i64>) -> Vec<String> {
    let l = x.locale;
    let mut shown = Vec::new();
    for (k, v) in &x.filters {
        let label = format!("export.param.{k}");
        let label = if i18n::has(&label) {
            i18n::t(l, &label)
        } else {
            k.as_str()
        };
        let value = match (ORG_PARAMS.contains(&k.as_str()), v.parse::<i64>()) {
            (true, Ok(id)) => org_name(state, x, id).await.unwrap_or_else(|| v.clone()),
            _ if k == "side" => side_name(state, l, v).await,
            _ if k == "colour" && i18n::has(&format!("colour.{v}")) => {
                i18n::t(l, &format!("colour.{v}")).to_owned()
            }
            _ => match i18n::has(&format!("export.value.{v}")) {
                true => i18n::t(l, &format!("export.value.{v}")).to_owned(),
                false => v.clone(),
            },
        };
        shown.push(format!("{label}：{value}"));
    }
    let filters = if shown.is_empty() {
        i18n::t(l, "export.no_filter").to_owned()
    } else {
        shown.join("；")
    };
    let mut notes = vec![format!("{}{filters}", i18n::t(l, "export.filters"))];
    if let Some(n) = total {
        notes.push(i18n::tn(l, "export.total", n));
    }
    let now = crate::pages::local(&chrono::Utc::now()).format("%Y-%m-%d %H:%M");
    notes.push(
        i18n::t(l, "export.made")
            .replace("{time}", &now.to_string())
            .replace("{who}", x.reader.as_ref().map_or("", |a| &a.display_name)),
    );
    notes
}

/// An organization's name, read by the reader's rights (one it may not see shows as
/// the number it typed).
async fn org_name(state: &AppState, x: &Export, id: i64) -> Option<String> {
    let actor = x.reader.as_ref()?.actor();
    qiaolian_core::org::get(&state.db, &actor, qiaolian_core::org::OrgId(id))
        .await
        .ok()
        .map(|o| o.name)
}

/// A side's name by its code (the code itself if no side has it).
async fn side_name(state: &AppState, l: Locale, code: &str) -> String {
    let sides = qiaolian_core::side::list(&state.db)
        .await
        .unwrap_or_default();
    sides
        .iter()
        .find(|s| s.code == code)
        .map_or_else(|| code.to_owned(), |s| s.name(l == Locale::En).to_owned())
}
