//! Each command's [`Rule`](super::rule::Rule), grouped by the context that owns it: the
//! implementation hands the payload to that context's functions.
pub mod enforcement;
pub mod federation;
pub mod registry;
pub mod supervision;
