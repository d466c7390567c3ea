//! The collector's clock, injectable so tests can move time past a waiting period.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use shared::time::{Period, Timestamp};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Added to the system time; tests move it forward.
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Timestamp(system + self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Period) {
        self.offset_ms.fetch_add(by.millis(), Ordering::Relaxed);
    }
}
