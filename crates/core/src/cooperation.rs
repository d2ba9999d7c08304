//! The cooperation programme: agreements, their plans and tasks with the four fixes,
//! joint meetings whose resolutions become tasks, and the supervision rules that colour
//! them.

pub mod agreement;
pub mod meeting;
pub mod order;
pub mod plan;
pub mod supervision;
pub mod task;
pub mod urging;
