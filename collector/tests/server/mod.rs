//! The real `nunchi` binary as a test's server: started on a free loopback port with a data
//! directory, ready once `/healthz` answers, and stopped when dropped, so a failing assertion
//! never leaves a collector running behind the test. Shared by the tests that run the binary.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on now.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `nunchi serve` on `data` with `admin_key` and the `extra` flags, and waits (30 s at
/// most) until it answers `/healthz`.
pub(crate) async fn start(data: &Path, admin_key: &str, extra: &[&str]) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_nunchi"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(data)
        .args(["--admin-key", admin_key])
        .args(extra)
        .env("NUNCHI_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the collector starts");
    // Owned by a `Server` from here on, so a failure below still stops and reaps it.
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let health = client.get(format!("{}/healthz", server.base)).send().await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return server;
        }
        assert!(Instant::now() < deadline, "the collector did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
