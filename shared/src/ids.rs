//! Identifier newtypes. Each is parsed once, at the edge, and is valid from then on.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters")]
    TooLong { max: usize },
    #[error("may contain only letters, digits, '-', '_' and '.'")]
    BadCharacter,
    #[error("must be a UUID version 7")]
    NotUuidV7,
    #[error("must be a language tag such as \"ko\" or \"en-US\"")]
    BadLocale,
}

fn check_slug(s: &str, max: usize) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty);
    }
    if s.len() > max {
        return Err(IdError::TooLong { max });
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(IdError::BadCharacter);
    }
    Ok(())
}

/// Declares a string identifier made of letters, digits, `-`, `_` and `.`, at most `$max` long.
macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn parse(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check_slug(&s, $max)?;
                Ok(Self(s))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

slug_id!(
    /// A site: one customer property (a web shop, a chain of stores, an app).
    SiteId, 64
);
slug_id!(
    /// A survey, unique within its site.
    SurveyId, 64
);
slug_id!(
    /// A question, unique within its survey (`nps`, `what_went_wrong`).
    QuestionId, 64
);
slug_id!(
    /// A choice of a single- or multiple-choice question.
    ChoiceId, 64
);
slug_id!(
    /// A physical store.
    StoreId, 64
);
slug_id!(
    /// A kiosk terminal inside a store.
    KioskId, 64
);
slug_id!(
    /// A receipt number as the POS prints it.
    ReceiptId, 128
);
slug_id!(
    /// A product category of a purchase, as the POS names it (`food`, `drinks.coffee`).
    CategoryId, 64
);
slug_id!(
    /// A membership number as the host knows it. Never stored: the collector keeps only a keyed
    /// hash ([`MemberHash`]).
    MemberId, 128
);
slug_id!(
    /// A keyed hash of a [`MemberId`] (hex), made by the collector with the site's key.
    MemberHash, 128
);

/// Declares an identifier that is a client-made UUID version 7 (time-ordered, so keys written
/// in arrival order stay close together).
macro_rules! uuid7_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Uuid);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, IdError> {
                let uuid = Uuid::try_parse(s).map_err(|_| IdError::NotUuidV7)?;
                Self::from_uuid(uuid)
            }

            pub fn from_uuid(uuid: Uuid) -> Result<Self, IdError> {
                if uuid.get_version_num() != 7 {
                    return Err(IdError::NotUuidV7);
                }
                Ok(Self(uuid))
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

uuid7_id!(
    /// The client-made id of a response; the collector stores each one once.
    ResponseId
);
uuid7_id!(
    /// The client-made id of a display event (shown or dismissed).
    DisplayId
);

/// A language tag, normalised: lowercase language, uppercase region (`ko`, `en-US`, `ar`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Locale(String);

impl Locale {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let mut parts = s.split(['-', '_']);
        let lang = parts.next().unwrap_or_default();
        if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(IdError::BadLocale);
        }
        let mut out = lang.to_ascii_lowercase();
        for part in parts {
            if !(2..=8).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(IdError::BadLocale);
            }
            out.push('-');
            if part.len() == 2 {
                out.push_str(&part.to_ascii_uppercase());
            } else {
                out.push_str(part);
            }
        }
        if out.len() > 35 {
            return Err(IdError::BadLocale);
        }
        Ok(Self(out))
    }

    /// `en`, the locale of last resort.
    pub fn english() -> Self {
        Self(String::from("en"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language alone: `en` for `en-US`.
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// Arabic, Hebrew, Persian and Urdu are written right to left.
    pub fn is_right_to_left(&self) -> bool {
        matches!(self.language(), "ar" | "he" | "fa" | "ur")
    }
}

impl TryFrom<String> for Locale {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<Locale> for String {
    fn from(l: Locale) -> String {
        l.0
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_ids_accept_and_refuse() {
        let cases: &[(&str, Result<(), IdError>)] = &[
            ("demo-shop", Ok(())),
            ("store_01.seoul", Ok(())),
            ("", Err(IdError::Empty)),
            ("a b", Err(IdError::BadCharacter)),
            ("<script>", Err(IdError::BadCharacter)),
            ("한국", Err(IdError::BadCharacter)),
        ];
        for (input, expected) in cases {
            assert_eq!(SiteId::parse(*input).map(|_| ()), *expected, "{input:?}");
        }
        assert_eq!(
            SiteId::parse("x".repeat(65)),
            Err(IdError::TooLong { max: 64 })
        );
    }

    #[test]
    fn response_id_must_be_uuid_v7() {
        assert!(ResponseId::parse("01936d5e-8f1a-7c3b-9d2e-4f5a6b7c8d9e").is_ok());
        // Version 4: refused, because ids must sort by time.
        assert_eq!(
            ResponseId::parse("9b2f3c1e-2a4b-4c5d-8e6f-7a8b9c0d1e2f"),
            Err(IdError::NotUuidV7)
        );
        assert_eq!(ResponseId::parse("nope"), Err(IdError::NotUuidV7));
    }

    #[test]
    fn locales_are_normalised() {
        for (input, expected) in [
            ("ko", "ko"),
            ("en-us", "en-US"),
            ("EN_GB", "en-GB"),
            ("zh-Hant", "zh-Hant"),
        ] {
            assert_eq!(Locale::parse(input).unwrap().as_str(), expected);
        }
        for bad in ["", "e", "english", "en-", "en-x", "12"] {
            assert!(Locale::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Locale::parse("ar-EG").unwrap().is_right_to_left());
        assert!(!Locale::parse("ko").unwrap().is_right_to_left());
    }
}
