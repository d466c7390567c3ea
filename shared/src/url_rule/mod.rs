//! URL rules: exact, prefix, contains, glob and a light regex.
//!
//! The `regex` crate would cost the widget more bytes than its whole budget, so patterns use
//! [`pattern::Regex`], a small backtracking matcher for the subset URL rules need. A pattern that
//! does not compile, or that takes too many steps, matches nothing: rules fail closed.

pub mod pattern;

use serde::{Deserialize, Serialize};

pub const MAX_RULE_LEN: usize = 512;

/// `{"match": "prefix", "value": "https://shop.example/checkout"}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct UrlRule {
    #[serde(rename = "match")]
    pub kind: UrlMatch,
    pub value: String,
    /// A regex rule's compiled program, added by the collector when it serves a site's
    /// configuration (see [`UrlRule::for_device`]): the device runs it and carries no parser.
    /// Never read by the collector, so a definition cannot smuggle in a program that differs
    /// from its pattern (with `deny_unknown_fields`, one that tries is refused).
    #[cfg_attr(feature = "server", serde(skip_deserializing))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrlMatch {
    Exact,
    Prefix,
    Contains,
    /// `*` matches any run of characters (also none), `?` exactly one.
    Glob,
    /// A regular expression, searched anywhere in the URL unless anchored with `^`/`$`.
    Regex,
}

impl UrlRule {
    pub fn new(kind: UrlMatch, value: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.into(),
            program: None,
        }
    }

    /// The rule as the device receives it: a regex with its compiled program.
    #[cfg(feature = "server")]
    pub fn for_device(&self) -> UrlRule {
        let program = match self.kind {
            UrlMatch::Regex => pattern::Regex::new(&self.value).ok().map(|re| re.program()),
            _ => None,
        };
        UrlRule {
            program,
            ..self.clone()
        }
    }

    /// The compiled pattern: the collector compiles the text it validated; the device reads the
    /// program the collector served. `None` (a rule that cannot tell) if there is neither.
    #[cfg(feature = "server")]
    fn regex(&self) -> Option<pattern::Regex> {
        pattern::Regex::new(&self.value).ok()
    }

    #[cfg(not(feature = "server"))]
    fn regex(&self) -> Option<pattern::Regex> {
        pattern::Regex::from_program(self.program.as_deref()?)
    }

    /// Whether `url` matches. A pattern that does not compile matches nothing.
    pub fn matches(&self, url: &str) -> bool {
        self.test(url).unwrap_or(false)
    }

    /// Whether `url` matches, or `None` when the rule cannot tell (a pattern that does not
    /// compile). Callers choose the safe side: an include rule that cannot tell does not
    /// include, an exclude rule that cannot tell excludes.
    pub fn test(&self, url: &str) -> Option<bool> {
        Some(match self.kind {
            UrlMatch::Exact => url == self.value,
            UrlMatch::Prefix => url.starts_with(&self.value),
            UrlMatch::Contains => contains(url, &self.value),
            UrlMatch::Glob => glob_match(
                &self.value.chars().collect::<Vec<_>>(),
                &url.chars().collect::<Vec<_>>(),
            ),
            UrlMatch::Regex => self.regex()?.is_match(url),
        })
    }

    /// Why the rule can never work, for validation on write.
    pub fn validate(&self) -> Result<(), String> {
        if self.value.is_empty() {
            return Err("a URL rule needs a value".into());
        }
        if self.value.len() > MAX_RULE_LEN {
            return Err(format!("a URL rule is at most {MAX_RULE_LEN} bytes"));
        }
        if self.kind == UrlMatch::Regex {
            pattern::Regex::new(&self.value).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// `haystack.contains(needle)` without `str`'s two-way searcher: the searcher and its panic
/// paths cost the widget's bundle more than this loop costs a short page address.
fn contains(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
}

/// Glob match in linear time: remember the last `*` and where it restarted.
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: UrlMatch, value: &str, url: &str, expected: bool) {
        assert_eq!(
            UrlRule::new(kind, value).matches(url),
            expected,
            "{kind:?} {value:?} on {url:?}"
        );
    }

    #[test]
    fn simple_rules() {
        use UrlMatch::*;
        let table = [
            (
                Exact,
                "https://shop.example/",
                "https://shop.example/",
                true,
            ),
            (
                Exact,
                "https://shop.example/",
                "https://shop.example/cart",
                false,
            ),
            (
                Prefix,
                "https://shop.example/checkout",
                "https://shop.example/checkout/done",
                true,
            ),
            (
                Prefix,
                "https://shop.example/checkout",
                "https://shop.example/cart",
                false,
            ),
            (
                Contains,
                "/thank-you",
                "https://shop.example/order/thank-you",
                true,
            ),
            (Contains, "/thank-you", "https://shop.example/order", false),
            (
                Glob,
                "https://shop.example/*/done",
                "https://shop.example/order/done",
                true,
            ),
            (
                Glob,
                "https://shop.example/*/done",
                "https://shop.example/done",
                false,
            ),
            (Glob, "*/product/?", "https://x/product/7", true),
            (Glob, "*/product/?", "https://x/product/77", false),
            (Glob, "*", "", true),
            (Glob, "*/상품/?", "https://x/상품/신", true),
            (Glob, "a*b*c", "a-b-b-c", true),
            (Glob, "a*b*c", "a-b-b-d", false),
        ];
        for (kind, value, url, expected) in table {
            check(kind, value, url, expected);
        }
    }
}
