//! When a survey fires, and whom it targets.
//!
//! A survey fires when one of its [`Trigger`]s matches a [`PageEvent`] *and* its [`Targeting`]
//! matches the [`Audience`]. Throttling comes after that, in [`crate::throttle`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::ids::Locale;
use crate::response::Channel;
use crate::time::Period;
use crate::url_rule::UrlRule;

pub const MAX_FILTERS: usize = 10;
pub const MAX_URL_RULES: usize = 20;

/// A property value: a string, a number or a boolean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Num(f64),
    Str(String),
}

/// `{"on": {"type": "page_view"}, "delay": "5s"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub on: TriggerEvent,
    /// Wait this long after the event before showing; cancelled if the page changes meanwhile.
    #[serde(default)]
    pub delay: Period,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriggerEvent {
    PageView,
    /// The visitor scrolled at least this far down the page (1 to 100).
    ScrollDepth {
        percent: u8,
    },
    /// The pointer left the page towards the browser's chrome.
    ExitIntent,
    /// A named event from `nunchi.track(name, props)`, with filters on its properties.
    Event {
        name: String,
        #[serde(default)]
        filters: Vec<PropertyFilter>,
    },
}

/// `{"property": "total", "gt": 50000}`: one condition on a property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyFilter {
    pub property: String,
    #[serde(flatten)]
    pub op: FilterOp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Eq(Scalar),
    Ne(Scalar),
    Lt(f64),
    Gt(f64),
    In(Vec<Scalar>),
    /// `true`: the property must be present; `false`: it must be absent.
    Exists(bool),
}

/// Something that happened on the page, as the widget observes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PageEvent<'a> {
    PageView,
    Scrolled {
        percent: u8,
    },
    ExitIntent,
    Custom {
        name: &'a str,
        props: &'a BTreeMap<String, Scalar>,
    },
}

/// Who would see the survey, and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Audience<'a> {
    /// The page address, `None` outside a web page (a kiosk, an app screen).
    pub url: Option<&'a str>,
    pub channel: Channel,
    pub locale: &'a Locale,
    pub attributes: &'a BTreeMap<String, Scalar>,
}

/// Restricts a survey to some pages, channels, locales and attributes. Empty lists allow all.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targeting {
    /// The page must match at least one of these (if any are given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<UrlRule>,
    /// The page must match none of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_urls: Vec<UrlRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// `en` admits `en-US` and `en-GB`; `en-US` admits only `en-US`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locales: Vec<Locale>,
    /// Every filter must hold on the audience's attributes (set by `nunchi.identify`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<PropertyFilter>,
}

impl Trigger {
    /// Whether `event` fires this trigger.
    pub fn fires(&self, event: &PageEvent<'_>) -> bool {
        match (&self.on, event) {
            (TriggerEvent::PageView, PageEvent::PageView) => true,
            (TriggerEvent::ScrollDepth { percent: want }, PageEvent::Scrolled { percent }) => {
                percent >= want
            }
            (TriggerEvent::ExitIntent, PageEvent::ExitIntent) => true,
            (TriggerEvent::Event { name, filters }, PageEvent::Custom { name: got, props }) => {
                name == got && filters.iter().all(|f| f.holds(props))
            }
            _ => false,
        }
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        match &self.on {
            TriggerEvent::ScrollDepth { percent } if !(1..=100).contains(percent) => {
                errors.push(FieldError::new(
                    ErrorCode::OutOfRange,
                    "on.percent",
                    "scroll depth is from 1 to 100 percent",
                ));
            }
            TriggerEvent::Event { name, filters } => {
                if name.is_empty() || name.len() > 64 {
                    errors.push(FieldError::new(
                        ErrorCode::InvalidValue,
                        "on.name",
                        "event names are 1 to 64 bytes",
                    ));
                }
                validate_filters(filters, "on.filters", &mut errors);
            }
            _ => {}
        }
        if self.delay > Period::hours(1) {
            errors.push(FieldError::new(
                ErrorCode::OutOfRange,
                "delay",
                "a delay is at most one hour",
            ));
        }
        errors
    }
}

impl PropertyFilter {
    /// Whether the filter holds on `props`. A missing property fails every operator but
    /// `exists: false`; comparing a string with `lt`/`gt` fails.
    pub fn holds(&self, props: &BTreeMap<String, Scalar>) -> bool {
        let value = props.get(&self.property);
        match (&self.op, value) {
            (FilterOp::Exists(want), v) => *want == v.is_some(),
            (_, None) => false,
            (FilterOp::Eq(want), Some(v)) => scalar_eq(want, v),
            (FilterOp::Ne(want), Some(v)) => !scalar_eq(want, v),
            (FilterOp::Lt(bound), Some(Scalar::Num(n))) => n < bound,
            (FilterOp::Gt(bound), Some(Scalar::Num(n))) => n > bound,
            (FilterOp::Lt(_) | FilterOp::Gt(_), Some(_)) => false,
            (FilterOp::In(set), Some(v)) => set.iter().any(|want| scalar_eq(want, v)),
        }
    }
}

/// Equality as a host page means it: `1` equals `1.0`; strings compare exactly.
fn scalar_eq(a: &Scalar, b: &Scalar) -> bool {
    match (a, b) {
        (Scalar::Num(x), Scalar::Num(y)) => x == y,
        (Scalar::Str(x), Scalar::Str(y)) => x == y,
        (Scalar::Bool(x), Scalar::Bool(y)) => x == y,
        _ => false,
    }
}

fn validate_filters(filters: &[PropertyFilter], at: &str, errors: &mut Vec<FieldError>) {
    if filters.len() > MAX_FILTERS {
        errors.push(FieldError::new(
            ErrorCode::TooMany,
            at,
            format!("at most {MAX_FILTERS} filters"),
        ));
    }
    for (i, f) in filters.iter().enumerate() {
        if f.property.is_empty() || f.property.len() > 64 {
            errors.push(FieldError::new(
                ErrorCode::InvalidValue,
                format!("{at}.{i}.property"),
                "property names are 1 to 64 bytes",
            ));
        }
        if matches!(&f.op, FilterOp::In(set) if set.is_empty()) {
            errors.push(FieldError::new(
                ErrorCode::TooFew,
                format!("{at}.{i}.in"),
                "give at least one value",
            ));
        }
    }
}

impl Targeting {
    pub fn matches(&self, audience: &Audience<'_>) -> bool {
        let url_ok = match audience.url {
            Some(url) => {
                (self.urls.is_empty() || self.urls.iter().any(|r| r.matches(url)))
                    && !self.exclude_urls.iter().any(|r| r.matches(url))
            }
            // Outside a web page, URL rules cannot hold; a survey that asks for pages is not shown.
            None => self.urls.is_empty(),
        };
        let channel_ok = self.channels.is_empty() || self.channels.contains(&audience.channel);
        let locale_ok = self.locales.is_empty()
            || self.locales.iter().any(|want| {
                want == audience.locale
                    || (!want.as_str().contains('-') && want.as_str() == audience.locale.language())
            });
        let attributes_ok = self.attributes.iter().all(|f| f.holds(audience.attributes));
        url_ok && channel_ok && locale_ok && attributes_ok
    }

    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (name, rules) in [("urls", &self.urls), ("exclude_urls", &self.exclude_urls)] {
            if rules.len() > MAX_URL_RULES {
                errors.push(FieldError::new(
                    ErrorCode::TooMany,
                    name,
                    format!("at most {MAX_URL_RULES} rules"),
                ));
            }
            for (i, rule) in rules.iter().enumerate() {
                if let Err(message) = rule.validate() {
                    errors.push(FieldError::new(
                        ErrorCode::InvalidPattern,
                        format!("{name}.{i}.value"),
                        message,
                    ));
                }
            }
        }
        validate_filters(&self.attributes, "attributes", &mut errors);
        errors
    }
}
