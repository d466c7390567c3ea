//! Integration tests of the collector's HTTP API: a real server on a loopback port, a real sled
//! store in a temporary directory, real HTTP. One binary, one module per resource.
//!
//! Set `TEST_LOG=1` to see the server's logs.

// Test modules share helpers with `pub`; there is no outside to hide them from.
#![allow(unreachable_pub)]
// A test that cannot reach its server should stop right there, with the reason.
#![allow(clippy::unwrap_used)]

mod admin;
mod comments;
mod config;
mod demo;
mod eligibility;
mod export;
mod helpers;
mod keys;
mod kiosks;
mod openapi;
mod ops;
mod previews;
mod privacy;
mod receipts;
#[path = "../receiver/mod.rs"]
mod receiver;
mod responses;
mod rollups;
mod summary;
mod webhooks;
