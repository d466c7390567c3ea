//! Texts in several languages.

use crate::map::Map;

use serde::{Deserialize, Serialize};

use crate::ids::Locale;

/// A text per locale: `{"ko": "추천하시겠습니까?", "en": "Would you recommend us?"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LocalizedText(pub Map<Locale, String>);

impl LocalizedText {
    pub const MAX_LEN: usize = 1_000;

    /// The text for `wanted`, else for its language alone (`en` for `en-US`), else for
    /// `fallback`, else any text at all.
    pub fn get(&self, wanted: &Locale, fallback: &Locale) -> Option<&str> {
        self.0
            .get(wanted)
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(l, _)| l.as_str() == wanted.language())
                    .map(|(_, t)| t)
            })
            .or_else(|| self.0.get(fallback))
            .or_else(|| self.0.values().next())
            .map(String::as_str)
    }

    pub fn has(&self, locale: &Locale) -> bool {
        self.0.contains_key(locale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(s: &str) -> Locale {
        Locale::parse(s).unwrap()
    }

    #[test]
    fn falls_back_from_region_to_language_to_default() {
        let text: LocalizedText =
            serde_json::from_str(r#"{"ko": "안녕하세요", "en": "Hello"}"#).unwrap();
        assert_eq!(text.get(&l("ko"), &l("en")), Some("안녕하세요"));
        assert_eq!(text.get(&l("en-US"), &l("ko")), Some("Hello"));
        assert_eq!(text.get(&l("fr"), &l("en")), Some("Hello"));
        assert_eq!(LocalizedText::default().get(&l("en"), &l("en")), None);
    }
}
