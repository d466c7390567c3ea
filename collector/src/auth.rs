//! Who is calling: API keys, held as SHA-256 digests and compared in constant time.
//!
//! Two kinds of key open the API. The admin key given on the command line (`--admin-key`) is
//! held as a digest in memory. Keys made with `nunchi keys create` or `POST /v1/admin/keys`
//! live in the store's [`KeyRing`], each with a [`Scope`] and (unless admin) a site. A presented
//! key is hashed once and compared with every digest, without stopping at a match, so neither
//! timing nor an early exit tells how close a guess was. The key ring is read on every request,
//! never copied, so a revoked key stops working as soon as the revocation returns.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use shared::ids::SiteId;
use subtle::{ConditionallySelectable, ConstantTimeEq};

use crate::api_key::{ApiKey, KeyId, Scope, SecretDigest};
use crate::error::ApiError;
use crate::store::KeyRing;

pub const MIN_KEY_LEN: usize = 16;

#[derive(Debug, Clone)]
pub struct ApiKeys {
    /// The digest of the configured admin key, if one is set.
    admin: Option<SecretDigest>,
    ring: Arc<KeyRing>,
}

/// The holder of a valid key: what it may do, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// `None` for the configured admin key.
    pub key: Option<KeyId>,
    pub scope: Scope,
    /// `None`: every site (admin keys).
    pub site: Option<SiteId>,
}

impl Caller {
    /// Lets an admin key do anything, and another key only `scope` on its own site.
    pub fn require(&self, scope: Scope, site: &SiteId) -> Result<(), ApiError> {
        if self.scope != Scope::Admin && self.scope != scope {
            return Err(ApiError::InsufficientScope(format!(
                "this key has the {} scope; this needs {scope} (or admin)",
                self.scope
            )));
        }
        match &self.site {
            Some(own) if own != site => Err(ApiError::InsufficientScope(format!(
                "this key works only for site {own:?}"
            ))),
            _ => Ok(()),
        }
    }
}

impl ApiKeys {
    pub fn new(admin_key: Option<&str>, ring: Arc<KeyRing>) -> Self {
        Self {
            admin: admin_key.map(SecretDigest::of),
            ring,
        }
    }

    /// The caller a presented key stands for, if it is a valid, unrevoked key.
    pub fn verify(&self, presented: &str) -> Option<Caller> {
        let candidate = SecretDigest::of(presented);
        self.ring
            .with_keys(|keys| find(&candidate, self.admin.as_ref(), keys))
    }

    /// Whether the caller's key still works (it may have been revoked since the request
    /// began): a long export checks this between pages.
    pub fn still_valid(&self, caller: &Caller) -> bool {
        match &caller.key {
            None => true,
            Some(id) => self.ring.get(id).is_some_and(|k| !k.is_revoked()),
        }
    }
}

/// Compares `candidate` with the admin digest and every stored digest, in time that depends only
/// on how many keys there are. Revoked keys are compared too, and then masked out.
fn find(candidate: &SecretDigest, admin: Option<&SecretDigest>, keys: &[ApiKey]) -> Option<Caller> {
    let is_admin = admin.map_or(subtle::Choice::from(0), |d| d.0.ct_eq(&candidate.0));
    let mut found = subtle::Choice::from(0);
    let mut index = 0u32;
    for (i, key) in keys.iter().enumerate() {
        let hit =
            key.digest.0.ct_eq(&candidate.0) & subtle::Choice::from(u8::from(!key.is_revoked()));
        index = u32::conditional_select(&index, &(i as u32), hit);
        found |= hit;
    }
    if bool::from(is_admin) {
        return Some(Caller {
            key: None,
            scope: Scope::Admin,
            site: None,
        });
    }
    if !bool::from(found) {
        return None;
    }
    let key = &keys[index as usize];
    Some(Caller {
        key: Some(key.id.clone()),
        scope: key.scope,
        site: key.site.clone(),
    })
}

impl<S> FromRequestParts<S> for Caller
where
    ApiKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        ApiKeys::from_ref(state)
            .verify(presented.trim())
            .ok_or(ApiError::Unauthorized)
    }
}

/// An extractor that lets a request through only with an admin key (401 without a valid key,
/// 403 with a key of another scope).
#[derive(Debug, Clone, Copy)]
pub struct AdminKey;

impl<S> FromRequestParts<S> for AdminKey
where
    ApiKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.scope == Scope::Admin {
            Ok(AdminKey)
        } else {
            Err(ApiError::InsufficientScope(format!(
                "this key has the {} scope; the admin API needs an admin key",
                caller.scope
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::time::Timestamp;

    use super::*;
    use crate::api_key::KeyRequest;

    fn key(scope: Scope, site: Option<&str>) -> (ApiKey, String) {
        KeyRequest {
            scope,
            site: site.map(|s| SiteId::parse(s).unwrap()),
            name: String::new(),
        }
        .mint(Timestamp(1))
        .unwrap()
    }

    #[test]
    fn verifies_only_known_unrevoked_keys() {
        let admin = SecretDigest::of("first-key-0123456789");
        let (export, export_secret) = key(Scope::Export, Some("shop"));
        let (mut revoked, revoked_secret) = key(Scope::Receipts, Some("shop"));
        revoked.revoked_at = Some(Timestamp(2));
        let keys = [export.clone(), revoked];
        let check = |presented: &str| find(&SecretDigest::of(presented), Some(&admin), &keys);

        assert_eq!(check("first-key-0123456789").unwrap().scope, Scope::Admin);
        let caller = check(&export_secret).unwrap();
        assert_eq!(caller.key, Some(export.id));
        assert_eq!(
            (caller.scope, caller.site.unwrap().as_str()),
            (Scope::Export, "shop")
        );
        assert_eq!(check(&revoked_secret), None);
        assert_eq!(check("first-key-012345678"), None);
        assert_eq!(check(""), None);
        assert_eq!(
            find(&SecretDigest::of("first-key-0123456789"), None, &[]),
            None
        );
    }

    #[test]
    fn scopes_and_sites_limit_what_a_key_may_do() {
        let shop = SiteId::parse("shop").unwrap();
        let other = SiteId::parse("other").unwrap();
        let caller = |scope, site: Option<&SiteId>| Caller {
            key: None,
            scope,
            site: site.cloned(),
        };
        assert!(
            caller(Scope::Admin, None)
                .require(Scope::Export, &shop)
                .is_ok()
        );
        assert!(
            caller(Scope::Export, Some(&shop))
                .require(Scope::Export, &shop)
                .is_ok()
        );
        assert!(
            caller(Scope::Export, Some(&shop))
                .require(Scope::Export, &other)
                .is_err()
        );
        assert!(
            caller(Scope::Receipts, Some(&shop))
                .require(Scope::Export, &shop)
                .is_err()
        );
        assert!(
            caller(Scope::Export, Some(&shop))
                .require(Scope::Receipts, &shop)
                .is_err()
        );
    }
}
