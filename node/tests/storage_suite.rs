//! openraft's own storage conformance suite against the sled store.
use openraft::testing::{StoreBuilder, Suite};
use sanxiang::raft::types::{StorageError, TypeConfig};
use sanxiang::store::{self, LogStore, StateMachine};

struct Builder;

impl StoreBuilder<TypeConfig, LogStore, StateMachine, tempfile::TempDir> for Builder {
    async fn build(&self) -> Result<(tempfile::TempDir, LogStore, StateMachine), StorageError> {
        let dir = tempfile::tempdir().map_err(|e| openraft::StorageIOError::write(&e))?;
        let (log, sm) = store::open(dir.path(), "test/region", 8 * 1024 * 1024)
            .await
            .map_err(|e| openraft::StorageIOError::write(&e))?;
        Ok((dir, log, sm))
    }
}

#[test]
fn openraft_storage_suite() -> anyhow::Result<()> {
    Suite::test_all(Builder).map_err(|e| anyhow::anyhow!("{e}"))
}
