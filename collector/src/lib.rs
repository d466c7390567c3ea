//! The nunchi collector: one binary on an embedded sled store.
//!
//! It keeps sites and versioned surveys, serves each site's configuration to the widget,
//! decides eligibility for identified members against a contact ledger shared by every
//! channel, and stores responses durably (acknowledged only once on disk) and exactly once.
//!
//! # Layout
//!
//! - [`app`]: `Application::build` and `run_until`: store, state, router, listener.
//! - [`config`]: every setting, as one clap struct (flags and environment variables).
//! - [`routes`]: one file per resource: public `config`, `responses`, `displays`,
//!   `eligibility`; admin `sites`, `surveys`, `keys`, `export`, `summary`, `webhooks`; `ops` (`/healthz`,
//!   `/metrics`); `www` pages.
//! - [`store`]: the only module that knows sled: the catalog of sites and surveys, the key
//!   ring, the group-commit writer for everything customers send, and ingest-order scans of
//!   a site's responses.
//! - [`site`]: a site as the collector keeps it (origins, policy, the member-hash key).
//! - [`ingest`]: the one path from a posted response to a store write.
//! - [`error`]: `ApiError`, the one error type, rendered as `{"error": {code, message, field}}`.
//! - [`extract`]: the JSON extractor whose rejections use that error shape.
//! - [`auth`]: who is calling: API keys, held as SHA-256 digests and compared in constant time.
//! - [`api_key`]: a key's scope (admin, export, receipts), site and digest; minting new keys.
//! - [`filter`]: which responses a read takes in (survey, received time, channel, store,
//!   journey stage), the same for the export, the summary and the comments.
//! - [`export`]: responses as CSV, NDJSON or JSON pages, streamed a page at a time.
//! - [`summary`]: NPS, CSAT, CES, distributions and response rates of a survey, by group.
//! - [`comments`]: open-text answers newest first with their context, and the team's labels.
//! - [`webhook`]: signed webhooks from a durable outbox, retries, dead letters, chat lines.
//! - [`receipt`]: Receipt QR: issuing a purchase's signed survey link and its QR code, and
//!   verifying a token.
//! - [`privacy`]: erasing a member, the retention sweeper, Global Privacy Control.
//! - [`cli`]: the `keys`, `export`, `erase` and `receipt` commands of the binary.
//! - [`origin`]: which pages may post for a site.
//! - [`clock`]: the injectable clock.
//! - [`metrics`]: Prometheus counters.
//! - [`demo`]: the demo site and its three surveys.

pub mod api_key;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod comments;
pub mod config;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod filter;
pub mod ingest;
pub mod metrics;
pub mod origin;
pub mod preview;
pub mod privacy;
pub mod receipt;
pub mod rollup;
pub mod routes;
pub mod site;
pub mod state;
pub mod store;
pub mod summary;
pub mod webhook;

pub use app::Application;
pub use config::Config;
