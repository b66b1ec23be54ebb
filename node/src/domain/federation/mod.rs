//! **Federation** (ARCHITECTURE "Federation guarantees", "Tamper evidence"): what a region
//! sends to its parent and how a parent accepts what its children send, and the downlink to
//! the regions below. It carries the other contexts' items, so it imports them; none of them
//! imports it.
//!
//! - [`items`]: what travels up — items, signed heads, proofs.
//! - [`outbox`]: own items made from accepted writes, the outbox and its acknowledgement.
//! - [`ingest`]: a child's batch, checked per link and per origin, with tamper alerts;
//!   [`held`]: what a region holds of each link and origin below it.
//! - [`tree_head`]: signed tree heads recorded after commit.
//! - [`downlink`]: items addressed to regions below, once per hop, receipts back up.
//! - [`lost`]: a link whose parent lost what it had acknowledged, stopped with an alert at
//!   both ends until the parent's operator re-baselines it.
pub mod commands;
pub mod downlink;
pub mod held;
pub mod ingest;
pub mod items;
pub mod lost;
pub mod outbox;
pub mod route;
pub mod tree_head;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod lost_tests;
