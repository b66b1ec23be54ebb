//! Generated gRPC code for Sanxiang's services.
//!
//! - [`raft`]: peer-only Raft RPCs and leader forwarding inside one region.
//! - [`region`]: the client-facing service of one region's cluster.
//! - [`federation`]: the uplink between a region and its parent region.
//! - [`cluster`]: membership of a region's cluster (operators, and a fresh node's check).
#![allow(clippy::all, missing_docs)]

pub mod raft {
    tonic::include_proto!("sanxiang.raft.v1");
}

pub mod region {
    tonic::include_proto!("sanxiang.region.v1");
}

pub mod federation {
    tonic::include_proto!("sanxiang.federation.v1");
}

pub mod cluster {
    tonic::include_proto!("sanxiang.cluster.v1");
}

/// Encoded file descriptors of every service, for gRPC server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/sanxiang_descriptor.bin"));
