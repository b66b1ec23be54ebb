//! Generated gRPC code for Sanxiang's services.
//!
//! - [`raft`]: peer-only Raft RPCs and leader forwarding inside one region.
//! - [`region`]: the client-facing service of one region's cluster.
//! - [`federation`]: the uplink between a region and its parent region.
//! - [`cluster`]: membership of a region's cluster (operators, and a fresh node's check).
//! - [`api`]: the typed API, one RPC per domain command.
#![allow(clippy::all, missing_docs)]

pub mod raft {
    tonic::include_proto!("sanxiang.raft.v1");
}

pub mod region {
    tonic::include_proto!("sanxiang.region.v1");
    /// The same types by their package path, as the typed API's generated code names them.
    pub mod v1 {
        pub use super::*;
    }
}

pub mod federation {
    tonic::include_proto!("sanxiang.federation.v1");
}

pub mod cluster {
    tonic::include_proto!("sanxiang.cluster.v1");
}

/// The typed API: one service per concern (registry, enforcement, publication, supervision,
/// ledger), the messages generated from the domain's types.
pub mod api {
    pub mod v1 {
        tonic::include_proto!("sanxiang.api.v1");
    }
    pub use v1::*;
}

/// Encoded file descriptors of every service, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/sanxiang_descriptor.bin"));
