//! Faults against real `sanxiang serve` processes and checkers of what survived (Jepsen's
//! method): a generated network of 12 processes with a relay on every link ([`cluster`],
//! [`net`]), a workload that records every operation ([`workload`], [`history`]), seeded
//! nemeses ([`nemesis`]) and checkers run after healing ([`check`], [`linearizability`]).
pub mod cases;
pub mod check;
pub mod cluster;
pub mod fuzz;
pub mod history;
pub mod hostile;
pub mod linearizability;
pub mod nemesis;
pub mod net;
pub mod powerloss;
pub mod rng;
pub mod workload;

/// Errors of the runner (not findings: those are [`check::Violation`]s).
#[derive(Debug, thiserror::Error)]
pub enum ChaosError {
    #[error("setting up the network: {0}")]
    Setup(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("client: {0}")]
    Client(#[from] sanxiang::client::ClientError),
    #[error("certificates: {0}")]
    Pki(#[from] sanxiang::pki::PkiError),
    #[error("bad JSON from a node: {0}")]
    Json(#[from] serde_json::Error),
}
