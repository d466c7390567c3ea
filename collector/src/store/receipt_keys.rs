//! The receipt signing keys: one current key per site (made on first use), older ones kept to
//! verify the tokens they signed. In memory, written through to their own tree.
//!
//! A key id (`kid`) is unique across sites, so a token's key is found from the token alone,
//! and the key says which site it signs for: a token naming site A but signed with site B's
//! key is refused. A new key is on disk before it signs anything, so no token can outlive the
//! key that checks it.

use std::fs::File;
use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};
use shared::ids::SiteId;
use shared::time::Timestamp;

use super::StoreError;

/// A site's key for signing receipt tokens. Its secret never leaves the collector.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptKey {
    pub kid: String,
    pub site: SiteId,
    pub created_at: Timestamp,
    /// 32 random bytes, hex.
    secret: String,
}

impl ReceiptKey {
    /// The secret as the HMAC takes it.
    pub fn secret(&self) -> Vec<u8> {
        hex::decode(&self.secret).unwrap_or_default()
    }
}

#[derive(Debug)]
pub struct ReceiptKeys {
    data_file: Arc<File>,
    tree: sled::Tree,
    /// Oldest first: a site's current key is its last.
    keys: RwLock<Vec<ReceiptKey>>,
}

impl ReceiptKeys {
    pub(super) fn load(data_file: Arc<File>, tree: sled::Tree) -> Result<Self, StoreError> {
        let mut keys = Vec::new();
        for item in tree.iter() {
            let (_, bytes) = item?;
            keys.push(serde_json::from_slice::<ReceiptKey>(&bytes)?);
        }
        keys.sort_by_key(|k| k.created_at);
        Ok(Self {
            data_file,
            tree,
            keys: RwLock::new(keys),
        })
    }

    /// The key of id `kid`, current or retired.
    pub fn get(&self, kid: &str) -> Option<ReceiptKey> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        keys.iter().find(|k| k.kid == kid).cloned()
    }

    /// The key that signs the site's new tokens, made (durably) if the site has none yet.
    pub fn current(&self, site: &SiteId, now: Timestamp) -> Result<ReceiptKey, StoreError> {
        {
            let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(key) = keys.iter().rev().find(|k| &k.site == site) {
                return Ok(key.clone());
            }
        }
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        // Another request may have made it while this one waited for the lock.
        if let Some(key) = keys.iter().rev().find(|k| &k.site == site) {
            return Ok(key.clone());
        }
        self.add(&mut keys, site, now)
    }

    /// Makes a new current key for the site. Tokens signed with the older keys stay valid
    /// until they expire.
    pub fn rotate(&self, site: &SiteId, now: Timestamp) -> Result<ReceiptKey, StoreError> {
        let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        self.add(&mut keys, site, now)
    }

    fn add(
        &self,
        keys: &mut Vec<ReceiptKey>,
        site: &SiteId,
        now: Timestamp,
    ) -> Result<ReceiptKey, StoreError> {
        let kid = loop {
            // Eight hex digits: short in the QR code, and checked for uniqueness here.
            let mut id = [0u8; 4];
            getrandom::fill(&mut id).map_err(std::io::Error::other)?;
            let kid = hex::encode(id);
            if !keys.iter().any(|k| k.kid == kid) {
                break kid;
            }
        };
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(std::io::Error::other)?;
        // Later than every key of the site, so that "last" stays "current" even if the clock
        // went back.
        let created_at = keys
            .iter()
            .filter(|k| &k.site == site)
            .map(|k| Timestamp(k.created_at.millis() + 1))
            .fold(now, std::cmp::max);
        let key = ReceiptKey {
            kid,
            site: site.clone(),
            created_at,
            secret: hex::encode(secret),
        };
        self.tree
            .insert(key.kid.as_str(), serde_json::to_vec(&key)?)?;
        self.tree.flush()?;
        self.data_file.sync_data()?;
        keys.push(key.clone());
        keys.sort_by_key(|k| k.created_at);
        Ok(key)
    }
}
