//! Building and running the collector: store, state, router, listener.

use std::future::Future;
use std::net::SocketAddr;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{ApiKeys, MIN_KEY_LEN};
use crate::clock::Clock;
use crate::config::{Config, DEMO_ADMIN_KEY};
use crate::error::ApiError;
use crate::metrics::{self, Metrics};
use crate::state::AppState;
use crate::store::{Store, StoreOptions, WriterHandle};
use crate::webhook::delivery::RetryPolicy;
use crate::{demo, privacy, routes, webhook};

#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    writer: WriterHandle,
    retry_policy: RetryPolicy,
    retention_sweep: std::time::Duration,
}

impl Application {
    /// Opens the store, seeds the demo if asked, and binds the listener.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        Self::build_with(config, Router::new()).await
    }

    /// As [`Application::build`], with extra routes merged in (the benchmark's no-op route).
    pub async fn build_with(config: &Config, extra: Router<AppState>) -> anyhow::Result<Self> {
        let admin_key = match (&config.admin_key, config.demo) {
            (Some(key), _) => Some(key.clone()),
            (None, true) => {
                tracing::warn!(
                    "using the demo admin key {DEMO_ADMIN_KEY:?}: set --admin-key for anything but a demo"
                );
                Some(DEMO_ADMIN_KEY.to_owned())
            }
            (None, false) => {
                tracing::warn!(
                    "no admin key is set (--admin-key or NUNCHI_ADMIN_KEY): the admin API opens only to keys made with `nunchi keys create`"
                );
                None
            }
        };
        if let Some(url) = &config.public_url {
            anyhow::ensure!(
                url.starts_with("https://") || url.starts_with("http://"),
                "--public-url must start with https:// or http://"
            );
        }
        if let Some(key) = &admin_key {
            anyhow::ensure!(
                key.len() >= MIN_KEY_LEN,
                "the admin key must be at least {MIN_KEY_LEN} characters"
            );
        }
        let options = StoreOptions {
            cache_capacity_bytes: config.cache_mb.saturating_mul(1024 * 1024),
            max_pending_writes: config.max_pending_writes,
        };
        let data_dir = config.data_dir.clone();
        let (store, writer) = tokio::task::spawn_blocking(move || Store::open(&data_dir, &options))
            .await?
            .with_context(|| {
                format!("could not open the store in {}", config.data_dir.display())
            })?;
        let clock = Clock::default();
        if config.demo {
            let (seeding, seed_clock) = (store.clone(), clock.clone());
            let made =
                tokio::task::spawn_blocking(move || demo::seed(&seeding, &seed_clock)).await??;
            if let Some(site) = made.filter(|_| config.demo_history) {
                let stored = demo::history::seed(&store, &site, clock.now()).await?;
                tracing::info!(
                    responses = stored.responses,
                    displays = stored.displays,
                    "stored {} days of sample answers for the demo",
                    demo::history::DAYS
                );
            }
        }
        let state = AppState {
            metrics: Metrics::new(&store),
            keys: ApiKeys::new(admin_key.as_deref(), store.key_ring().clone()),
            store,
            clock,
            previews: crate::preview::Previews::default(),
            public_url: config
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').into()),
        };
        let router = routes::router()
            .merge(extra)
            .layer(middleware::from_fn_with_state(
                state.metrics.clone(),
                metrics::track,
            ))
            .layer(DefaultBodyLimit::max(config.body_limit))
            .layer(middleware::from_fn_with_state(
                config.request_timeout(),
                timeout,
            ))
            .layer(cors())
            // Site configs and pages shrink well; tiny acknowledgements are not worth the CPU.
            .layer(
                CompressionLayer::new()
                    .compress_when(DefaultPredicate::new().and(SizeAbove::new(256))),
            )
            .layer(TraceLayer::new_for_http())
            .with_state(state.clone());
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("could not listen on {}", config.bind))?;
        Ok(Self {
            listener,
            router,
            state,
            writer,
            retry_policy: config.retry_policy(),
            retention_sweep: config.retention_sweep(),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (and delivers webhooks) until `shutdown` resolves, lets in-flight requests
    /// finish, then waits until the writer has made every acknowledged write durable.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Self {
            listener,
            router,
            state,
            writer,
            retry_policy,
            retention_sweep,
        } = self;
        let (stop_delivery, stopped) = tokio::sync::watch::channel(false);
        let delivery = webhook::delivery::spawn(
            state.store.clone(),
            state.clock.clone(),
            state.metrics.clone(),
            retry_policy,
            stopped.clone(),
        );
        let sweeper = privacy::spawn_sweeper(
            state.store.clone(),
            state.clock.clone(),
            retention_sweep,
            stopped,
        );
        // Answers are small: without TCP_NODELAY, Nagle's algorithm can hold one back until
        // the client's delayed ACK.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "could not set TCP_NODELAY");
            }
        });
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        // The delivery worker holds a store handle too. Messages it was trying stay in the
        // outbox and are tried again after a restart.
        let _ = stop_delivery.send(true);
        if let Err(e) = delivery.await {
            tracing::error!(error = %e, "the webhook delivery worker failed");
        }
        if let Err(e) = sweeper.await {
            tracing::error!(error = %e, "the retention sweeper failed");
        }
        // The router and state hold the last senders to the writer; once they are gone the
        // writer drains its queue and stops.
        drop(state);
        tokio::task::spawn_blocking(move || writer.join()).await?;
        Ok(())
    }
}

/// Answers 408 in the API's error shape when a request takes too long.
async fn timeout(
    State(limit): State<std::time::Duration>,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// The widget calls the public API from any page; which pages may *write* is checked per site
/// (see `origin`), so CORS here only lets browsers read the answers.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(86_400))
}
