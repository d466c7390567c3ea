//! Receipt QR: a purchase as the POS reports it, and the claims a receipt token carries.
//!
//! The POS asks the collector for a token about one purchase; the collector signs
//! [`ReceiptClaims`] with a per-site key ([`token`], behind the `server` feature so the
//! widget never links HMAC code) and prints the survey URL as a QR code. When the customer
//! answers, the response's context comes from the verified claims, never from the client
//! ([`ReceiptClaims::fix_context`]), and one receipt gets one response.
//!
//! The member is carried as its keyed hash ([`MemberHash`]), never as the membership number:
//! the token is printed on paper and anyone holding the receipt can read its payload.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, Errors, FieldError};
use crate::ids::{CategoryId, MemberHash, MemberId, ReceiptId, SiteId, StoreId, SurveyId};
use crate::map::Map;
use crate::response::{Channel, Context, JourneyStage};
use crate::time::{Period, Timestamp};
use crate::trigger::Scalar;

#[cfg(feature = "server")]
pub mod token;

/// The largest amount, in minor units: what a JavaScript number still holds exactly.
pub const MAX_AMOUNT: i64 = (1 << 53) - 1;
/// The categories of a purchase, joined with `,`, are at most this long: they become one
/// response attribute, and a short token keeps the QR code coarse enough to scan.
pub const MAX_CATEGORIES_LEN: usize = 256;
/// A purchase may be this many minutes in the future of the collector's clock (POS clocks
/// drift).
pub const CLOCK_SKEW_MINUTES: u64 = 5;
/// How long a token is valid when the POS does not say.
pub const DEFAULT_VALIDITY_DAYS: u32 = 30;
/// The longest validity a token may be given.
pub const MAX_VALIDITY_DAYS: u32 = 365;

/// The response attributes a receipt response gets from its purchase. A client's own
/// attributes of these names are replaced.
pub const ATTRIBUTE_AMOUNT: &str = "purchase_amount";
pub const ATTRIBUTE_CURRENCY: &str = "purchase_currency";
pub const ATTRIBUTE_PURCHASED_AT: &str = "purchased_at";
pub const ATTRIBUTE_CATEGORIES: &str = "purchase_categories";

/// An ISO 4217 currency code: three capital letters (`KRW`, `EUR`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be three capital letters, such as \"KRW\" or \"EUR\"")]
pub struct CurrencyError;

impl Currency {
    pub fn parse(s: &str) -> Result<Self, CurrencyError> {
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(CurrencyError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(s: String) -> Result<Self, CurrencyError> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

/// One purchase, as the receipt shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct Purchase {
    pub store_id: StoreId,
    pub receipt_id: ReceiptId,
    /// When the customer paid, by the POS's clock.
    pub purchased_at: Timestamp,
    /// The total in the currency's minor units (won, cents), so no rounding ever happens.
    pub amount: i64,
    pub currency: Currency,
    /// What was bought, by category (a basket without line items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryId>,
}

impl Purchase {
    /// Checks what the field types cannot: the amount's range, a purchase not in the future,
    /// categories without repeats and short enough together.
    pub fn validate(&self, now: Timestamp) -> Result<(), Vec<FieldError>> {
        let mut errors = Errors::default();
        if !(0..=MAX_AMOUNT).contains(&self.amount) {
            errors.push(
                ErrorCode::OutOfRange,
                "amount",
                format!("the total in minor units, from 0 to {MAX_AMOUNT}"),
            );
        }
        if self.purchased_at > now + Period::minutes(CLOCK_SKEW_MINUTES) {
            errors.push(
                ErrorCode::OutOfRange,
                "purchased_at",
                "the purchase is in the future (milliseconds since the Unix epoch)",
            );
        }
        if self.purchased_at.millis() < 0 {
            errors.push(
                ErrorCode::OutOfRange,
                "purchased_at",
                "milliseconds since the Unix epoch",
            );
        }
        for (i, category) in self.categories.iter().enumerate() {
            if self.categories[..i].contains(category) {
                errors.push(
                    ErrorCode::Duplicate,
                    format!("categories.{i}"),
                    format!("{category:?} is listed twice"),
                );
            }
        }
        if self.categories_joined().len() > MAX_CATEGORIES_LEN {
            errors.push(
                ErrorCode::TooLong,
                "categories",
                format!("at most {MAX_CATEGORIES_LEN} characters together"),
            );
        }
        errors.into_result()
    }

    /// The categories as one attribute value: `food,drinks`.
    pub fn categories_joined(&self) -> String {
        let names: Vec<&str> = self.categories.iter().map(CategoryId::as_str).collect();
        names.join(",")
    }
}

/// What a receipt token says, signed by the collector: which survey, about which purchase, for
/// which member (hashed), until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct ReceiptClaims {
    pub site_id: SiteId,
    pub survey_id: SurveyId,
    pub purchase: Purchase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberHash>,
    /// The token is refused from this time on.
    pub expires_at: Timestamp,
}

impl ReceiptClaims {
    /// Whether the token has run out at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }

    /// Makes a client's context the context of this receipt: its site must be the receipt's;
    /// channel, store, receipt, journey stage and the purchase attributes come from the claims;
    /// a client's kiosk and member are dropped (the member, hashed, comes from the claims after
    /// [`Response::pseudonymize`](crate::response::Response::pseudonymize)). The client keeps
    /// its locale, page and other attributes.
    pub fn fix_context(&self, context: &mut Context<MemberId>) -> Result<(), FieldError> {
        if context.site_id != self.site_id {
            return Err(FieldError::new(
                ErrorCode::InvalidReference,
                "context.site_id",
                format!("the receipt belongs to site {:?}", self.site_id.as_str()),
            ));
        }
        let p = &self.purchase;
        context.channel = Channel::Receipt;
        context.store_id = Some(p.store_id.clone());
        context.receipt_id = Some(p.receipt_id.clone());
        context.kiosk_id = None;
        context.journey_stage = Some(JourneyStage::PostPurchase);
        context.member = None;
        let attributes: &mut Map<String, Scalar> = &mut context.attributes;
        attributes.insert(ATTRIBUTE_AMOUNT.into(), Scalar::Num(p.amount as f64));
        attributes.insert(
            ATTRIBUTE_CURRENCY.into(),
            Scalar::Str(p.currency.as_str().into()),
        );
        attributes.insert(
            ATTRIBUTE_PURCHASED_AT.into(),
            Scalar::Num(p.purchased_at.millis() as f64),
        );
        if !p.categories.is_empty() {
            attributes.insert(
                ATTRIBUTE_CATEGORIES.into(),
                Scalar::Str(p.categories_joined()),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::ids::Locale;

    fn purchase() -> Purchase {
        serde_json::from_value(json!({
            "store_id": "gangnam-01",
            "receipt_id": "R-2025-000123",
            "purchased_at": 1_763_855_198_000_i64,
            "amount": 12_900,
            "currency": "KRW",
            "categories": ["food", "drinks"]
        }))
        .unwrap()
    }

    const NOW: Timestamp = Timestamp(1_763_855_200_000);

    #[test]
    fn purchases_are_checked() {
        assert_eq!(purchase().validate(NOW), Ok(()));
        type Change = fn(&mut Purchase);
        type Expected = &'static [(ErrorCode, &'static str)];
        let table: &[(&str, Change, Expected)] = &[
            (
                "negative amount",
                |p| p.amount = -1,
                &[(ErrorCode::OutOfRange, "amount")],
            ),
            (
                "amount past 2^53",
                |p| p.amount = MAX_AMOUNT + 1,
                &[(ErrorCode::OutOfRange, "amount")],
            ),
            (
                "an hour ahead",
                |p| p.purchased_at = NOW + Period::hours(1),
                &[(ErrorCode::OutOfRange, "purchased_at")],
            ),
            (
                "repeated category",
                |p| p.categories.push(CategoryId::parse("food").unwrap()),
                &[(ErrorCode::Duplicate, "categories.2")],
            ),
            (
                "categories too long together",
                |p| {
                    p.categories = (0..10)
                        .map(|i| CategoryId::parse(format!("{i}{}", "c".repeat(40))).unwrap())
                        .collect()
                },
                &[(ErrorCode::TooLong, "categories")],
            ),
        ];
        for (case, change, expected) in table {
            let mut p = purchase();
            change(&mut p);
            let errors = p.validate(NOW).expect_err(case);
            let got: Vec<_> = errors.iter().map(|e| (e.code, e.field.as_str())).collect();
            assert_eq!(&got, expected, "{case}");
        }
        let mut skewed = purchase();
        skewed.purchased_at = NOW + Period::minutes(4);
        assert_eq!(skewed.validate(NOW), Ok(()), "a little clock drift is fine");
    }

    #[test]
    fn malformed_purchases_do_not_deserialize() {
        for (field, value) in [
            ("currency", json!("krw")),
            ("currency", json!("KRWX")),
            ("store_id", json!("강남")),
            ("amount", json!(1.5)),
            ("categories", json!(["a b"])),
        ] {
            let mut v = serde_json::to_value(purchase()).unwrap();
            v[field] = value;
            assert!(serde_json::from_value::<Purchase>(v).is_err(), "{field}");
        }
    }

    #[test]
    fn the_context_comes_from_the_claims() {
        let claims = ReceiptClaims {
            site_id: SiteId::parse("shop").unwrap(),
            survey_id: SurveyId::parse("receipt-csat").unwrap(),
            purchase: purchase(),
            member: None,
            expires_at: NOW + Period::days(30),
        };
        let mut context: Context<MemberId> = serde_json::from_value(json!({
            "channel": "web", "site_id": "shop", "locale": "ko", "store_id": "elsewhere",
            "receipt_id": "R-forged", "kiosk_id": "k1", "member": "M-1",
            "attributes": {"purchase_amount": 1, "plan": "gold"}
        }))
        .unwrap();
        claims.fix_context(&mut context).unwrap();
        assert_eq!(context.channel, Channel::Receipt);
        assert_eq!(context.store_id.as_ref().unwrap().as_str(), "gangnam-01");
        assert_eq!(
            context.receipt_id.as_ref().unwrap().as_str(),
            "R-2025-000123"
        );
        assert_eq!((&context.kiosk_id, &context.member), (&None, &None));
        assert_eq!(context.locale, Locale::parse("ko").unwrap());
        assert_eq!(
            context.attributes.get("purchase_amount"),
            Some(&Scalar::Num(12_900.0))
        );
        assert_eq!(
            context.attributes.get("purchase_categories"),
            Some(&Scalar::Str("food,drinks".into()))
        );
        assert_eq!(
            context.attributes.get("plan"),
            Some(&Scalar::Str("gold".into()))
        );

        context.site_id = SiteId::parse("other").unwrap();
        let error = claims.fix_context(&mut context).unwrap_err();
        assert_eq!(
            (error.code, error.field.as_str()),
            (ErrorCode::InvalidReference, "context.site_id")
        );
        assert!(!claims.is_expired(NOW));
        assert!(claims.is_expired(claims.expires_at));
    }
}
