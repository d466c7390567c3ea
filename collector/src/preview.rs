//! Previews: a survey draft shown by the real widget before anyone publishes it.
//!
//! The dashboard's editor posts its draft (`POST /v1/admin/sites/{site}/previews`); the
//! collector checks it as publishing would and keeps it here, in memory, for an hour, under a
//! random id ([`lifetime`], at most [`MAX_PREVIEWS`]). The page `/p/{id}` runs the widget's receipt mode on it: the widget reads
//! `GET /v1/previews/{id}`, which has the shape of a receipt, and posts the answer to
//! `/v1/previews/{id}/responses`, which checks it against the draft and keeps nothing.
//!
//! Nothing here reaches the store: a preview leaves no survey, response, display or contact
//! behind, and a restart forgets every preview (the editor makes a new one on its next change).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use shared::survey::Survey;
use shared::time::{Period, Timestamp};

/// How long a preview can be opened after the editor made it.
pub fn lifetime() -> Period {
    Period::hours(1)
}

/// The most previews kept at once. An editor makes one per change it previews; past this the
/// one that would expire first goes.
pub const MAX_PREVIEWS: usize = 256;

/// The site id the widget is given on a preview page. Only the device uses it (its contact
/// history and outbox are kept by site), so a preview never counts as a contact of the real
/// site on this browser: previewing must not keep the real survey away from its author.
pub const DEVICE_SITE: &str = "nunchi-preview";

/// A draft as it will be shown.
#[derive(Debug, Clone)]
pub struct Preview {
    pub survey: Arc<Survey>,
    pub expires_at: Timestamp,
}

/// The previews made and not yet expired, by id.
#[derive(Debug, Clone, Default)]
pub struct Previews {
    kept: Arc<Mutex<HashMap<String, Preview>>>,
}

impl Previews {
    /// Keeps `survey` until `now + lifetime()` and returns its new id: 32 hex digits from the
    /// operating system's random source, so a preview link cannot be guessed.
    pub fn add(
        &self,
        survey: Survey,
        now: Timestamp,
    ) -> Result<(String, Preview), getrandom::Error> {
        let mut bytes = [0_u8; 16];
        getrandom::fill(&mut bytes)?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let preview = Preview {
            survey: Arc::new(survey),
            expires_at: now + lifetime(),
        };
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|_, p| p.expires_at > now);
        while kept.len() >= MAX_PREVIEWS {
            let Some(first) = kept
                .iter()
                .min_by_key(|(_, p)| p.expires_at)
                .map(|(id, _)| id.clone())
            else {
                break;
            };
            kept.remove(&first);
        }
        kept.insert(id.clone(), preview.clone());
        Ok((id, preview))
    }

    /// The preview `id` names, unless it is unknown or has expired.
    pub fn get(&self, id: &str, now: Timestamp) -> Option<Preview> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(id).filter(|p| p.expires_at > now).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> Survey {
        serde_json::from_value(serde_json::json!({
            "id": "draft", "site_id": "demo-shop", "name": "Draft", "default_locale": "en",
            "questions": [{"id": "q", "kind": {"type": "nps"}, "text": {"en": "How likely?"}}]
        }))
        .unwrap()
    }

    #[test]
    fn a_preview_lives_an_hour_under_an_unguessable_id() {
        let previews = Previews::default();
        let now = Timestamp(1_000_000);
        let (id, preview) = previews.add(survey(), now).unwrap();
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(preview.expires_at, now + lifetime());
        assert!(previews.get(&id, now + Period::minutes(59)).is_some());
        assert!(previews.get(&id, now + lifetime()).is_none());
        assert!(previews.get("0123", now).is_none());
        let (other, _) = previews.add(survey(), now).unwrap();
        assert_ne!(id, other);
    }

    #[test]
    fn past_the_cap_the_one_expiring_first_goes() {
        let previews = Previews::default();
        let start = Timestamp(1_000_000);
        let ids: Vec<String> = (0..MAX_PREVIEWS as i64 + 1)
            .map(|i| {
                previews
                    .add(survey(), start + Period::seconds(i as u64))
                    .unwrap()
                    .0
            })
            .collect();
        let now = start + Period::seconds(MAX_PREVIEWS as u64);
        assert!(previews.get(&ids[0], now).is_none(), "the oldest went");
        assert!(ids[1..].iter().all(|id| previews.get(id, now).is_some()));
        assert_eq!(
            previews.kept.lock().unwrap().len(),
            MAX_PREVIEWS,
            "never more than the cap"
        );
    }
}
