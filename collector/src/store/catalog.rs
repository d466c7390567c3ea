//! Sites and survey versions: kept in memory, written through to disk.
//!
//! Every response looks up its site and survey version, so these reads must not touch disk or
//! parse JSON. Only this process writes configuration, so a write-through copy stays true.

use std::collections::BTreeMap;
use std::fs::File;
use std::sync::{Arc, PoisonError, RwLock};

use shared::ids::{SiteId, SurveyId};
use shared::survey::Survey;

use super::StoreError;
use crate::site::Site;

#[derive(Debug)]
pub struct Catalog {
    /// The store's data file, fsynced after each flush like every write the collector acknowledges.
    data_file: Arc<File>,
    sites_tree: sled::Tree,
    surveys_tree: sled::Tree,
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    sites: BTreeMap<SiteId, Arc<Site>>,
    /// Every version of every survey, oldest first.
    surveys: BTreeMap<(SiteId, SurveyId), Vec<Arc<Survey>>>,
}

/// Why a configuration write was refused.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("already exists")]
    Exists,
    #[error("no such site")]
    NoSite,
    #[error("no such survey")]
    NoSurvey,
    /// The latest version is not the one the writer started from.
    #[error("version {latest} is the latest")]
    Stale { latest: u32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn survey_key(site: &SiteId, survey: &SurveyId, version: u32) -> Vec<u8> {
    let mut key = Vec::new();
    key.extend_from_slice(site.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(survey.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

impl Catalog {
    pub(super) fn load(
        data_file: Arc<File>,
        sites_tree: sled::Tree,
        surveys_tree: sled::Tree,
    ) -> Result<Self, StoreError> {
        let mut inner = Inner::default();
        for item in sites_tree.iter() {
            let (_, bytes) = item?;
            let site: Site = serde_json::from_slice(&bytes)?;
            inner.sites.insert(site.id.clone(), Arc::new(site));
        }
        // Keys sort by site, survey, then big-endian version: versions arrive oldest first.
        for item in surveys_tree.iter() {
            let (_, bytes) = item?;
            let survey: Survey = serde_json::from_slice(&bytes)?;
            inner
                .surveys
                .entry((survey.site_id.clone(), survey.id.clone()))
                .or_default()
                .push(Arc::new(survey));
        }
        Ok(Self {
            data_file,
            sites_tree,
            surveys_tree,
            inner: RwLock::new(inner),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        // A panic while holding the lock cannot leave `Inner` half-updated: every update
        // writes to disk first and changes the map in one step.
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn site(&self, id: &SiteId) -> Option<Arc<Site>> {
        self.read().sites.get(id).cloned()
    }

    pub fn sites(&self) -> Vec<Arc<Site>> {
        self.read().sites.values().cloned().collect()
    }

    /// Creates a site, or fails with [`CatalogError::Exists`]. Blocks until durable.
    pub fn create_site(&self, site: Site) -> Result<Arc<Site>, CatalogError> {
        let mut inner = self.write();
        if inner.sites.contains_key(&site.id) {
            return Err(CatalogError::Exists);
        }
        self.persist_site(&site)?;
        let site = Arc::new(site);
        inner.sites.insert(site.id.clone(), site.clone());
        Ok(site)
    }

    /// Replaces a site with `update(old)`. Blocks until durable.
    pub fn update_site(
        &self,
        id: &SiteId,
        update: impl FnOnce(&Site) -> Site,
    ) -> Result<Arc<Site>, CatalogError> {
        let mut inner = self.write();
        let old = inner.sites.get(id).ok_or(CatalogError::NoSite)?;
        let site = update(old);
        self.persist_site(&site)?;
        let site = Arc::new(site);
        inner.sites.insert(site.id.clone(), site.clone());
        Ok(site)
    }

    fn persist_site(&self, site: &Site) -> Result<(), StoreError> {
        self.sites_tree
            .insert(site.id.as_str(), serde_json::to_vec(site)?)?;
        self.sites_tree.flush()?;
        self.data_file.sync_data()?;
        Ok(())
    }

    pub fn survey_version(
        &self,
        site: &SiteId,
        survey: &SurveyId,
        version: u32,
    ) -> Option<Arc<Survey>> {
        let inner = self.read();
        let versions = inner.surveys.get(&(site.clone(), survey.clone()))?;
        versions.iter().find(|s| s.version == version).cloned()
    }

    /// Every version of a survey, oldest first (empty when there is no such survey).
    pub fn survey_versions(&self, site: &SiteId, survey: &SurveyId) -> Vec<Arc<Survey>> {
        self.read()
            .surveys
            .get(&(site.clone(), survey.clone()))
            .cloned()
            .unwrap_or_default()
    }

    pub fn latest_survey(&self, site: &SiteId, survey: &SurveyId) -> Option<Arc<Survey>> {
        self.read()
            .surveys
            .get(&(site.clone(), survey.clone()))?
            .last()
            .cloned()
    }

    /// The latest version of each of a site's surveys.
    pub fn surveys(&self, site: &SiteId) -> Vec<Arc<Survey>> {
        self.read()
            .surveys
            .iter()
            .filter(|((s, _), _)| s == site)
            .filter_map(|(_, versions)| versions.last().cloned())
            .collect()
    }

    /// Stores `survey` as version 1 of a new survey.
    pub fn create_survey(&self, mut survey: Survey) -> Result<Arc<Survey>, CatalogError> {
        let mut inner = self.write();
        if !inner.sites.contains_key(&survey.site_id) {
            return Err(CatalogError::NoSite);
        }
        let key = (survey.site_id.clone(), survey.id.clone());
        if inner.surveys.contains_key(&key) {
            return Err(CatalogError::Exists);
        }
        survey.version = 1;
        let survey = self.persist_survey(survey)?;
        inner.surveys.insert(key, vec![survey.clone()]);
        Ok(survey)
    }

    /// Stores `survey` as the next version of an existing survey. Older versions stay, so late
    /// answers to them still validate.
    pub fn publish_version(&self, survey: Survey) -> Result<Arc<Survey>, CatalogError> {
        self.publish_version_after(survey, None)
    }

    /// Stores the next version of a survey, if `after` (when given) is still its latest
    /// version: checked and written under one lock, so of two editors who started from the
    /// same version only the first publishes.
    pub fn publish_version_after(
        &self,
        mut survey: Survey,
        after: Option<u32>,
    ) -> Result<Arc<Survey>, CatalogError> {
        let mut inner = self.write();
        let key = (survey.site_id.clone(), survey.id.clone());
        let versions = inner.surveys.get_mut(&key).ok_or(CatalogError::NoSurvey)?;
        let latest = versions.last().map_or(0, |s| s.version);
        if after.is_some_and(|v| v != latest) {
            return Err(CatalogError::Stale { latest });
        }
        survey.version = latest + 1;
        let survey = self.persist_survey(survey)?;
        versions.push(survey.clone());
        Ok(survey)
    }

    fn persist_survey(&self, survey: Survey) -> Result<Arc<Survey>, StoreError> {
        let key = survey_key(&survey.site_id, &survey.id, survey.version);
        self.surveys_tree
            .insert(key, serde_json::to_vec(&survey)?)?;
        self.surveys_tree.flush()?;
        self.data_file.sync_data()?;
        Ok(Arc::new(survey))
    }
}
