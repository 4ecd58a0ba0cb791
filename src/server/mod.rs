//! The gRPC server: `notice.v1.NoticeService`, standard health, reflection (v1 and v1alpha),
//! gzip, message-size and concurrency limits, optional TLS and bearer token, SIGHUP reload and
//! graceful shutdown on SIGTERM/SIGINT.

mod request_id;
mod service;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tonic::codec::CompressionEncoding;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::{Request, Status};

use crate::engine::{Engine, Limits};
use crate::proto::notice_service_server::NoticeServiceServer;
use crate::text::TextPipeline;
pub use service::NoticeApi;
pub(crate) use service::{code_of, grpc_name};

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: SocketAddr,
    pub models: PathBuf,
    pub limits: Limits,
    pub max_message_bytes: usize,
    pub max_concurrent: usize,
    pub stream_parallelism: usize,
    pub timeout: Duration,
    /// Required `authorization: Bearer <token>` on NoticeService calls, when set.
    pub auth_token: Option<String>,
    /// PEM certificate chain and key, for TLS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Where to serve Prometheus metrics over HTTP (`/metrics`), when set.
    pub metrics_addr: Option<SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("reading TLS files: {0}")]
    Tls(std::io::Error),
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
    #[error(transparent)]
    Text(#[from] crate::text::TextError),
    #[error("building reflection: {0}")]
    Reflection(String),
    #[error("a start-up task failed: {0}")]
    Startup(String),
    #[error("starting the metrics endpoint: {0}")]
    Metrics(String),
}

/// Loads the models, binds, reports the bound address through `ready`, and serves until
/// SIGTERM or SIGINT; in-flight calls finish before it returns.
pub async fn serve(cfg: ServeConfig, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_not_serving::<NoticeServiceServer<NoticeApi>>()
        .await;
    let pipeline = Arc::new(
        tokio::task::spawn_blocking(TextPipeline::new)
            .await
            .map_err(|e| ServeError::Startup(e.to_string()))??,
    );
    let (models, limits) = (cfg.models.clone(), cfg.limits);
    let loader = pipeline.clone();
    let engine = tokio::task::spawn_blocking(move || Engine::load(&models, loader, limits))
        .await
        .map_err(|e| ServeError::Startup(e.to_string()))??;
    if let Some(addr) = cfg.metrics_addr {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .with_http_listener(addr)
            .install()
            .map_err(|e| ServeError::Metrics(e.to_string()))?;
        tracing::info!(%addr, "metrics on http://{addr}/metrics");
    }
    record_models(&engine);
    let engine = Arc::new(ArcSwap::from_pointee(engine));
    spawn_reloader(engine.clone(), pipeline);

    let api = NoticeApi::new(engine, cfg.max_concurrent, cfg.stream_parallelism);
    let notice = NoticeServiceServer::new(api)
        .accept_compressed(CompressionEncoding::Gzip)
        .send_compressed(CompressionEncoding::Gzip)
        .max_decoding_message_size(cfg.max_message_bytes)
        .max_encoding_message_size(cfg.max_message_bytes);
    let token = cfg.auth_token.clone();
    let notice =
        tonic::service::interceptor::InterceptedService::new(notice, move |req: Request<()>| {
            check_token(req, token.as_deref())
        });

    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(crate::proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection()
        .build_v1()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .map_err(|e| ServeError::Reflection(e.to_string()))?;

    let listener = tokio::net::TcpListener::bind(cfg.addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: cfg.addr,
            source,
        })?;
    let bound = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: cfg.addr,
        source,
    })?;
    let mut builder = Server::builder().timeout(cfg.timeout);
    if let Some((cert, key)) = &cfg.tls {
        let cert = std::fs::read(cert).map_err(ServeError::Tls)?;
        let key = std::fs::read(key).map_err(ServeError::Tls)?;
        builder =
            builder.tls_config(ServerTlsConfig::new().identity(Identity::from_pem(cert, key)))?;
    }
    // Small gRPC frames must not wait for delayed ACKs (Nagle): that alone costs ~40 ms.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    health.set_serving::<NoticeServiceServer<NoticeApi>>().await;
    health
        .set_service_status("", tonic_health::ServingStatus::Serving)
        .await;
    tracing::info!(addr = %bound, "serving");
    ready(bound);
    builder
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(notice)
        .serve_with_incoming_shutdown(incoming, shutdown_signal())
        .await?;
    tracing::info!("shut down cleanly");
    Ok(())
}

/// Publishes the loaded model versions as a gauge (value 1 per name/version).
fn record_models(engine: &Engine) {
    for card in engine.cards() {
        metrics::gauge!("notice_model_loaded", "model" => card.name.clone(), "version" => card.version.clone()).set(1.0);
    }
}

fn check_token(req: Request<()>, token: Option<&str>) -> Result<Request<()>, Status> {
    let Some(token) = token else { return Ok(req) };
    let given = req
        .metadata()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    match given.and_then(|v| v.strip_prefix("Bearer ")) {
        Some(t) if t == token => Ok(req),
        _ => Err(Status::unauthenticated(
            "missing or wrong bearer token: send `authorization: Bearer <token>`",
        )),
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = tokio::signal::ctrl_c() => {},
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutdown signal received: finishing in-flight calls");
}

/// On SIGHUP, loads the model directory again and swaps it in atomically; in-flight requests
/// keep the engine they started with, and a failed load keeps the old models.
fn spawn_reloader(engine: Arc<ArcSwap<Engine>>, pipeline: Arc<TextPipeline>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            return;
        };
        while hup.recv().await.is_some() {
            let current = engine.load_full();
            let (dir, limits, p) = (
                current.dir().to_path_buf(),
                current.limits(),
                pipeline.clone(),
            );
            match tokio::task::spawn_blocking(move || Engine::load(&dir, p, limits)).await {
                Ok(Ok(new)) => {
                    record_models(&new);
                    engine.store(Arc::new(new));
                    tracing::info!("models reloaded");
                }
                Ok(Err(e)) => tracing::error!(error = %e, "reload failed; keeping the old models"),
                Err(e) => tracing::error!(error = %e, "reload panicked; keeping the old models"),
            }
        }
    });
}
