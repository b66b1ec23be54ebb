//! Per-node settings that do not change outcomes: timings and cache sizes.

use std::time::Duration;

/// Raft timings. openraft's defaults (50 ms heartbeat, 150–300 ms election) are too tight for
/// two busy cores doing fsync, so these are several times wider.
#[derive(Debug, Clone, Copy)]
pub struct RaftTimings {
    /// Leader heartbeat interval.
    pub heartbeat: Duration,
    /// Lower bound of the randomized election timeout.
    pub election_min: Duration,
    /// Upper bound of the randomized election timeout.
    pub election_max: Duration,
    /// Time limit for one snapshot chunk.
    pub install_snapshot_timeout: Duration,
    /// Build a snapshot after this many applied entries.
    pub snapshot_every: u64,
    /// Interval between leader-proposed `Tick` commands.
    pub tick: Duration,
    /// Log entries kept behind a snapshot (so briefly lagging followers need no snapshot).
    pub keep_logs: u64,
    /// How often the leader signs a new tree head when the ledger grew (REC-3). Items waiting
    /// for the parent get a head at once, whatever this says.
    pub head_every: Duration,
    /// Most outbox entries sent to the parent in one push.
    pub uplink_batch: usize,
    /// Warn when the oldest entry waiting for the parent is older than this.
    pub uplink_alert_after: Duration,
    /// Most writes waiting on this node's batcher; past it a write is refused at once with
    /// `RESOURCE_EXHAUSTED` (retry later) instead of queueing toward a timeout.
    pub max_pending_writes: usize,
}

impl Default for RaftTimings {
    fn default() -> Self {
        RaftTimings {
            heartbeat: Duration::from_millis(250),
            election_min: Duration::from_millis(1500),
            election_max: Duration::from_millis(3000),
            install_snapshot_timeout: Duration::from_secs(10),
            snapshot_every: 5000,
            tick: Duration::from_secs(60),
            keep_logs: 1000,
            head_every: Duration::from_secs(3 * 3600),
            uplink_batch: 1000,
            uplink_alert_after: Duration::from_secs(15 * 60),
            max_pending_writes: 4096,
        }
    }
}

impl RaftTimings {
    /// Builds the openraft configuration.
    pub fn to_openraft(
        &self,
        cluster_name: &str,
    ) -> Result<openraft::Config, openraft::ConfigError> {
        let cfg = openraft::Config {
            cluster_name: cluster_name.to_string(),
            heartbeat_interval: self.heartbeat.as_millis() as u64,
            election_timeout_min: self.election_min.as_millis() as u64,
            election_timeout_max: self.election_max.as_millis() as u64,
            install_snapshot_timeout: self.install_snapshot_timeout.as_millis() as u64,
            snapshot_policy: openraft::SnapshotPolicy::LogsSinceLast(self.snapshot_every),
            max_in_snapshot_log_to_keep: self.keep_logs,
            purge_batch_size: 256,
            // Entries are batches of up to 4 MiB (the leader's batcher): a dozen per message
            // keeps AppendEntries well below the 64 MiB Raft message limit.
            max_payload_entries: 12,
            ..Default::default()
        };
        cfg.validate()
    }
}
