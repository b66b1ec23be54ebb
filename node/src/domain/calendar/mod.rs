//! **Calendar**: official working days in UTC+8 (the State Council's holiday notices) and the
//! command that loads a year's notice. Imports only [`crate::domain::core`].
//!
//! - [`days`]: dates, working-day arithmetic, the shipped years 2024–2026.
//! - [`provisional`]: a year without its notice, counted on the statutory holidays.
//! - [`load`]: `LoadCalendarYear`, and the years held in the replicated state.
pub mod days;
pub mod load;
pub mod provisional;
