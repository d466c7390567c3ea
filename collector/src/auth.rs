//! API keys. Only SHA-256 digests are kept; a presented key is compared with every digest in
//! constant time, so neither timing nor an early exit tells how close a guess was.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

pub const MIN_KEY_LEN: usize = 16;

#[derive(Debug, Clone, Default)]
pub struct ApiKeys {
    digests: Arc<Vec<[u8; 32]>>,
}

impl ApiKeys {
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            digests: Arc::new(keys.into_iter().map(digest).collect()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    pub fn verify(&self, presented: &str) -> bool {
        let candidate = digest(presented);
        // Fold over all digests without stopping at the first match.
        self.digests
            .iter()
            .fold(subtle::Choice::from(0), |found, d| {
                found | d.ct_eq(&candidate)
            })
            .into()
    }
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// An extractor that lets a request through only with a valid admin key.
#[derive(Debug, Clone, Copy)]
pub struct AdminKey;

impl<S> FromRequestParts<S> for AdminKey
where
    ApiKeys: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let keys = ApiKeys::from_ref(state);
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        if keys.verify(presented.trim()) {
            Ok(AdminKey)
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_known_keys() {
        let keys = ApiKeys::new(["first-key-0123456789", "second-key-0123456789"]);
        assert!(keys.verify("first-key-0123456789"));
        assert!(keys.verify("second-key-0123456789"));
        assert!(!keys.verify("first-key-012345678"));
        assert!(!keys.verify(""));
        assert!(!ApiKeys::default().verify("first-key-0123456789"));
    }
}
