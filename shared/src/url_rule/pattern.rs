//! A small regular-expression matcher for URL rules. (Being written: see the helper's task.)

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

#[derive(Debug, Clone)]
pub struct Regex {
    literal: String,
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Self, PatternError> {
        Ok(Self {
            literal: pattern.to_owned(),
        })
    }

    pub fn is_match(&self, text: &str) -> bool {
        text.contains(&self.literal)
    }
}
