//! API keys: kept in memory, written through to their own tree.
//!
//! Every admin or export request checks its key against all of them, so the check must not
//! touch disk. Only this process writes keys (sled locks the data directory), and a change is
//! made durable first and then applied to the in-memory copy under the same write lock: once
//! [`KeyRing::revoke`] returns, no request can pass with that key. There is no other copy that
//! could outlive a revocation.

use std::fs::File;
use std::sync::{Arc, PoisonError, RwLock};

use shared::time::Timestamp;

use super::StoreError;
use crate::api_key::{ApiKey, KeyId};

#[derive(Debug)]
pub struct KeyRing {
    data_file: Arc<File>,
    tree: sled::Tree,
    keys: RwLock<Vec<ApiKey>>,
}

/// Why a key could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("no such key")]
    NoKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl KeyRing {
    pub(super) fn load(data_file: Arc<File>, tree: sled::Tree) -> Result<Self, StoreError> {
        let mut keys = Vec::new();
        for item in tree.iter() {
            let (_, bytes) = item?;
            keys.push(serde_json::from_slice::<ApiKey>(&bytes)?);
        }
        keys.sort_by_key(|k| k.created_at);
        Ok(Self {
            data_file,
            tree,
            keys: RwLock::new(keys),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<ApiKey>> {
        // Every change is written to disk first and then made to the list in one step, so a
        // panic elsewhere cannot leave the list half-changed.
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<ApiKey>> {
        self.keys.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` over every key, revoked ones included, oldest first.
    pub fn with_keys<R>(&self, f: impl FnOnce(&[ApiKey]) -> R) -> R {
        f(&self.read())
    }

    pub fn all(&self) -> Vec<ApiKey> {
        self.read().clone()
    }

    pub fn get(&self, id: &KeyId) -> Option<ApiKey> {
        self.read().iter().find(|k| &k.id == id).cloned()
    }

    /// Adds a key. Blocks until durable.
    pub fn insert(&self, key: ApiKey) -> Result<ApiKey, StoreError> {
        let mut keys = self.write();
        self.persist(&key)?;
        keys.push(key.clone());
        Ok(key)
    }

    /// Marks a key revoked (again revoking a revoked key changes nothing). Blocks until
    /// durable; from then on the key opens nothing.
    pub fn revoke(&self, id: &KeyId, now: Timestamp) -> Result<ApiKey, KeyRingError> {
        let mut keys = self.write();
        let slot = keys
            .iter_mut()
            .find(|k| &k.id == id)
            .ok_or(KeyRingError::NoKey)?;
        if slot.is_revoked() {
            return Ok(slot.clone());
        }
        let mut revoked = slot.clone();
        revoked.revoked_at = Some(now);
        self.persist(&revoked)?;
        *slot = revoked.clone();
        Ok(revoked)
    }

    fn persist(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.tree
            .insert(key.id.as_str(), serde_json::to_vec(key)?)?;
        self.tree.flush()?;
        self.data_file.sync_data()?;
        Ok(())
    }
}
