//! **Supervision**: what a judicial administration watches over — the region's status summary,
//! quarterly and staged reports (SUP-1, SUP-3), circulated notices and their answers (SUP-2),
//! and what a region holds of its subtree for monitoring (SUP-4, SUP-5). Imports
//! [`crate::domain::core`], [`crate::domain::registry`], [`crate::domain::calendar`] and
//! [`crate::domain::enforcement`]; it reaches other regions only through the ports in
//! [`port`], which the command layer wires to federation.
//!
//! - [`summary`]: counters moved by every accepted command; [`held`]: what is held from below.
//! - [`report`]: reports, their judging and rates; [`notice`]: circulated notices.
pub mod commands;
pub mod held;
pub mod notice;
pub mod port;
pub mod report;
pub mod summary;

#[cfg(test)]
mod tests;
