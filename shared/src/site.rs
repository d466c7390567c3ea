//! A site's public configuration, as the widget fetches it.

use std::sync::Arc;

use crate::map::Map;

use serde::{Deserialize, Serialize};

use crate::ids::{SiteId, SurveyId};
use crate::survey::Survey;
use crate::throttle::{QuotaUsage, ThrottlePolicy};

/// `GET /v1/sites/{site}/config`: what the widget needs to decide on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteConfig {
    pub site_id: SiteId,
    pub policy: ThrottlePolicy,
    /// The latest version of every active survey. Shared, not copied: the collector hands out
    /// its catalog's surveys, the widget hands one to the card it shows.
    pub surveys: Vec<Arc<Survey>>,
    /// Responses counted against each survey's quota (for the store asked about, if any).
    #[serde(default)]
    pub usage: Map<SurveyId, QuotaUsage>,
}
