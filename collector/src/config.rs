//! All configuration, in one clap struct. Every flag is also an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::webhook::delivery::RetryPolicy;

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

    /// With --demo, when the demo site is new: also store 30 days of sample answers, so the
    /// dashboard has a trend, breakdowns and comments to show.
    #[arg(long, env = "NUNCHI_DEMO_HISTORY", requires = "demo")]
    pub demo_history: bool,

    /// Seconds a request may take before it is answered 408.
    #[arg(long, env = "NUNCHI_REQUEST_TIMEOUT_SECS", default_value_t = 15)]
    pub request_timeout_secs: u64,

    /// Memory for the store's page cache, in MiB.
    #[arg(long, env = "NUNCHI_CACHE_MB", default_value_t = 128)]
    pub cache_mb: u64,

    /// Writes that may wait for the disk before new ones are refused with 503.
    #[arg(long, env = "NUNCHI_MAX_PENDING_WRITES", default_value_t = 8192)]
    pub max_pending_writes: usize,

    /// Tries of a webhook message before it becomes a dead letter.
    #[arg(long, env = "NUNCHI_WEBHOOK_ATTEMPTS", default_value_t = 10)]
    pub webhook_attempts: u32,

    /// Milliseconds to wait after a first failed webhook try; the wait doubles after each
    /// further one (half of it random).
    #[arg(long, env = "NUNCHI_WEBHOOK_RETRY_MS", default_value_t = 30_000)]
    pub webhook_retry_ms: u64,

    /// The longest wait between two webhook tries, in milliseconds.
    #[arg(long, env = "NUNCHI_WEBHOOK_MAX_RETRY_MS", default_value_t = 3_600_000)]
    pub webhook_max_retry_ms: u64,

    /// Seconds a webhook try may take, connecting included.
    #[arg(long, env = "NUNCHI_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub webhook_timeout_secs: u64,

    /// Seconds between two runs of the retention sweeper (sites with `retention_days`).
    #[arg(long, env = "NUNCHI_RETENTION_SWEEP_SECS", default_value_t = 3_600)]
    pub retention_sweep_secs: u64,

    /// Where customers reach this collector, such as https://survey.example: receipt QR codes
    /// link there. Without it, the Host of the POS's request is used, over http.
    #[arg(long, env = "NUNCHI_PUBLIC_URL")]
    pub public_url: Option<String>,
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
            demo_history: false,
            request_timeout_secs: 15,
            cache_mb: 64,
            max_pending_writes: 8192,
            webhook_attempts: 10,
            webhook_retry_ms: 30_000,
            webhook_max_retry_ms: 3_600_000,
            webhook_timeout_secs: 10,
            retention_sweep_secs: 3_600,
            public_url: None,
        }
    }

    /// How webhook messages are tried.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.webhook_attempts.max(1),
            base_delay: Duration::from_millis(self.webhook_retry_ms),
            max_delay: Duration::from_millis(self.webhook_max_retry_ms.max(self.webhook_retry_ms)),
            timeout: Duration::from_secs(self.webhook_timeout_secs.max(1)),
            ..RetryPolicy::default()
        }
    }

    pub fn retention_sweep(&self) -> Duration {
        Duration::from_secs(self.retention_sweep_secs.max(1))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }
}
