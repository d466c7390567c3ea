//! A site as the collector keeps it: who may post from where, its throttling policy, its secrets.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use shared::error::{ErrorCode, FieldError};
use shared::ids::{MemberHash, MemberId, SiteId};
use shared::throttle::ThrottlePolicy;
use shared::time::{Period, Timestamp};

pub const MAX_ORIGINS: usize = 50;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    /// Origins (`https://shop.example`) whose pages may post; `*` allows any.
    pub allowed_origins: Vec<String>,
    pub policy: ThrottlePolicy,
    /// Responses older than this many days are deleted by the retention sweeper.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Kiosk presses with the same answers this close together count once (default 5 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_press_window: Option<Period>,
    pub created_at: Timestamp,
    /// The key of the member-id hash. Never leaves the collector.
    member_key: String,
}

/// What an admin sends to create or update a site. Secrets are made by the collector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInput {
    pub id: SiteId,
    pub name: String,
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[serde(default)]
    pub policy: ThrottlePolicy,
    /// Days a response is kept (1 to 36500); none keeps responses until erased.
    #[serde(default)]
    pub retention_days: Option<u32>,
    /// Kiosk presses with the same answers this close together count once: `"5s"` when left
    /// out, `0` to count every press.
    #[serde(default)]
    pub repeat_press_window: Option<Period>,
}

/// A kiosk's repeated presses within this window count once, unless the site says otherwise.
pub const DEFAULT_REPEAT_PRESS_WINDOW_SECS: u64 = 5;

/// The longest a repeat-press window may be: longer would merge genuine customers.
pub const MAX_REPEAT_PRESS_WINDOW_SECS: u64 = 600;

/// The longest retention a site may set: a hundred years.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// What the admin API shows of a site.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView {
    pub id: SiteId,
    pub name: String,
    pub allowed_origins: Vec<String>,
    pub policy: ThrottlePolicy,
    pub retention_days: Option<u32>,
    /// The window in force, in seconds.
    pub repeat_press_window: Period,
    pub created_at: Timestamp,
}

impl Site {
    pub fn create(input: SiteInput, now: Timestamp) -> Result<Site, std::io::Error> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(std::io::Error::other)?;
        Ok(Site {
            id: input.id,
            name: input.name,
            allowed_origins: input.allowed_origins,
            policy: input.policy,
            retention_days: input.retention_days,
            repeat_press_window: input.repeat_press_window,
            created_at: now,
            member_key: hex::encode(key),
        })
    }

    /// The same site with the editable fields of `input`; the id, secrets and creation time stay.
    pub fn updated(&self, input: SiteInput) -> Site {
        Site {
            name: input.name,
            allowed_origins: input.allowed_origins,
            policy: input.policy,
            retention_days: input.retention_days,
            repeat_press_window: input.repeat_press_window,
            ..self.clone()
        }
    }

    pub fn view(&self) -> SiteView {
        SiteView {
            id: self.id.clone(),
            name: self.name.clone(),
            allowed_origins: self.allowed_origins.clone(),
            policy: self.policy.clone(),
            retention_days: self.retention_days,
            repeat_press_window: self.repeat_press_window(),
            created_at: self.created_at,
        }
    }

    /// Kiosk presses with the same answers this close together (by client time) count once.
    pub fn repeat_press_window(&self) -> Period {
        self.repeat_press_window
            .unwrap_or(Period::seconds(DEFAULT_REPEAT_PRESS_WINDOW_SECS))
    }

    /// HMAC-SHA256 of the member id under this site's key: the same member always maps to the
    /// same hash on this site, and the hash cannot be reversed or linked across sites.
    pub fn member_hash(&self, member: &MemberId) -> MemberHash {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.member_key.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(member.as_str().as_bytes());
        let hash = hex::encode(mac.finalize().into_bytes());
        MemberHash::parse(hash).expect("64 hex digits are a valid member hash")
    }

    /// Whether a browser page from `origin` may post for this site.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allowed_origins
            .iter()
            .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
    }
}

impl SiteInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "name",
                "a name of 1 to 200 characters",
            ));
        }
        if self.allowed_origins.len() > MAX_ORIGINS {
            errors.push(FieldError::new(
                ErrorCode::TooMany,
                "allowed_origins",
                format!("at most {MAX_ORIGINS} origins"),
            ));
        }
        if let Some(days) = self.retention_days
            && !(1..=MAX_RETENTION_DAYS).contains(&days)
        {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "retention_days",
                format!("1 to {MAX_RETENTION_DAYS} days"),
            ));
        }
        if self
            .repeat_press_window
            .is_some_and(|w| w.as_secs() > MAX_REPEAT_PRESS_WINDOW_SECS)
        {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                "repeat_press_window",
                format!("at most {MAX_REPEAT_PRESS_WINDOW_SECS} seconds (0 counts every press)"),
            ));
        }
        for (i, origin) in self.allowed_origins.iter().enumerate() {
            if let Err(message) = check_origin(origin) {
                errors.push(FieldError::new(
                    ErrorCode::InvalidValue,
                    format!("allowed_origins.{i}"),
                    message,
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// An origin is `*` or `scheme://host[:port]`, with no path, as browsers send it.
fn check_origin(origin: &str) -> Result<(), String> {
    if origin == "*" {
        return Ok(());
    }
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("{origin:?} must start with https:// or http://"))?;
    let host_ok = !rest.is_empty()
        && rest.len() <= 253
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if !host_ok {
        return Err(format!(
            "{origin:?} must be scheme://host[:port] with no path, like https://shop.example"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(origins: &[&str]) -> SiteInput {
        SiteInput {
            id: SiteId::parse("s").unwrap(),
            name: "Shop".into(),
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            policy: ThrottlePolicy::default(),
            retention_days: None,
            repeat_press_window: None,
        }
    }

    #[test]
    fn origins_are_checked() {
        assert!(
            input(&["https://shop.example", "http://localhost:8080", "*"])
                .validate()
                .is_ok()
        );
        for bad in [
            "shop.example",
            "https://shop.example/",
            "https://shop.example/path",
            "ftp://x",
            "https://",
        ] {
            let errors = input(&[bad]).validate().unwrap_err();
            assert_eq!(errors[0].field, "allowed_origins.0", "{bad}");
        }
    }

    #[test]
    fn member_hash_is_keyed_and_stable() {
        let a = Site::create(input(&[]), Timestamp(0)).unwrap();
        let b = Site::create(input(&[]), Timestamp(0)).unwrap();
        let m = MemberId::parse("M-1").unwrap();
        assert_eq!(a.member_hash(&m), a.member_hash(&m));
        assert_ne!(
            a.member_hash(&m),
            b.member_hash(&m),
            "different sites, different keys"
        );
        assert_eq!(a.member_hash(&m).as_str().len(), 64);
        assert!(!a.member_hash(&m).as_str().contains("M-1"));
    }
}
