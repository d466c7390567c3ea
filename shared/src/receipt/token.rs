//! Receipt tokens: `v1.<kid>.<payload>.<mac>`, signed with HMAC-SHA256.
//!
//! - `kid` names the signing key (letters, digits, `_`, `-`; unique across sites, so the key
//!   is found before anything else of the token is trusted).
//! - `payload` is the claims as compact JSON, base64url without padding.
//! - `mac` is HMAC-SHA256 under the key of `v1.<kid>.<payload>`, base64url without padding.
//!
//! Everything is URL-safe, so the token goes in a path as it is. Decoding is strict (no
//! padding, no stray bits), so each token has exactly one spelling and changing any character
//! of it is caught. The MAC is checked, in constant time, before the payload is read.
//! Behind the `server` feature: only the collector signs and verifies.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{Currency, Purchase, ReceiptClaims};
use crate::ids::{CategoryId, MemberHash, ReceiptId, SiteId, StoreId, SurveyId};
use crate::time::Timestamp;

const VERSION: &str = "v1";
/// Longer tokens are refused unread.
pub const MAX_TOKEN_LEN: usize = 2_048;
pub const MAX_KID_LEN: usize = 32;
const MAC_LEN: usize = 32;

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of this format at all (a truncated or mistyped link).
    #[error("not a receipt token: {0}")]
    Malformed(&'static str),
    /// No key of that id: forged, or made by another collector.
    #[error("the token was signed with an unknown key")]
    UnknownKey,
    /// The signature does not match: the token was altered or forged.
    #[error("the token's signature does not match: it was altered or forged")]
    BadSignature,
    /// Signed with a key of another site than the one it names.
    #[error("the token was signed with another site's key")]
    WrongSite,
    #[error("the receipt's survey link expired at {} (Unix milliseconds)", .0.millis())]
    Expired(Timestamp),
}

/// A token split into its parts, its MAC not yet checked: only [`Token::kid`] may be used
/// before [`Token::verify`].
#[derive(Debug)]
pub struct Token<'a> {
    kid: &'a str,
    signed: &'a str,
    payload: Vec<u8>,
    mac: Vec<u8>,
}

/// Whether `kid` may name a key: 1 to [`MAX_KID_LEN`] of letters, digits, `_` and `-`.
pub fn is_valid_kid(kid: &str) -> bool {
    (1..=MAX_KID_LEN).contains(&kid.len())
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl<'a> Token<'a> {
    pub fn parse(token: &'a str) -> Result<Self, TokenError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Malformed("too long"));
        }
        let (signed, mac) = token
            .rsplit_once('.')
            .ok_or(TokenError::Malformed("missing parts"))?;
        let mut parts = signed.split('.');
        let (Some(version), Some(kid), Some(payload), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed("expected v1.<kid>.<payload>.<mac>"));
        };
        if version != VERSION {
            return Err(TokenError::Malformed("unknown version"));
        }
        if !is_valid_kid(kid) {
            return Err(TokenError::Malformed("bad key id"));
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed("payload is not base64url"))?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| TokenError::Malformed("signature is not base64url"))?;
        if mac.len() != MAC_LEN {
            return Err(TokenError::Malformed("signature has the wrong length"));
        }
        Ok(Self {
            kid,
            signed,
            payload,
            mac,
        })
    }

    /// The id of the key the token says it was signed with.
    pub fn kid(&self) -> &str {
        self.kid
    }

    /// Checks the MAC with `secret` (the key of [`Token::kid`], which belongs to `key_site`),
    /// then reads the claims and checks their site and expiry against `now`.
    pub fn verify(
        &self,
        key_site: &SiteId,
        secret: &[u8],
        now: Timestamp,
    ) -> Result<ReceiptClaims, TokenError> {
        let mut mac = mac(secret);
        mac.update(self.signed.as_bytes());
        mac.verify_slice(&self.mac)
            .map_err(|_| TokenError::BadSignature)?;
        let claims: ReceiptClaims = serde_json::from_slice::<Compact>(&self.payload)
            .map_err(|_| TokenError::Malformed("unreadable claims"))?
            .into();
        if &claims.site_id != key_site {
            return Err(TokenError::WrongSite);
        }
        if claims.is_expired(now) {
            return Err(TokenError::Expired(claims.expires_at));
        }
        Ok(claims)
    }
}

/// Signs `claims` with the key `kid` (which must satisfy [`is_valid_kid`]) and its `secret`.
pub fn sign(claims: &ReceiptClaims, kid: &str, secret: &[u8]) -> String {
    debug_assert!(is_valid_kid(kid), "{kid:?}");
    let json = serde_json::to_vec(&Compact::from(claims.clone()))
        .expect("claims serialize: plain strings and numbers");
    let mut token = format!("{VERSION}.{kid}.{}", URL_SAFE_NO_PAD.encode(json));
    let mut mac = mac(secret);
    mac.update(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));
    token
}

fn mac(secret: &[u8]) -> Hmac<Sha256> {
    Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length")
}

/// The claims with one-letter names: the token is printed as a QR code, and every byte makes
/// the code denser.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
struct Compact {
    s: SiteId,
    v: SurveyId,
    st: StoreId,
    r: ReceiptId,
    t: Timestamp,
    a: i64,
    c: Currency,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    k: Vec<CategoryId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    m: Option<MemberHash>,
    x: Timestamp,
}

impl From<ReceiptClaims> for Compact {
    fn from(c: ReceiptClaims) -> Self {
        let p = c.purchase;
        Self {
            s: c.site_id,
            v: c.survey_id,
            st: p.store_id,
            r: p.receipt_id,
            t: p.purchased_at,
            a: p.amount,
            c: p.currency,
            k: p.categories,
            m: c.member,
            x: c.expires_at,
        }
    }
}

impl From<Compact> for ReceiptClaims {
    fn from(c: Compact) -> Self {
        Self {
            site_id: c.s,
            survey_id: c.v,
            purchase: Purchase {
                store_id: c.st,
                receipt_id: c.r,
                purchased_at: c.t,
                amount: c.a,
                currency: c.c,
                categories: c.k,
            },
            member: c.m,
            expires_at: c.x,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::time::Period;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    const NOW: Timestamp = Timestamp(1_763_855_200_000);

    fn site() -> SiteId {
        SiteId::parse("shop").unwrap()
    }

    fn claims() -> ReceiptClaims {
        ReceiptClaims {
            site_id: site(),
            survey_id: SurveyId::parse("receipt-csat").unwrap(),
            purchase: Purchase {
                store_id: StoreId::parse("gangnam-01").unwrap(),
                receipt_id: ReceiptId::parse("R-2025-000123").unwrap(),
                purchased_at: Timestamp(1_763_855_198_000),
                amount: 12_900,
                currency: Currency::parse("KRW").unwrap(),
                categories: vec![CategoryId::parse("food").unwrap()],
            },
            member: Some(MemberHash::parse("9f86d081884c7d65").unwrap()),
            expires_at: NOW + Period::days(30),
        }
    }

    fn verify(token: &str, now: Timestamp) -> Result<ReceiptClaims, TokenError> {
        let token = Token::parse(token)?;
        if token.kid() != "k1" {
            return Err(TokenError::UnknownKey);
        }
        token.verify(&site(), SECRET, now)
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let token = sign(&claims(), "k1", SECRET);
        assert!(token.starts_with("v1.k1."), "{token}");
        assert_eq!(verify(&token, NOW), Ok(claims()));
        let at = claims().expires_at;
        assert_eq!(verify(&token, at), Err(TokenError::Expired(at)));
    }

    #[test]
    fn refusals_say_why() {
        let token = sign(&claims(), "k1", SECRET);
        let (signed, _) = token.rsplit_once('.').unwrap();
        let cases = [
            ("", TokenError::Malformed("missing parts")),
            (
                "v1.k1.e30",
                TokenError::Malformed("expected v1.<kid>.<payload>.<mac>"),
            ),
            (
                &token.replacen("v1", "v2", 1),
                TokenError::Malformed("unknown version"),
            ),
            (
                &token.replacen("k1", "k!", 1),
                TokenError::Malformed("bad key id"),
            ),
            (&token.replacen("k1", "k2", 1), TokenError::UnknownKey),
            (
                &format!("{signed}.AAAA"),
                TokenError::Malformed("signature has the wrong length"),
            ),
            (
                &format!("{token}="),
                TokenError::Malformed("signature is not base64url"),
            ),
            (
                &sign(&claims(), "k1", b"another secret"),
                TokenError::BadSignature,
            ),
        ];
        for (token, expected) in cases {
            assert_eq!(verify(token, NOW), Err(expected), "{token}");
        }
        // Another site's key (the key ring knows which site each key belongs to).
        let token = Token::parse(&token).unwrap();
        let other = SiteId::parse("other").unwrap();
        assert_eq!(
            token.verify(&other, SECRET, NOW),
            Err(TokenError::WrongSite)
        );
    }

    #[test]
    fn a_payload_swapped_from_another_token_is_refused() {
        let mut changed = claims();
        changed.purchase.amount = 1;
        let genuine = sign(&claims(), "k1", SECRET);
        let other = sign(&changed, "k1", b"a key the attacker made up");
        let parts: Vec<&str> = genuine.split('.').collect();
        let forged_payload = other.split('.').nth(2).unwrap();
        let forged = format!("v1.k1.{forged_payload}.{}", parts[3]);
        assert_eq!(verify(&forged, NOW), Err(TokenError::BadSignature));
    }

    fn arb_slug(max: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[A-Za-z0-9._-]{{1,{max}}}")).unwrap()
    }

    prop_compose! {
        fn arb_claims()(
            site in arb_slug(64), survey in arb_slug(64), store in arb_slug(64),
            receipt in arb_slug(128), purchased_at in 0i64..4_000_000_000_000,
            amount in 0i64..=super::super::MAX_AMOUNT, currency in "[A-Z]{3}",
            categories in proptest::collection::vec(arb_slug(20), 0..5),
            member in proptest::option::of("[0-9a-f]{64}"), ttl in 1i64..1_000_000_000,
        ) -> ReceiptClaims {
            ReceiptClaims {
                site_id: SiteId::parse(site).unwrap(),
                survey_id: SurveyId::parse(survey).unwrap(),
                purchase: Purchase {
                    store_id: StoreId::parse(store).unwrap(),
                    receipt_id: ReceiptId::parse(receipt).unwrap(),
                    purchased_at: Timestamp(purchased_at),
                    amount,
                    currency: Currency::parse(&currency).unwrap(),
                    categories: categories.into_iter().map(|c| CategoryId::parse(c).unwrap()).collect(),
                },
                member: member.map(|m| MemberHash::parse(m).unwrap()),
                expires_at: Timestamp(NOW.0 + ttl),
            }
        }
    }

    proptest! {
        #[test]
        fn any_claims_round_trip(claims in arb_claims(), kid in "[A-Za-z0-9_-]{1,32}") {
            let token = sign(&claims, &kid, SECRET);
            let parsed = Token::parse(&token).unwrap();
            prop_assert_eq!(parsed.kid(), kid.as_str());
            prop_assert_eq!(parsed.verify(&claims.site_id, SECRET, NOW), Ok(claims));
        }

        #[test]
        fn any_single_bit_flip_is_refused(claims in arb_claims(), index in any::<prop::sample::Index>(), bit in 0u8..8) {
            let token = sign(&claims, "k1", SECRET);
            let mut bytes = token.clone().into_bytes();
            let i = index.index(bytes.len());
            bytes[i] ^= 1 << bit;
            // A byte past ASCII is not even text: no URL can carry it.
            if let Ok(flipped) = String::from_utf8(bytes) {
                let result = Token::parse(&flipped)
                    .and_then(|t| if t.kid() == "k1" { t.verify(&claims.site_id, SECRET, NOW) } else { Err(TokenError::UnknownKey) });
                prop_assert!(result.is_err(), "{} -> {} was accepted", token, flipped);
            }
        }
    }
}
