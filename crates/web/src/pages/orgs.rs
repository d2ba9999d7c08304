//! Organization pages: list with filters, tree, detail, create, edit, archive.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::event::{Event, EventRole};
use qiaolian_core::org::{self, Org, OrgFilter, OrgId, OrgInput, OrgKind, OrgLevel};
use qiaolian_core::outcome::Visits;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::reference::{self, Country, Region};
use qiaolian_core::side::{self, Side};
use qiaolian_core::{Db, Error};
use serde::Deserialize;

use super::regions::RegionPicker;
use super::{FormErrors, PageResult, form_errors, is_htmx, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::{PageError, error_page};

#[derive(Template)]
#[template(path = "orgs/list.html")]
struct ListPage {
    ctx: Ctx,
    filter: OrgFilter,
    sides: Vec<Side>,
    countries: Vec<Country>,
    under: Option<Org>,
    may_create: bool,
    results: ListResults,
}

/// The result table; what htmx swaps in when the filters change.
#[derive(Template)]
#[template(path = "orgs/_results.html")]
struct ListResults {
    ctx: Ctx,
    page: Page<Org>,
    /// Query string of the filters, for the paging links.
    query: String,
    /// Listing associations: country, city, founding and members take the columns.
    associations: bool,
}

impl ListPage {
    fn selected(&self, current: &Option<String>, value: &str) -> &'static str {
        if current.as_deref() == Some(value) {
            "selected"
        } else {
            ""
        }
    }

    fn q(&self) -> &str {
        self.filter.q.as_deref().unwrap_or("")
    }
}

pub async fn list(
    ctx: Ctx,
    headers: HeaderMap,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<OrgFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let result = match org::list(&state.db, &actor, &filter, page).await {
        Ok(p) => p,
        // A bad filter value in a hand-edited URL: show the unfiltered list.
        Err(Error::Invalid(_)) => org::list(&state.db, &actor, &OrgFilter::default(), page).await?,
        Err(e) => return Err(e.into()),
    };
    let under = match filter.under {
        Some(id) => org::get(&state.db, &actor, OrgId(id)).await.ok(),
        None => None,
    };
    let query = serde_urlencoded::to_string(&filter).unwrap_or_default();
    let associations = filter
        .kind
        .as_deref()
        .and_then(|k| OrgKind::parse(k).ok())
        .is_some_and(OrgKind::is_association);
    let results = ListResults {
        ctx: ctx.clone(),
        page: result,
        query,
        associations,
    };
    if is_htmx(&headers) {
        return Ok(render(&results));
    }
    let may_create = actor.may(Resource::Org, Action::Create, Some(&actor.org_path));
    Ok(render(&ListPage {
        ctx,
        sides: side::list(&state.db).await?,
        countries: reference::countries(&state.db).await?,
        filter,
        under,
        may_create,
        results,
    }))
}

/// One node of the tree; renders itself and, when opened, its children.
#[derive(Template)]
#[template(path = "orgs/_node.html")]
pub struct TreeNode {
    ctx: Ctx,
    org: Org,
    child_count: i64,
    children: Vec<TreeNode>,
    open: bool,
    highlight: bool,
}

#[derive(Template)]
#[template(path = "orgs/tree.html")]
struct TreePage {
    ctx: Ctx,
    nodes: Vec<TreeNode>,
    may_create: bool,
}

#[derive(Template)]
#[template(path = "orgs/_nodes.html")]
struct TreeNodes {
    nodes: Vec<TreeNode>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TreeQuery {
    /// Open the tree down to this organization and highlight it.
    open: Option<i64>,
    parent: Option<i64>,
}

/// Builds the nodes under `parent`, opening those on `open_path` (ids) and,
/// at the first two levels, everything, so the main federations show at once.
async fn nodes(
    db: &Db,
    ctx: &Ctx,
    user: &User,
    parent: Option<OrgId>,
    depth: usize,
    open_path: &[OrgId],
    target: Option<OrgId>,
) -> Result<Vec<TreeNode>, Error> {
    let mut out = Vec::new();
    for (org, child_count) in org::children(db, &user.actor(), parent).await? {
        let open = child_count > 0 && (depth < 1 || open_path.contains(&org.id));
        let children = if open {
            Box::pin(nodes(
                db,
                ctx,
                user,
                Some(org.id),
                depth + 1,
                open_path,
                target,
            ))
            .await?
        } else {
            Vec::new()
        };
        out.push(TreeNode {
            ctx: ctx.clone(),
            highlight: Some(org.id) == target,
            org,
            child_count,
            children,
            open,
        });
    }
    Ok(out)
}

pub async fn tree(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<TreeQuery>,
) -> PageResult {
    let actor = user.actor();
    let mut open_path = Vec::new();
    let target = q.open.map(OrgId);
    if let Some(id) = target
        && let Ok(o) = org::get(&state.db, &actor, id).await
    {
        open_path = o
            .path
            .split('/')
            .filter_map(|s| s.parse().ok())
            .map(OrgId)
            .collect();
    }
    let nodes = nodes(&state.db, &ctx, &user, None, 0, &open_path, target).await?;
    let may_create = actor.may(Resource::Org, Action::Create, Some(&actor.org_path));
    Ok(render(&TreePage {
        ctx,
        nodes,
        may_create,
    }))
}

/// The children of one node, loaded when it is opened.
pub async fn tree_children(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<TreeQuery>,
) -> PageResult {
    let parent = q.parent.map(OrgId);
    // Depth 1: children load closed, one level at a time.
    let nodes = nodes(&state.db, &ctx, &user, parent, 1, &[], None).await?;
    Ok(render(&TreeNodes { nodes }))
}

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct ShowPage {
    ctx: Ctx,
    org: Org,
    ancestors: Vec<Org>,
    place: Vec<Region>,
    children: Vec<(Org, i64)>,
    /// People holding positions here, as far as the reader may see them.
    members: Vec<qiaolian_core::person::Member>,
    /// Its latest exchanges and events, as far as the reader may see them.
    visits: Visits,
    allowed: qiaolian_core::org::Allowed,
    error: Option<String>,
}

impl ShowPage {
    /// The part this organization played in an event it is listed on.
    fn role_in(&self, e: &Event) -> Option<EventRole> {
        e.orgs
            .iter()
            .find(|o| o.org_id == self.org.id)
            .map(|o| o.role)
    }
}

async fn show_page(ctx: Ctx, user: &User, db: &Db, id: OrgId, error: Option<String>) -> PageResult {
    let actor = user.actor();
    let org = org::get(db, &actor, id).await?;
    let ancestors = org::ancestors(db, &org).await?;
    let place = match &org.region_code {
        Some(code) => reference::chain(db, code).await?,
        None => Vec::new(),
    };
    let children = org::children(db, &actor, Some(org.id)).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with(
        status,
        &ShowPage {
            allowed: org.allowed(&actor),
            ctx,
            org,
            ancestors,
            place,
            children,
            members: qiaolian_core::person::members_of(db, &actor, id).await?,
            visits: qiaolian_core::outcome::visits(db, &actor, id).await?,
            error,
        },
    ))
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    show_page(ctx, &user, &state.db, OrgId(id), None).await
}

/// The organization form as typed: every field is text until core parses it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrgForm {
    name: String,
    short_name: String,
    kind: String,
    level: String,
    side: String,
    region_code: String,
    country_code: String,
    parent_id: String,
    address: String,
    phone: String,
    notes: String,
    city: String,
    founded_on: String,
    members_count: String,
    version: String,
}

impl OrgForm {
    fn from_org(o: &Org) -> OrgForm {
        OrgForm {
            name: o.name.clone(),
            short_name: o.short_name.clone().unwrap_or_default(),
            kind: o.kind.as_str().into(),
            level: o.level.as_str().into(),
            side: o.side_code.clone(),
            region_code: o.region_code.clone().unwrap_or_default(),
            country_code: o.country_code.clone().unwrap_or_default(),
            parent_id: o.parent_id.map(|p| p.to_string()).unwrap_or_default(),
            address: o.address.clone().unwrap_or_default(),
            phone: o.phone.clone().unwrap_or_default(),
            notes: o.notes.clone().unwrap_or_default(),
            city: o.city.clone().unwrap_or_default(),
            founded_on: o.founded_on.map(|d| d.to_string()).unwrap_or_default(),
            members_count: o.members_count.map(|n| n.to_string()).unwrap_or_default(),
            version: o.version.to_string(),
        }
    }

    fn input(&self) -> Result<OrgInput, Error> {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        let parent_id = match self.parent_id.trim() {
            "" => None,
            p => Some(OrgId(
                p.parse()
                    .map_err(|_| Error::field("parent_id", "unknown_org"))?,
            )),
        };
        let members_count = match self.members_count.trim() {
            "" => None,
            n => Some(
                n.parse()
                    .map_err(|_| Error::field("members_count", "bad_count"))?,
            ),
        };
        Ok(OrgInput {
            name: self.name.clone(),
            short_name: some(&self.short_name),
            kind: self.kind.clone(),
            level: self.level.clone(),
            side: self.side.clone(),
            region_code: some(&self.region_code),
            country_code: some(&self.country_code),
            parent_id,
            address: some(&self.address),
            phone: some(&self.phone),
            notes: some(&self.notes),
            city: some(&self.city),
            founded_on: some(&self.founded_on),
            members_count,
            version: self.version.trim().parse().ok(),
        })
    }
}

#[derive(Template)]
#[template(path = "orgs/form.html")]
struct FormPage {
    ctx: Ctx,
    /// `None` when creating.
    org: Option<Org>,
    form: OrgForm,
    errors: FormErrors,
    conflict: bool,
    parent: Option<Org>,
    sides: Vec<Side>,
    /// The side is shown but not offered: only administrators change it.
    side_locked: bool,
    countries: Vec<Country>,
    picker: RegionPicker,
}

impl FormPage {
    fn kinds(&self) -> &'static [OrgKind] {
        OrgKind::ALL
    }

    fn levels(&self) -> &'static [OrgLevel] {
        OrgLevel::ALL
    }

    fn action(&self) -> String {
        self.org
            .as_ref()
            .map_or("/orgs".to_owned(), |o| format!("/orgs/{}", o.id))
    }
}

async fn form_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    org: Option<Org>,
    form: OrgForm,
    errors: FormErrors,
    conflict: bool,
) -> PageResult {
    let parent = match form.parent_id.trim().parse::<i64>() {
        Ok(id) => org::get(db, &user.actor(), OrgId(id)).await.ok(),
        Err(_) => None,
    };
    let picker = RegionPicker::build(db, &form.region_code, errors.has("region_code")).await?;
    let side_locked = !org::may_change_side(&user.actor()) && (org.is_some() || parent.is_some());
    let mut form = form;
    if side_locked
        && org.is_none()
        && let Some(p) = &parent
    {
        form.side = p.side_code.clone();
    }
    let status = errors.status(conflict);
    Ok(render_with(
        status,
        &FormPage {
            ctx,
            org,
            form,
            errors,
            conflict,
            parent,
            sides: side::list(db).await?,
            side_locked,
            countries: reference::countries(db).await?,
            picker,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    parent: Option<i64>,
}

pub async fn new(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let actor = user.actor();
    let parent = match q.parent {
        Some(id) => Some(org::get(&state.db, &actor, OrgId(id)).await?),
        None => None,
    };
    qiaolian_core::access::authorize(
        &actor,
        Resource::Org,
        Action::Create,
        parent.as_ref().map(|p| p.path.as_str()),
    )?;
    let form = match &parent {
        Some(p) => OrgForm {
            kind: OrgKind::Federation.as_str().into(),
            level: org::child_level(&state.db, p).await?.as_str().into(),
            side: p.side_code.clone(),
            region_code: p.region_code.clone().unwrap_or_default(),
            country_code: p.country_code.clone().unwrap_or_default(),
            parent_id: p.id.to_string(),
            ..OrgForm::default()
        },
        None => OrgForm {
            kind: OrgKind::Federation.as_str().into(),
            ..OrgForm::default()
        },
    };
    form_page(ctx, &user, &state.db, None, form, FormErrors::new(), false).await
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(form): Form<OrgForm>,
) -> PageResult {
    let result = match form.input() {
        Ok(input) => org::create(&state.db, &user.actor(), &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/orgs/{}", o.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form_page(ctx, &user, &state.db, None, form, errors, false).await
        }
    }
}

pub async fn edit(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = user.actor();
    let o = org::get(&state.db, &actor, OrgId(id)).await?;
    qiaolian_core::access::authorize(&actor, Resource::Org, Action::Update, Some(&o.path))?;
    let form = OrgForm::from_org(&o);
    form_page(
        ctx,
        &user,
        &state.db,
        Some(o),
        form,
        FormErrors::new(),
        false,
    )
    .await
}

pub async fn update(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(mut form): Form<OrgForm>,
) -> PageResult {
    let id = OrgId(id);
    let actor = user.actor();
    let result = match form.input() {
        Ok(input) => {
            org::update(
                &state.db,
                &actor,
                id,
                &input,
                &mut qiaolian_core::kinds::OrgFollows::default(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/orgs/{}", o.id)).into_response()),
        Err(Error::Conflict { current_version }) => {
            // Keep what was typed; the next save knowingly replaces the newer version.
            form.version = current_version.to_string();
            let o = org::get(&state.db, &actor, id).await?;
            form_page(
                ctx,
                &user,
                &state.db,
                Some(o),
                form,
                FormErrors::new(),
                true,
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let o = org::get(&state.db, &actor, id).await?;
            form_page(ctx, &user, &state.db, Some(o), form, errors, false).await
        }
    }
}

async fn archive_or_restore(ctx: Ctx, user: User, db: &Db, id: OrgId, archive: bool) -> PageResult {
    let actor = user.actor();
    let result = if archive {
        org::archive(db, &actor, id).await
    } else {
        org::restore(db, &actor, id).await
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/orgs/{}", o.id)).into_response()),
        Err(Error::Invalid(fields)) => {
            let msg = fields
                .values()
                .next()
                .map(|e| crate::i18n::field_message(ctx.info.locale, e));
            show_page(ctx, &user, db, id, msg).await
        }
        Err(e) => Err(PageError(e)),
    }
}

pub async fn archive(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    archive_or_restore(ctx, user, &state.db, OrgId(id), true).await
}

pub async fn restore(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    archive_or_restore(ctx, user, &state.db, OrgId(id), false).await
}
