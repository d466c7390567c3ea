//! What can go wrong in the store, in terms that name no storage engine.

use std::sync::Arc;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("too many writes are waiting; try again shortly")]
    Busy,
    #[error("the store is shutting down")]
    Closed,
    /// The write was in a group that was not kept: nothing of the group is on disk, and every
    /// job of it gets the same cause. Clients retry; ids make retries safe.
    #[error("the write was not kept: {0}")]
    Group(Arc<GroupFailure>),
    #[error("storage failure: {0}")]
    Backend(#[from] BackendError),
    #[error("i/o failure: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("the index names record {0}, which is not stored")]
    Missing(u64),
    #[error("a rollup cell is corrupt")]
    CorruptCell,
}

/// Why a group commit failed.
#[derive(Debug, thiserror::Error)]
pub enum GroupFailure {
    /// Another job of the group could not be applied, so the group's batch was not written.
    #[error("another write of its group could not be applied")]
    OtherJob,
    #[error("the group's batch could not be written: {0}")]
    Write(BackendError),
    #[error("the group could not be flushed: {0}")]
    Flush(BackendError),
    #[error("the data file could not be synced: {0}")]
    Sync(std::io::Error),
    /// The group's changes to the rollups could not be added to the stored cells.
    #[error("the rollups could not be updated: {0}")]
    Rollups(StoreError),
}

/// A failure of the storage engine underneath, kept opaque so that no engine's type is part of
/// the store's API.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BackendError(Box<dyn std::error::Error + Send + Sync>);

impl BackendError {
    pub(super) fn sled(e: sled::Error) -> Self {
        Self(Box::new(e))
    }
}

/// So that `?` works on sled's results inside the store. Only the store can call sled, so only
/// the store makes use of this.
impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        Self::Backend(BackendError::sled(e))
    }
}
