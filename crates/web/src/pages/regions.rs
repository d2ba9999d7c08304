//! The cascading region picker: province → prefecture → county → township.

use askama::Template;
use axum::extract::{Query, State};
use qiaolian_core::reference::{self, Region};
use qiaolian_core::{Db, Error};
use serde::Deserialize;

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};

/// One select of the picker.
#[derive(Debug)]
pub struct RegionSelect {
    /// Value of the "(none)" option: stop at the level above.
    pub none_value: String,
    pub options: Vec<Region>,
    pub selected: String,
}

#[derive(Debug)]
pub struct RegionPicker {
    pub code: String,
    pub selects: Vec<RegionSelect>,
    pub invalid: bool,
}

impl RegionPicker {
    /// The selects down to `code` plus one for its children, if it has any.
    pub async fn build(db: &Db, code: &str, invalid: bool) -> Result<RegionPicker, Error> {
        let chain = match code.trim() {
            "" => Vec::new(),
            c => reference::chain(db, c).await?,
        };
        let mut selects = vec![RegionSelect {
            none_value: String::new(),
            options: reference::regions(db, None).await?,
            selected: chain.first().map(|r| r.code.clone()).unwrap_or_default(),
        }];
        for (i, r) in chain.iter().enumerate() {
            let options = reference::regions(db, Some(&r.code)).await?;
            if options.is_empty() {
                break;
            }
            selects.push(RegionSelect {
                none_value: r.code.clone(),
                options,
                selected: chain.get(i + 1).map(|c| c.code.clone()).unwrap_or_default(),
            });
        }
        let code = chain.last().map(|r| r.code.clone()).unwrap_or_default();
        Ok(RegionPicker {
            code,
            selects,
            invalid,
        })
    }
}

#[derive(Template)]
#[template(path = "orgs/_region_picker.html")]
struct PickerPartial {
    ctx: Ctx,
    picker: RegionPicker,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PickerQuery {
    code: String,
}

pub async fn picker(
    ctx: Ctx,
    _: User,
    State(state): State<AppState>,
    Query(q): Query<PickerQuery>,
) -> PageResult {
    let code: String = q
        .code
        .chars()
        .filter(char::is_ascii_digit)
        .take(9)
        .collect();
    let picker = RegionPicker::build(&state.db, &code, false).await?;
    Ok(render(&PickerPartial { ctx, picker }))
}
