//! API keys as the collector keeps them: an id, a scope, a site, and the SHA-256 digest of the
//! secret. The secret itself exists only in the answer to the request (or command) that made
//! it; it is never stored and cannot be shown again.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use shared::ids::SiteId;
use shared::time::Timestamp;

use crate::store::{Store, StoreError};

/// What a key may do. `admin` may do everything, on every site; the others only their own
/// thing, on their own site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Sites, surveys, keys, exports: the whole admin API.
    Admin,
    /// Reading a site's responses: `GET …/export`.
    Export,
    /// Issuing receipt tokens for a site (for the POS).
    Receipts,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Export => "export",
            Self::Receipts => "receipts",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "export" => Some(Self::Export),
            "receipts" => Some(Self::Receipts),
            _ => None,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public name of a key (`key_` and 16 hex digits): safe to log, list and revoke by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(String);

impl KeyId {
    pub fn parse(s: &str) -> Option<Self> {
        let hex = s.strip_prefix("key_")?;
        (hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KeyId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("{s:?} is not a key id"))
    }
}

impl From<KeyId> for String {
    fn from(id: KeyId) -> String {
        id.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 digest of a key's secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SecretDigest(pub [u8; 32]);

impl SecretDigest {
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }
}

impl fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretDigest(..)")
    }
}

impl Serialize for SecretDigest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(self.0))
    }
}

impl<'de> Deserialize<'de> for SecretDigest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let mut out = [0u8; 32];
        hex::decode_to_slice(&text, &mut out).map_err(serde::de::Error::custom)?;
        Ok(Self(out))
    }
}

/// A key as stored. Revoked keys stay, marked, so that the list tells who had access when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: KeyId,
    pub scope: Scope,
    /// The one site the key works for; `None` only for admin keys, which cover every site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteId>,
    /// Who or what the key is for, as its maker wrote it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub digest: SecretDigest,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
}

impl ApiKey {
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    pub fn view(&self) -> ApiKeyView {
        ApiKeyView {
            id: self.id.clone(),
            scope: self.scope,
            site: self.site.clone(),
            name: self.name.clone(),
            created_at: self.created_at,
            revoked_at: self.revoked_at,
            key: None,
        }
    }
}

/// A key as the API and the CLI show it: never the digest, and the secret only once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyView {
    pub id: KeyId,
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteId>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
    /// The secret, in the answer that created the key and nowhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// What a new key is for, as a request or the command line asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRequest {
    pub scope: Scope,
    #[serde(default)]
    pub site: Option<SiteId>,
    #[serde(default)]
    pub name: String,
}

/// Why a key cannot be made as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRequestError {
    #[error("an admin key covers every site: leave out the site")]
    AdminWithSite,
    #[error("a {0} key works for one site: name it")]
    SiteRequired(Scope),
    #[error("the name must be at most {MAX_NAME_LEN} characters")]
    NameTooLong,
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
}

pub const MAX_NAME_LEN: usize = 200;

impl KeyRequestError {
    /// The field of the request the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::AdminWithSite | Self::SiteRequired(_) => "site",
            Self::NameTooLong => "name",
            Self::Random(_) => "",
        }
    }
}

impl KeyRequest {
    /// Makes the key: a fresh id and secret. The secret is returned beside the record and
    /// never kept.
    pub fn mint(self, now: Timestamp) -> Result<(ApiKey, String), KeyRequestError> {
        match (self.scope, &self.site) {
            (Scope::Admin, Some(_)) => return Err(KeyRequestError::AdminWithSite),
            (scope @ (Scope::Export | Scope::Receipts), None) => {
                return Err(KeyRequestError::SiteRequired(scope));
            }
            _ => {}
        }
        if self.name.chars().count() > MAX_NAME_LEN {
            return Err(KeyRequestError::NameTooLong);
        }
        let secret = format!("nk_{}", hex::encode(random::<32>()?));
        let key = ApiKey {
            id: KeyId(format!("key_{}", hex::encode(random::<8>()?))),
            scope: self.scope,
            site: self.site,
            name: self.name,
            digest: SecretDigest::of(&secret),
            created_at: now,
            revoked_at: None,
        };
        Ok((key, secret))
    }
}

/// Why a key was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateKeyError {
    #[error(transparent)]
    Request(#[from] KeyRequestError),
    #[error("site {0:?} does not exist")]
    NoSite(SiteId),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a key for an existing site (or an admin key) and stores its digest. Blocks until
/// durable. The answer is the only place the secret ever appears.
pub fn create(
    store: &Store,
    request: KeyRequest,
    now: Timestamp,
) -> Result<ApiKeyView, CreateKeyError> {
    if let Some(site) = &request.site
        && store.catalog().site(site).is_none()
    {
        return Err(CreateKeyError::NoSite(site.clone()));
    }
    let (key, secret) = request.mint(now)?;
    let key = store.key_ring().insert(key)?;
    Ok(ApiKeyView {
        key: Some(secret),
        ..key.view()
    })
}

fn random<const N: usize>() -> Result<[u8; N], KeyRequestError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| KeyRequestError::Random(e.to_string()))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(scope: Scope, site: Option<&str>) -> KeyRequest {
        KeyRequest {
            scope,
            site: site.map(|s| SiteId::parse(s).unwrap()),
            name: String::new(),
        }
    }

    #[test]
    fn keys_are_minted_for_a_scope_and_a_site() {
        let cases = [
            (Scope::Admin, None, Ok(())),
            (
                Scope::Admin,
                Some("shop"),
                Err(KeyRequestError::AdminWithSite),
            ),
            (Scope::Export, Some("shop"), Ok(())),
            (
                Scope::Export,
                None,
                Err(KeyRequestError::SiteRequired(Scope::Export)),
            ),
            (Scope::Receipts, Some("shop"), Ok(())),
            (
                Scope::Receipts,
                None,
                Err(KeyRequestError::SiteRequired(Scope::Receipts)),
            ),
        ];
        for (scope, site, expected) in cases {
            let minted = request(scope, site).mint(Timestamp(1));
            assert_eq!(
                minted.as_ref().map(|_| ()),
                expected.as_ref().map(|_| ()),
                "{scope} {site:?}"
            );
        }
    }

    #[test]
    fn only_the_digest_of_a_secret_is_kept() {
        let (key, secret) = request(Scope::Export, Some("shop"))
            .mint(Timestamp(1))
            .unwrap();
        assert!(secret.starts_with("nk_") && secret.len() == 67, "{secret}");
        assert_eq!(key.digest, SecretDigest::of(&secret));
        let stored = serde_json::to_string(&key).unwrap();
        assert!(!stored.contains(&secret[3..]), "{stored}");
        let back: ApiKey = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, key);
        assert!(KeyId::parse(key.id.as_str()).is_some());
        let (other, other_secret) = request(Scope::Export, Some("shop"))
            .mint(Timestamp(1))
            .unwrap();
        assert_ne!((other.id, other_secret), (key.id, secret));
    }

    #[test]
    fn key_ids_are_checked() {
        assert!(KeyId::parse("key_0123456789abcdef").is_some());
        for bad in [
            "",
            "key_",
            "key_0123456789ABCDEF",
            "key_0123",
            "kez_0123456789abcdef",
        ] {
            assert!(KeyId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
