//! The payload of every command that carries more than one value, by its variant's name:
//! `Command::SignNotice(cmd::SignNotice { id, prefix })`. Each is defined by the context that
//! owns the command.
pub use crate::domain::enforcement::commands::*;
pub use crate::domain::federation::commands::*;
pub use crate::domain::registry::commands::*;
pub use crate::domain::supervision::commands::*;
