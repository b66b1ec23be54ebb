//! **Enforcement**: the three systems inside one agency's case work — officers and their
//! certificates (PUB-2), the major-decision catalog (REV-2), cases and their whole-process
//! record (REC-1, REC-2, LAW-1…LAW-4), legal review (REV-1…REV-8), decisions (REC-6), legal
//! outcomes (SUP-7), publication with redaction (PUB-3…PUB-5, LAW-6), and the time limits.
//! Imports [`crate::domain::core`], [`crate::domain::registry`] and [`crate::domain::calendar`].
//!
//! - [`model`]: officers, certificates, cases, steps, reviews — types, key spaces, shared checks.
//! - one file per command family: [`officer`], [`certificate`], [`catalog`], [`case`],
//!   [`step`], [`review`], [`decide`], [`outcome`], [`publication`].
//! - [`deadlines`]: time limits scheduled by commands and expired by `Tick`.
//! - [`redact`]: PUB-4 masking of private data in public text.
pub mod case;
pub mod catalog;
pub mod certificate;
pub mod commands;
pub mod deadlines;
pub mod decide;
pub mod gate;
pub mod law;
pub mod model;
pub mod officer;
pub mod outcome;
pub mod publication;
pub mod redact;
pub mod review;
pub mod sanction;
pub mod step;

#[cfg(test)]
mod tests;
