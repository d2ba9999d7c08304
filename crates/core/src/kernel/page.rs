//! Paging of every list: `page` from 1, `per_page` bounded, `total` counted.

use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageRequest {
    /// Page number, from 1.
    #[serde(default = "first_page")]
    pub page: u32,
    /// Items per page, 1–500 (default 50).
    #[serde(default = "default_per_page")]
    pub per_page: u32,
}

fn first_page() -> u32 {
    1
}
fn default_per_page() -> u32 {
    DEFAULT_PER_PAGE
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// Clamps out-of-range values instead of refusing them: a bookmarked page 0 still works.
    pub fn clamped(self) -> PageRequest {
        PageRequest {
            page: self.page.max(1),
            per_page: self.per_page.clamp(1, MAX_PER_PAGE),
        }
    }

    pub fn offset(self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.per_page)
    }

    /// This page of a list, with the list's total.
    pub fn of<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// One page of a list; the shape of every list endpoint.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    /// A whole list as one page: for lists bounded by what they are (the countries of
    /// the world), never by a reader's data.
    pub fn whole(items: Vec<T>) -> Page<T> {
        let n = items.len();
        Page {
            items,
            total: i64::try_from(n).unwrap_or(i64::MAX),
            page: 1,
            per_page: u32::try_from(n.max(1)).unwrap_or(u32::MAX),
        }
    }

    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per).unwrap_or(u32::MAX)
    }
}
