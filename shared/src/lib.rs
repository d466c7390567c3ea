//! The contract between the nunchi widget and the collector.
//!
//! Everything here is pure: no I/O, no clock (`now` is always a parameter), no randomness.
//! Both sides share the types and the rules: the widget builds a response from the question
//! kinds' controls, and the collector checks it with [`response::Response::parse`] against the
//! survey version it names (the widget does not run that check); a throttling decision taken
//! on a kiosk is the one the collector takes for a member, by the same `throttle::decide`.
//!
//! # Layout
//!
//! - [`ids`]: validated identifier newtypes (`SiteId`, `SurveyId`, `ResponseId`, `Locale`, …).
//! - [`time`]: `Timestamp` (Unix milliseconds) and `Period` ("14d", "12h").
//! - [`text`]: `LocalizedText`, a text per locale with a fallback.
//! - [`survey`]: the survey schema, its question kinds and its validation on write.
//! - [`answer`]: answer values and how each question kind checks them.
//! - [`response`]: a response and its context, and `Response::parse` against a survey version.
//! - [`display`]: a survey shown or dismissed, as reported by the widget.
//! - [`trigger`]: when a survey fires (page view, delay, scroll, exit intent, custom event) and
//!   whom it targets (URL rules, channel, locale, attributes).
//! - [`url_rule`]: URL matching without the `regex` crate's weight (exact, prefix, contains,
//!   glob, a light regex that fails closed).
//! - [`throttle`]: the throttling policy as data, the contact history, and `decide`.
//! - [`sampling`]: the stable hash that keeps sampling sticky.
//! - [`receipt`]: a purchase and the claims of a receipt token; signing and verifying them
//!   (`receipt::token`) only with the `server` feature, which the widget leaves off.
//! - [`site`]: a site's public configuration, as the widget fetches it.
//! - [`webhook`]: a webhook's configuration, its condition, and what it sends for a response.
//! - [`error`]: `FieldError`, the typed error that names the offending field.

pub mod answer;
pub mod display;
pub mod error;
pub mod ids;
pub mod map;
pub mod receipt;
pub mod report;
pub mod response;
pub mod sampling;
pub mod site;
pub mod survey;
pub mod text;
pub mod throttle;
pub mod time;
pub mod trigger;
pub mod url_rule;
pub mod webhook;

pub use error::{ErrorCode, FieldError};
