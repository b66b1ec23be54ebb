//! Configuration: the administrative topology and per-node settings.
pub mod settings;
pub mod topology;

pub use settings::RaftTimings;
pub use topology::{NodeSpec, RegionKind, RegionSpec, Topology, TopologyError};
