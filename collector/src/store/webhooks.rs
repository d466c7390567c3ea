//! Webhook endpoints: kept in memory, written through to their own tree.
//!
//! Every response asks which endpoints of its site want it, so the lookup must not touch disk.
//! As with the catalog, only this process writes the tree, and a change is made durable before
//! the in-memory copy shows it.

use std::collections::BTreeMap;
use std::fs::File;
use std::sync::{Arc, PoisonError, RwLock};

use shared::ids::SiteId;

use super::StoreError;
use shared::webhook::{MAX_PER_SITE, Webhook, WebhookId};

#[derive(Debug)]
pub struct Webhooks {
    data_file: Arc<File>,
    tree: sled::Tree,
    by_site: RwLock<BTreeMap<SiteId, Vec<Arc<Webhook>>>>,
}

/// Why a webhook could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no such webhook")]
    NoWebhook,
    #[error("a site may have at most {MAX_PER_SITE} webhooks")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn key(site: &SiteId, id: &WebhookId) -> Vec<u8> {
    let mut key = Vec::with_capacity(site.as_str().len() + 1 + id.as_str().len());
    key.extend_from_slice(site.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(id.as_str().as_bytes());
    key
}

impl Webhooks {
    pub(super) fn load(data_file: Arc<File>, tree: sled::Tree) -> Result<Self, StoreError> {
        let mut by_site: BTreeMap<SiteId, Vec<Arc<Webhook>>> = BTreeMap::new();
        for item in tree.iter() {
            let (_, bytes) = item?;
            let hook: Webhook = serde_json::from_slice(&bytes)?;
            by_site
                .entry(hook.site.clone())
                .or_default()
                .push(Arc::new(hook));
        }
        for hooks in by_site.values_mut() {
            hooks.sort_by_key(|h| h.created_at);
        }
        Ok(Self {
            data_file,
            tree,
            by_site: RwLock::new(by_site),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<SiteId, Vec<Arc<Webhook>>>> {
        // Every change is on disk before it is made to the map, in one step.
        self.by_site.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<SiteId, Vec<Arc<Webhook>>>> {
        self.by_site.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// A site's webhooks, oldest first. Cheap: the ingest route asks on every response.
    pub fn for_site(&self, site: &SiteId) -> Vec<Arc<Webhook>> {
        self.read().get(site).cloned().unwrap_or_default()
    }

    /// Whether a site has any webhook (the common answer, "no", costs one map lookup).
    pub fn any_for(&self, site: &SiteId) -> bool {
        self.read().get(site).is_some_and(|h| !h.is_empty())
    }

    pub fn get(&self, site: &SiteId, id: &WebhookId) -> Option<Arc<Webhook>> {
        self.read().get(site)?.iter().find(|h| &h.id == id).cloned()
    }

    /// Adds a webhook. Blocks until durable.
    pub fn insert(&self, hook: Webhook) -> Result<Arc<Webhook>, WebhookError> {
        let mut by_site = self.write();
        let hooks = by_site.entry(hook.site.clone()).or_default();
        if hooks.len() >= MAX_PER_SITE {
            return Err(WebhookError::TooMany);
        }
        self.persist(&hook)?;
        let hook = Arc::new(hook);
        hooks.push(hook.clone());
        Ok(hook)
    }

    /// Replaces a webhook with `update(old)`. Blocks until durable.
    pub fn update(
        &self,
        site: &SiteId,
        id: &WebhookId,
        update: impl FnOnce(&Webhook) -> Webhook,
    ) -> Result<Arc<Webhook>, WebhookError> {
        let mut by_site = self.write();
        let slot = by_site
            .get_mut(site)
            .and_then(|hooks| hooks.iter_mut().find(|h| &h.id == id))
            .ok_or(WebhookError::NoWebhook)?;
        let hook = update(slot);
        self.persist(&hook)?;
        *slot = Arc::new(hook);
        Ok(slot.clone())
    }

    /// Deletes a webhook. Blocks until durable. Its waiting messages are dropped by the
    /// delivery worker when it comes to them.
    pub fn remove(&self, site: &SiteId, id: &WebhookId) -> Result<Arc<Webhook>, WebhookError> {
        let mut by_site = self.write();
        let hooks = by_site.get_mut(site).ok_or(WebhookError::NoWebhook)?;
        let index = hooks
            .iter()
            .position(|h| &h.id == id)
            .ok_or(WebhookError::NoWebhook)?;
        self.tree.remove(key(site, id)).map_err(StoreError::from)?;
        self.sync()?;
        Ok(hooks.remove(index))
    }

    fn persist(&self, hook: &Webhook) -> Result<(), StoreError> {
        self.tree
            .insert(key(&hook.site, &hook.id), serde_json::to_vec(hook)?)?;
        self.sync()
    }

    fn sync(&self) -> Result<(), StoreError> {
        self.tree.flush()?;
        self.data_file.sync_data()?;
        Ok(())
    }
}
