//! Prometheus metrics, served as text at `/metrics`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::store::{Store, WriterStats};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DiscardLabels {
    pub site: String,
    pub reason: &'static str,
}

#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub requests: Family<RequestLabels, Counter>,
    /// Responses by outcome: stored, duplicate, rejected.
    pub responses: Family<OutcomeLabels, Counter>,
    /// Answers widgets discarded on devices (reported by them), by site and reason.
    pub discarded: Family<DiscardLabels, Counter>,
    /// Webhook tries by outcome: delivered, failed (tried again later), dead_letter, discarded.
    pub webhooks: Family<OutcomeLabels, Counter>,
}

impl Metrics {
    pub fn new(store: &Store) -> Self {
        let mut registry = Registry::with_prefix("nunchi");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        let responses = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "responses",
            "Survey responses received, by outcome",
            responses.clone(),
        );
        let discarded = Family::<DiscardLabels, Counter>::default();
        registry.register(
            "widget_discarded",
            "Answers widgets discarded on devices, as they reported them",
            discarded.clone(),
        );
        let webhooks = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "webhook_tries",
            "Webhook delivery tries, by outcome",
            webhooks.clone(),
        );
        registry.register_collector(Box::new(WriterCollector {
            store: store.clone(),
        }));
        Self {
            registry: Arc::new(registry),
            requests,
            responses,
            discarded,
            webhooks,
        }
    }

    pub fn count_webhook(&self, outcome: &'static str) {
        self.webhooks
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn count_response(&self, outcome: &'static str) {
        self.responses
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn count_discarded(&self, site: &str, reason: &'static str, quantity: u32) {
        self.discarded
            .get_or_create(&DiscardLabels {
                site: site.to_owned(),
                reason,
            })
            .inc_by(u64::from(quantity));
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            tracing::error!("could not encode metrics");
        }
        out
    }
}

/// Reads the writer's counters at scrape time, so the store needs no metrics dependency.
#[derive(Debug)]
struct WriterCollector {
    store: Store,
}

impl Collector for WriterCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let stats: &WriterStats = self.store.stats();
        let counters = [
            (
                "store_group_commits",
                "Group commits (one flush and fsync each)",
                stats.groups.load(Ordering::Relaxed),
            ),
            (
                "store_jobs",
                "Writes applied by the writer",
                stats.jobs.load(Ordering::Relaxed),
            ),
            (
                "store_flush_micros",
                "Time spent making groups durable, in microseconds",
                stats.flush_micros.load(Ordering::Relaxed),
            ),
            (
                "store_failures",
                "Group commits that failed",
                stats.failures.load(Ordering::Relaxed),
            ),
        ];
        for (name, help, value) in counters {
            let counter = ConstCounter::new(value);
            counter.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                counter.metric_type(),
            )?)?;
        }
        let gauge = ConstGauge::new(self.store.size_on_disk() as i64);
        gauge.encode(encoder.encode_descriptor(
            "store_size_bytes",
            "Size of the store on disk",
            None,
            gauge.metric_type(),
        )?)?;
        let writable = ConstGauge::new(i64::from(self.store.is_writable()));
        writable.encode(encoder.encode_descriptor(
            "store_writable",
            "1 while the store accepts writes",
            None,
            writable.metric_type(),
        )?)?;
        Ok(())
    }
}

/// Counts every request by its route pattern (not its path, which would explode the labels).
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}
