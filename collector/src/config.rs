//! All configuration, in one clap struct. Every flag is also an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// The demo's admin key, used by `--demo` when no key is given. Fine for a laptop, never for
/// a server: the collector says so when it starts with it.
pub const DEMO_ADMIN_KEY: &str = "nunchi-demo-admin-key";

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "NUNCHI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Directory of the embedded store (created if missing).
    #[arg(long, env = "NUNCHI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Largest request body accepted on any route, in bytes (a batch of 100 responses is ~60 KB).
    #[arg(long, env = "NUNCHI_BODY_LIMIT", default_value_t = 256 * 1024)]
    pub body_limit: usize,

    /// Admin API key (at least 16 characters). Keep it secret; only its hash is held in memory.
    #[arg(long, env = "NUNCHI_ADMIN_KEY", hide_env_values = true)]
    pub admin_key: Option<String>,

    /// Seed a demo site with three surveys (web NPS, kiosk smiley, receipt CSAT) if missing.
    #[arg(long, env = "NUNCHI_DEMO")]
    pub demo: bool,

    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "NUNCHI_REQUEST_TIMEOUT_SECS", default_value_t = 15)]
    pub request_timeout_secs: u64,

    /// Memory for the store's page cache, in MiB.
    #[arg(long, env = "NUNCHI_CACHE_MB", default_value_t = 128)]
    pub cache_mb: u64,

    /// Writes that may wait for the disk before new ones are refused with 503.
    #[arg(long, env = "NUNCHI_MAX_PENDING_WRITES", default_value_t = 8192)]
    pub max_pending_writes: usize,
}

impl Config {
    /// A configuration for tests and benchmarks: loopback, an ephemeral port, the given store.
    pub fn for_tests(data_dir: PathBuf) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            body_limit: 256 * 1024,
            admin_key: Some("test-admin-key-0123456789".into()),
            demo: false,
            request_timeout_secs: 15,
            cache_mb: 64,
            max_pending_writes: 8192,
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }
}
