//! Merging two records of one person side by side, and undoing a merge.

use super::*;

/// One field of the merge screen where the two records differ.
pub struct MergeRow {
    field: &'static str,
    own: String,
    other: String,
    take_other: bool,
}

#[derive(Template)]
#[template(path = "people/merge.html")]
pub(super) struct MergePage {
    ctx: Ctx,
    own: Person,
    other: Person,
    rows: Vec<MergeRow>,
    /// The union the survivor will hold: contacts (masked), categories, tags, affiliations.
    contacts: Vec<(ContactKind, String)>,
    categories: Vec<Category>,
    tags: Vec<String>,
    affiliations: Vec<String>,
    errors: FormErrors,
    conflict: bool,
}

/// A field of a person as shown on the merge screen.
pub(super) fn shown(ctx: &Ctx, p: &Person, field: &str) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
    match field {
        "name" => p.name.clone(),
        "foreign_name" => opt(&p.foreign_name),
        "gender" => ctx.label("gender.", p.gender).to_owned(),
        "residence_country" => p.residence_country_name(ctx.en()).unwrap_or("—").to_owned(),
        "nationality" => p.nationality_name(ctx.en()).unwrap_or("—").to_owned(),
        "origin_region" => opt(&p.origin_region_name),
        "owner_org_id" => p.owner_org_name.clone(),
        "sharing" => ctx.label("sharing.", p.sharing).to_owned(),
        "legal_basis" => format!(
            "{} · {} · {} · {}",
            ctx.label("legal_basis.", p.legal_basis),
            p.basis_on,
            p.basis_scope,
            p.basis_source
        ),
        "notes" => opt(&p.notes),
        _ => String::new(),
    }
}

impl MergePage {
    fn label(&self, field: &str) -> &'static str {
        self.ctx.t(match field {
            "owner_org_id" => "person.owner",
            "legal_basis" => "person.legal_basis",
            "name" => "person.name",
            "foreign_name" => "person.foreign_name",
            "gender" => "person.gender",
            "residence_country" => "person.residence_country",
            "nationality" => "person.nationality",
            "origin_region" => "person.origin_region",
            "sharing" => "person.sharing",
            _ => "person.notes",
        })
    }
}

pub(super) async fn merge_page(
    ctx: Ctx,
    db: &Db,
    user: &User,
    (id, with): (i64, i64),
    taken: &[String],
    errors: FormErrors,
    conflict: bool,
) -> PageResult {
    // Someone erased, merged or hidden, or the same person: said on the person's page.
    let (own, other) = match person::compare(db, &user.actor(), PersonId(id), PersonId(with)).await
    {
        Ok(pair) => pair,
        Err(Error::Invalid(fields)) => return refused_on_page(ctx, db, user, id, &fields).await,
        Err(e) => return Err(e.into()),
    };
    let rows = MERGE_FIELDS
        .iter()
        .map(|f| MergeRow {
            field: f,
            own: shown(&ctx, &own, f),
            other: shown(&ctx, &other, f),
            take_other: taken.iter().any(|t| t == f),
        })
        .filter(|r| r.own != r.other)
        .collect();
    let mut contacts: Vec<(ContactKind, String)> = Vec::new();
    let mut categories = own.categories.clone();
    let mut tags = own.tags.clone();
    let mut affiliations: Vec<String> = Vec::new();
    for p in [&own, &other] {
        for c in &p.contacts {
            if !contacts.iter().any(|(k, v)| *k == c.kind && *v == c.value) {
                contacts.push((c.kind, c.value.clone()));
            }
        }
        for c in &p.categories {
            if !categories.contains(c) {
                categories.push(*c);
            }
        }
        for t in &p.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        for a in &p.affiliations {
            let line = match &a.position {
                Some(pos) => format!("{} · {pos}", a.org_name),
                None => a.org_name.clone(),
            };
            if !affiliations.contains(&line) {
                affiliations.push(line);
            }
        }
    }
    let status = errors.status(conflict);
    Ok(render_with(
        status,
        &MergePage {
            ctx,
            own,
            other,
            rows,
            contacts,
            categories,
            tags,
            affiliations,
            errors,
            conflict,
        },
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MergeQuery {
    with: String,
}

/// The merge screen: for each field where the two differ, whose value survives.
pub async fn merge_form(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    q: Result<Query<MergeQuery>, QueryRejection>,
) -> PageResult {
    let Some(with) = q
        .ok()
        .and_then(|Query(q)| q.with.trim().parse::<i64>().ok())
    else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    merge_page(
        ctx,
        &state.db,
        &user,
        (id, with),
        &[],
        FormErrors::new(),
        false,
    )
    .await
}

pub async fn merge(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut input = MergeInput::default();
    let mut taken = Vec::new();
    for (k, v) in pairs {
        let n = v.trim().parse::<i64>().ok();
        match k.as_str() {
            "with" => input.with = n.map(PersonId),
            "version" => input.version = n,
            "other_version" => input.other_version = n,
            _ => {
                if let Some(field) = k.strip_prefix("choose_") {
                    if v == "other" {
                        taken.push(field.to_owned());
                    }
                    input.choose.insert(field.to_owned(), v);
                }
            }
        }
    }
    let Some(with) = input.with else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    match person::merge(&state.db, &user.actor(), PersonId(id), &input).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(Error::Conflict { .. }) => {
            merge_page(
                ctx,
                &state.db,
                &user,
                (id, with.0),
                &taken,
                FormErrors::new(),
                true,
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            merge_page(ctx, &state.db, &user, (id, with.0), &taken, errors, false).await
        }
    }
}

/// The person's page with why a merge or its undo was refused.
pub(super) async fn refused_on_page(
    ctx: Ctx,
    db: &Db,
    user: &User,
    id: i64,
    fields: &qiaolian_core::FieldErrors,
) -> PageResult {
    let message = fields
        .values()
        .map(|e| crate::i18n::field_message(ctx.info.locale, e))
        .collect::<Vec<_>>()
        .join("；");
    let p = person::get(db, &user.actor(), PersonId(id)).await?;
    show_page_with(ctx, db, user, p, None, Some(message)).await
}

/// Undoes a merge from the survivor's page; a refusal is shown there.
pub async fn undo_merge(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path((id, merge_id)): Path<(i64, i64)>,
) -> PageResult {
    let actor = user.actor();
    match person::undo_merge(&state.db, &actor, PersonId(id), merge_id).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}?undone=1", p.id)).into_response()),
        Err(Error::Invalid(fields)) => refused_on_page(ctx, &state.db, &user, id, &fields).await,
        Err(e) => Err(e.into()),
    }
}
