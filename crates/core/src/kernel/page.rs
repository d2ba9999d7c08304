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
    /// The most items a page may hold: [`MAX_PER_PAGE`] for a reader's request, more
    /// for an export reading the whole list in chunks.
    #[serde(skip, default = "max_per_page")]
    #[param(ignore)]
    limit: u32,
}

fn max_per_page() -> u32 {
    MAX_PER_PAGE
}

fn first_page() -> u32 {
    1
}
fn default_per_page() -> u32 {
    DEFAULT_PER_PAGE
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::new(1, DEFAULT_PER_PAGE)
    }
}

impl PageRequest {
    pub const fn new(page: u32, per_page: u32) -> PageRequest {
        PageRequest {
            page,
            per_page,
            limit: MAX_PER_PAGE,
        }
    }

    /// A page of an export, which reads a whole list `per_page` items at a time
    /// (more than a reader's page may hold, so a long list takes fewer queries).
    pub const fn chunk(page: u32, per_page: u32) -> PageRequest {
        PageRequest {
            page,
            per_page,
            limit: if per_page > MAX_PER_PAGE {
                per_page
            } else {
                MAX_PER_PAGE
            },
        }
    }

    /// Clamps out-of-range values instead of refusing them: a bookmarked page 0 still works.
    pub fn clamped(self) -> PageRequest {
        PageRequest {
            page: self.page.max(1),
            per_page: self.per_page.clamp(1, self.limit),
            limit: self.limit,
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
