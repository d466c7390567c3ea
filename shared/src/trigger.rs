//! When a survey fires, and whom it targets.
//!
//! A survey fires when one of its [`Trigger`]s matches a [`PageEvent`] *and* its [`Targeting`]
//! matches the [`Audience`]. Throttling comes after that, in [`crate::throttle`].

use crate::map::Map;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, FieldError};
use crate::ids::Locale;
use crate::response::Channel;
use crate::time::Period;
use crate::url_rule::UrlRule;

pub const MAX_FILTERS: usize = 10;
pub const MAX_URL_RULES: usize = 20;

/// A property value: a string, a number or a boolean.
///
/// Deserialized by hand, not `#[serde(untagged)]`, for the reason given on
/// [`crate::answer::AnswerValue`]: every response may carry attributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Num(f64),
    Str(String),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl serde::de::Visitor<'_> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a text, a number, or true or false")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v as f64))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v as f64))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Num(v))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
}

/// `{"on": {"type": "page_view"}, "delay": "5s"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
pub struct Trigger {
    pub on: TriggerEvent,
    /// Wait this long after the event before showing; cancelled if the page changes meanwhile.
    #[serde(default)]
    pub delay: Period,
}

/// Written `{"type": "event", "name": "purchase", "filters": [...]}`; read through
/// [`TriggerEventRepr`] for the reasons given on `QuestionKindRepr` in `survey`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", try_from = "TriggerEventRepr")]
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

/// A trigger event as written: the tag and every field any event has, in one flat record.
#[derive(Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
struct TriggerEventRepr {
    #[serde(rename = "type")]
    kind: EventTag,
    percent: Option<u8>,
    name: Option<String>,
    filters: Option<Vec<PropertyFilter>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventTag {
    PageView,
    ScrollDepth,
    ExitIntent,
    Event,
}

impl TryFrom<TriggerEventRepr> for TriggerEvent {
    type Error = &'static str;

    fn try_from(r: TriggerEventRepr) -> Result<Self, Self::Error> {
        let event = matches!(r.kind, EventTag::Event);
        if r.percent.is_some() && !matches!(r.kind, EventTag::ScrollDepth) {
            return Err("`percent` applies only to scroll_depth triggers");
        }
        if (r.name.is_some() || r.filters.is_some()) && !event {
            return Err("`name` and `filters` apply only to event triggers");
        }
        Ok(match r.kind {
            EventTag::PageView => TriggerEvent::PageView,
            EventTag::ScrollDepth => TriggerEvent::ScrollDepth {
                percent: r.percent.ok_or("missing field `percent`")?,
            },
            EventTag::ExitIntent => TriggerEvent::ExitIntent,
            EventTag::Event => TriggerEvent::Event {
                name: r.name.ok_or("missing field `name`")?,
                filters: r.filters.unwrap_or_default(),
            },
        })
    }
}

/// `{"property": "total", "gt": 50000}`: one condition on a property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "FilterRepr")]
pub struct PropertyFilter {
    pub property: String,
    #[serde(flatten)]
    pub op: FilterOp,
}

/// A filter as written. Read through `flatten` alone, `{"gt": 1, "lt": 5}` would keep `gt` and
/// drop `lt`, and unknown keys would be ignored: both silently widen the audience.
#[derive(Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
struct FilterRepr {
    property: String,
    eq: Option<Scalar>,
    ne: Option<Scalar>,
    lt: Option<f64>,
    gt: Option<f64>,
    #[serde(rename = "in")]
    any_of: Option<Vec<Scalar>>,
    exists: Option<bool>,
}

impl TryFrom<FilterRepr> for PropertyFilter {
    type Error = &'static str;
    fn try_from(f: FilterRepr) -> Result<Self, Self::Error> {
        let mut ops = [
            f.eq.map(FilterOp::Eq),
            f.ne.map(FilterOp::Ne),
            f.lt.map(FilterOp::Lt),
            f.gt.map(FilterOp::Gt),
            f.any_of.map(FilterOp::In),
            f.exists.map(FilterOp::Exists),
        ]
        .into_iter()
        .flatten();
        match (ops.next(), ops.next()) {
            (Some(op), None) => Ok(Self {
                property: f.property,
                op,
            }),
            _ => Err("a filter has exactly one operator: eq, ne, lt, gt, in or exists"),
        }
    }
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
        props: &'a Map<String, Scalar>,
    },
}

/// Who would see the survey, and where.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Audience<'a> {
    /// The page address, `None` outside a web page (a kiosk, an app screen).
    pub url: Option<&'a str>,
    pub channel: Channel,
    pub locale: &'a Locale,
    pub attributes: &'a Map<String, Scalar>,
}

/// Restricts a survey to some pages, channels, locales and attributes. Empty lists allow all.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", serde(deny_unknown_fields))]
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
    pub fn holds(&self, props: &Map<String, Scalar>) -> bool {
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
    /// The targeting as the device receives it: regex rules carry their compiled programs.
    #[cfg(feature = "server")]
    pub fn for_device(&self) -> Targeting {
        Targeting {
            urls: self.urls.iter().map(UrlRule::for_device).collect(),
            exclude_urls: self.exclude_urls.iter().map(UrlRule::for_device).collect(),
            ..self.clone()
        }
    }

    pub fn matches(&self, audience: &Audience<'_>) -> bool {
        let url_ok = match audience.url {
            Some(url) => {
                (self.urls.is_empty() || self.urls.iter().any(|r| r.matches(url)))
                    // An exclusion that cannot tell (a broken pattern) excludes: fail closed.
                    && !self.exclude_urls.iter().any(|r| r.test(url).unwrap_or(true))
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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn props(value: Value) -> Map<String, Scalar> {
        serde_json::from_value(value).unwrap()
    }

    fn trigger(on: Value) -> Trigger {
        serde_json::from_value(json!({ "on": on })).unwrap()
    }

    #[test]
    fn page_events_fire_their_own_triggers() {
        let none = Map::new();
        let purchase = props(json!({"total": 60_000}));
        let custom = |name| PageEvent::Custom {
            name,
            props: &purchase,
        };
        let table = [
            (json!({"type": "page_view"}), PageEvent::PageView, true),
            (json!({"type": "page_view"}), PageEvent::ExitIntent, false),
            (json!({"type": "exit_intent"}), PageEvent::ExitIntent, true),
            (
                json!({"type": "exit_intent"}),
                PageEvent::Scrolled { percent: 100 },
                false,
            ),
            (
                json!({"type": "scroll_depth", "percent": 50}),
                PageEvent::Scrolled { percent: 49 },
                false,
            ),
            (
                json!({"type": "scroll_depth", "percent": 50}),
                PageEvent::Scrolled { percent: 50 },
                true,
            ),
            (
                json!({"type": "scroll_depth", "percent": 50}),
                PageEvent::Scrolled { percent: 90 },
                true,
            ),
            (
                json!({"type": "scroll_depth", "percent": 50}),
                PageEvent::PageView,
                false,
            ),
            (
                json!({"type": "event", "name": "purchase"}),
                custom("purchase"),
                true,
            ),
            (
                json!({"type": "event", "name": "purchase"}),
                custom("Purchase"),
                false,
            ),
            (
                json!({"type": "event", "name": "purchase"}),
                PageEvent::PageView,
                false,
            ),
            (
                json!({"type": "event", "name": "purchase",
                       "filters": [{"property": "total", "gt": 50_000}]}),
                custom("purchase"),
                true,
            ),
            (
                json!({"type": "event", "name": "purchase",
                       "filters": [{"property": "total", "gt": 50_000}]}),
                PageEvent::Custom {
                    name: "purchase",
                    props: &none,
                },
                false,
            ),
            (
                json!({"type": "event", "name": "purchase", "filters": [
                    {"property": "total", "gt": 50_000},
                    {"property": "total", "lt": 55_000}
                ]}),
                custom("purchase"),
                false,
            ),
        ];
        for (on, event, expected) in table {
            assert_eq!(
                trigger(on.clone()).fires(&event),
                expected,
                "{on} on {event:?}"
            );
        }
    }

    #[test]
    fn property_filters() {
        let event = props(json!({"total": 60_000, "plan": "pro", "first_order": true, "items": 1}));
        let table = [
            (json!({"property": "plan", "eq": "pro"}), true),
            (json!({"property": "plan", "eq": "free"}), false),
            (json!({"property": "plan", "eq": "PRO"}), false),
            (json!({"property": "items", "eq": 1.0}), true),
            (json!({"property": "items", "eq": "1"}), false),
            (json!({"property": "first_order", "eq": true}), true),
            (json!({"property": "first_order", "eq": 1}), false),
            (json!({"property": "plan", "ne": "free"}), true),
            (json!({"property": "plan", "ne": "pro"}), false),
            (json!({"property": "total", "lt": 100_000}), true),
            (json!({"property": "total", "lt": 60_000}), false),
            (json!({"property": "total", "gt": 59_999.5}), true),
            (json!({"property": "total", "gt": 60_000}), false),
            (json!({"property": "plan", "in": ["pro", "team"]}), true),
            (json!({"property": "plan", "in": ["free", "team"]}), false),
            (json!({"property": "items", "in": [1, "one"]}), true),
            (json!({"property": "plan", "exists": true}), true),
            (json!({"property": "plan", "exists": false}), false),
            (json!({"property": "coupon", "exists": true}), false),
            (json!({"property": "coupon", "exists": false}), true),
            // A missing property fails every operator but `exists: false`, `ne` included.
            (json!({"property": "coupon", "eq": "x"}), false),
            (json!({"property": "coupon", "ne": "x"}), false),
            (json!({"property": "coupon", "lt": 1}), false),
            (json!({"property": "coupon", "in": ["x"]}), false),
            // Strings and booleans are not ordered.
            (json!({"property": "plan", "lt": 1_000}), false),
            (json!({"property": "plan", "gt": -1}), false),
            (json!({"property": "first_order", "gt": 0}), false),
        ];
        for (filter, expected) in table {
            let parsed: PropertyFilter = serde_json::from_value(filter.clone()).unwrap();
            assert_eq!(parsed.holds(&event), expected, "{filter}");
            let back: PropertyFilter =
                serde_json::from_value(serde_json::to_value(&parsed).unwrap()).unwrap();
            assert_eq!(back, parsed, "{filter} round trip");
        }
    }

    #[test]
    fn targeting() {
        let attributes = props(json!({"plan": "pro", "orders": 3}));
        let check = |targeting: Value, url: Option<&str>, channel, locale: &str, expected| {
            let targeting: Targeting = serde_json::from_value(targeting).unwrap();
            let locale = Locale::parse(locale).unwrap();
            let audience = Audience {
                url,
                channel,
                locale: &locale,
                attributes: &attributes,
            };
            assert_eq!(
                targeting.matches(&audience),
                expected,
                "{targeting:?} for {audience:?}"
            );
        };
        use Channel::*;
        let checkout = Some("https://shop.example/checkout/pay");
        let admin = Some("https://shop.example/admin/checkout");
        let only_checkout = json!({"urls": [{"match": "contains", "value": "/checkout"}]});
        let not_admin =
            json!({"exclude_urls": [{"match": "prefix", "value": "https://shop.example/admin"}]});
        let table = [
            (json!({}), checkout, Web, "ko", true),
            (json!({}), None, Kiosk, "ko", true),
            (only_checkout.clone(), checkout, Web, "ko", true),
            (
                only_checkout.clone(),
                Some("https://shop.example/cart"),
                Web,
                "ko",
                false,
            ),
            // Outside a web page, rules that ask for pages cannot hold.
            (only_checkout, None, Kiosk, "ko", false),
            (not_admin.clone(), checkout, Web, "ko", true),
            (not_admin.clone(), admin, Web, "ko", false),
            (not_admin, None, Kiosk, "ko", true),
            (
                json!({"urls": [{"match": "contains", "value": "/checkout"}],
                       "exclude_urls": [{"match": "contains", "value": "/admin"}]}),
                admin,
                Web,
                "ko",
                false,
            ),
            (
                json!({"urls": [
                    {"match": "exact", "value": "https://shop.example/"},
                    {"match": "regex", "value": "^https://shop\\.example/checkout/(pay|done)$"}
                ]}),
                checkout,
                Web,
                "ko",
                true,
            ),
            (
                json!({"channels": ["kiosk", "receipt"]}),
                None,
                Kiosk,
                "ko",
                true,
            ),
            (
                json!({"channels": ["kiosk", "receipt"]}),
                checkout,
                Web,
                "ko",
                false,
            ),
            (json!({"locales": ["en"]}), checkout, Web, "en-US", true),
            (json!({"locales": ["en"]}), checkout, Web, "en", true),
            (json!({"locales": ["en"]}), checkout, Web, "ko", false),
            (json!({"locales": ["en-US"]}), checkout, Web, "en-us", true),
            (json!({"locales": ["en-US"]}), checkout, Web, "en-GB", false),
            (json!({"locales": ["en-US"]}), checkout, Web, "en", false),
            (
                json!({"locales": ["ko", "en-US"]}),
                checkout,
                Web,
                "ko-KR",
                true,
            ),
            (
                json!({"attributes": [{"property": "plan", "eq": "pro"}]}),
                checkout,
                Web,
                "ko",
                true,
            ),
            (
                json!({"attributes": [
                    {"property": "plan", "eq": "pro"},
                    {"property": "orders", "gt": 5}
                ]}),
                checkout,
                Web,
                "ko",
                false,
            ),
            (
                json!({"attributes": [{"property": "vip", "exists": true}]}),
                checkout,
                Web,
                "ko",
                false,
            ),
        ];
        for (targeting, url, channel, locale, expected) in table {
            check(targeting, url, channel, locale, expected);
        }
    }

    fn fields(errors: Vec<FieldError>) -> Vec<(ErrorCode, String)> {
        errors.into_iter().map(|e| (e.code, e.field)).collect()
    }

    #[test]
    fn trigger_validation() {
        use ErrorCode::*;
        let filters = |n: usize| -> Value {
            (0..n)
                .map(|i| json!({"property": format!("p{i}"), "exists": true}))
                .collect()
        };
        let table: Vec<(Value, &[(ErrorCode, &str)])> = vec![
            (json!({"on": {"type": "page_view"}, "delay": "1h"}), &[]),
            (json!({"on": {"type": "scroll_depth", "percent": 100}}), &[]),
            (
                json!({"on": {"type": "scroll_depth", "percent": 0}}),
                &[(OutOfRange, "on.percent")],
            ),
            (
                json!({"on": {"type": "scroll_depth", "percent": 101}}),
                &[(OutOfRange, "on.percent")],
            ),
            (
                json!({"on": {"type": "page_view"}, "delay": "61m"}),
                &[(OutOfRange, "delay")],
            ),
            (
                json!({"on": {"type": "event", "name": ""}}),
                &[(InvalidValue, "on.name")],
            ),
            (
                json!({"on": {"type": "event", "name": "x".repeat(65)}}),
                &[(InvalidValue, "on.name")],
            ),
            (
                json!({"on": {"type": "event", "name": "x", "filters": filters(10)}}),
                &[],
            ),
            (
                json!({"on": {"type": "event", "name": "x", "filters": filters(11)}}),
                &[(TooMany, "on.filters")],
            ),
            (
                json!({"on": {"type": "event", "name": "x",
                              "filters": [{"property": "", "eq": 1}]}}),
                &[(InvalidValue, "on.filters.0.property")],
            ),
            (
                json!({"on": {"type": "event", "name": "x", "filters": [
                    {"property": "plan", "eq": "pro"},
                    {"property": "plan", "in": []}
                ]}}),
                &[(TooFew, "on.filters.1.in")],
            ),
        ];
        for (json, expected) in table {
            let trigger: Trigger = serde_json::from_value(json.clone()).unwrap();
            let expected: Vec<(ErrorCode, String)> = expected
                .iter()
                .map(|(c, f)| (*c, (*f).to_owned()))
                .collect();
            assert_eq!(fields(trigger.validate()), expected, "{json}");
        }
    }

    #[test]
    fn targeting_validation() {
        use ErrorCode::*;
        let rules = |n: usize| -> Value {
            (0..n)
                .map(|i| json!({"match": "contains", "value": format!("/p{i}")}))
                .collect()
        };
        let table: Vec<(Value, &[(ErrorCode, &str)])> = vec![
            (json!({"urls": rules(20), "exclude_urls": rules(20)}), &[]),
            (json!({"urls": rules(21)}), &[(TooMany, "urls")]),
            (
                json!({"exclude_urls": rules(21)}),
                &[(TooMany, "exclude_urls")],
            ),
            (
                json!({"urls": [
                    {"match": "regex", "value": "^/order/\\d+$"},
                    {"match": "regex", "value": "[z-a]"}
                ]}),
                &[(InvalidPattern, "urls.1.value")],
            ),
            (
                json!({"exclude_urls": [{"match": "prefix", "value": ""}]}),
                &[(InvalidPattern, "exclude_urls.0.value")],
            ),
            (
                json!({"urls": [{"match": "glob", "value": "*".repeat(513)}]}),
                &[(InvalidPattern, "urls.0.value")],
            ),
            (
                json!({"attributes": [{"property": "plan", "in": []}]}),
                &[(TooFew, "attributes.0.in")],
            ),
        ];
        for (json, expected) in table {
            let targeting: Targeting = serde_json::from_value(json.clone()).unwrap();
            let expected: Vec<(ErrorCode, String)> = expected
                .iter()
                .map(|(c, f)| (*c, (*f).to_owned()))
                .collect();
            assert_eq!(fields(targeting.validate()), expected, "{json}");
        }
        let bad: Targeting =
            serde_json::from_value(json!({"urls": [{"match": "regex", "value": "(a"}]})).unwrap();
        assert_eq!(bad.validate()[0].message, "unclosed group at byte 0");
    }

    #[test]
    fn wire_format() {
        let trigger: Trigger =
            serde_json::from_value(json!({"on": {"type": "page_view"}, "delay": "5s"})).unwrap();
        assert_eq!(trigger.delay, Period::seconds(5));
        assert_eq!(trigger.on, TriggerEvent::PageView);
        // A filter has exactly one operator, and nothing unknown.
        for bad in [
            json!({"property": "total"}),
            json!({"property": "total", "gt": 1, "lt": 5}),
            json!({"property": "total", "exists": true, "eq": 5}),
            json!({"property": "total", "gt": 1, "colour": "red"}),
            json!({"gt": 1}),
            json!({"property": "total", "between": [1, 2]}),
            json!({"property": "total", "gt": "big"}),
        ] {
            assert!(
                serde_json::from_value::<PropertyFilter>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        let two = json!({"property": "total", "gt": 1, "lt": 5});
        let err = serde_json::from_value::<PropertyFilter>(two).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a filter has exactly one operator: eq, ne, lt, gt, in or exists"
        );
    }

    #[test]
    fn a_broken_exclusion_excludes() {
        use crate::url_rule::{UrlMatch, UrlRule};
        let locale = Locale::parse("en").unwrap();
        let attributes = Map::new();
        let audience = Audience {
            url: Some("https://shop.example/cart"),
            channel: Channel::Web,
            locale: &locale,
            attributes: &attributes,
        };
        let targeting = Targeting {
            exclude_urls: vec![UrlRule::new(UrlMatch::Regex, "(unclosed")],
            ..Targeting::default()
        };
        assert!(
            !targeting.matches(&audience),
            "fail closed: cannot tell, so excluded"
        );
        let targeting = Targeting {
            urls: vec![UrlRule::new(UrlMatch::Regex, "(unclosed")],
            ..Targeting::default()
        };
        assert!(
            !targeting.matches(&audience),
            "fail closed: cannot tell, so not included"
        );
    }
}
