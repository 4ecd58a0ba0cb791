//! `notice.v1.NoticeService`: proto ↔ engine conversion, limits, and error → status mapping.

use std::pin::Pin;
use std::sync::Arc;

use arc_swap::ArcSwap;
use futures::{Stream, StreamExt};
use tokio::sync::Semaphore;
use tonic::{Code, Request, Response, Status, Streaming};
use tracing::{Instrument, Span};

use super::request_id;

use crate::engine::{DocInput, Engine, EngineError, ModelPrediction};
use crate::entities::Entity;
use crate::proto::{self, notice_service_server::NoticeService};

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// The service state: the current engine (swapped atomically on reload) and the request limit.
pub struct NoticeApi {
    engine: Arc<ArcSwap<Engine>>,
    permits: Arc<Semaphore>,
    max_concurrent: usize,
    stream_parallelism: usize,
}

impl NoticeApi {
    pub fn new(
        engine: Arc<ArcSwap<Engine>>,
        max_concurrent: usize,
        stream_parallelism: usize,
    ) -> Self {
        Self {
            engine,
            permits: Arc::new(Semaphore::new(max_concurrent)),
            max_concurrent,
            stream_parallelism: stream_parallelism.max(1),
        }
    }

    fn overloaded(&self) -> Status {
        Status::resource_exhausted(format!(
            "server is at its limit of {} concurrent requests: retry with backoff, or use the stream RPCs for batches",
            self.max_concurrent
        ))
    }
}

/// Records one finished call: count by code, latency, and documents/bytes processed.
fn observe<T>(
    rpc: &'static str,
    started: std::time::Instant,
    bytes: usize,
    result: &Result<T, Status>,
) {
    let code = match result {
        Ok(_) => "OK".to_string(),
        Err(s) => grpc_name(s.code()),
    };
    metrics::counter!("notice_requests_total", "rpc" => rpc, "code" => code).increment(1);
    metrics::histogram!("notice_request_seconds", "rpc" => rpc)
        .record(started.elapsed().as_secs_f64());
    if result.is_ok() {
        metrics::counter!("notice_documents_total", "rpc" => rpc).increment(1);
        metrics::counter!("notice_bytes_total", "rpc" => rpc).increment(bytes as u64);
    }
}

/// A stream item's document id and size, kept for its response and metrics.
fn id_and_bytes<R: HasDocument>(r: &R) -> (String, usize) {
    let doc = r.document();
    (
        doc.map(|d| d.id.clone()).unwrap_or_default(),
        doc_bytes(doc),
    )
}

trait HasDocument {
    fn document(&self) -> Option<&proto::Document>;
}

impl HasDocument for proto::ClassifyRequest {
    fn document(&self) -> Option<&proto::Document> {
        self.document.as_ref()
    }
}

impl HasDocument for proto::ExtractEntitiesRequest {
    fn document(&self) -> Option<&proto::Document> {
        self.document.as_ref()
    }
}

fn doc_bytes(doc: Option<&proto::Document>) -> usize {
    doc.map_or(0, |d| d.text.len() + d.title.len())
}

/// The gRPC code of an engine error (the table in the README); `score` reports the same codes.
pub(crate) fn code_of(e: &EngineError) -> Code {
    match e {
        EngineError::EmptyText
        | EngineError::TooLarge { .. }
        | EngineError::UnknownEntityType(_) => Code::InvalidArgument,
        EngineError::UnknownModel { .. } => Code::NotFound,
        EngineError::NoClassifier => Code::FailedPrecondition,
        _ => Code::Internal,
    }
}

fn status(e: EngineError) -> Status {
    Status::new(code_of(&e), e.to_string())
}

/// An RPC's name (for metrics and logs) and the largest document it processes inline.
///
/// Small documents are processed on the async worker itself: their work (about a millisecond at
/// most) costs less than a hand-off to the blocking pool, and running on the workers keeps the
/// number of busy threads equal to the cores, which keeps tail latency down. Entity extraction
/// costs ~10× classification per byte, hence its lower limit.
#[derive(Clone, Copy)]
struct Rpc {
    name: &'static str,
    inline_max_bytes: usize,
}

impl Rpc {
    fn inline(self, bytes: usize) -> bool {
        bytes <= self.inline_max_bytes
    }

    /// The tracing span of one call, carrying its request id.
    fn span(self, request_id: &str) -> Span {
        tracing::info_span!("call", rpc = self.name, request_id = %request_id)
    }
}

const CLASSIFY: Rpc = Rpc {
    name: "Classify",
    inline_max_bytes: 16 * 1024,
};
const CLASSIFY_STREAM: Rpc = Rpc {
    name: "ClassifyStream",
    ..CLASSIFY
};
const EXTRACT: Rpc = Rpc {
    name: "ExtractEntities",
    inline_max_bytes: 2 * 1024,
};
const EXTRACT_STREAM: Rpc = Rpc {
    name: "ExtractEntitiesStream",
    ..EXTRACT
};

/// Runs one document's CPU work inside the call's span: inline when `inline`, else on the
/// blocking pool. A panic becomes INTERNAL and is logged with the request id.
async fn run_work<T: Send + 'static>(
    span: Span,
    inline: bool,
    f: impl FnOnce() -> Result<T, Status> + Send + 'static,
) -> Result<T, Status> {
    let inner = span.clone();
    let outcome = if inline {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || inner.in_scope(f)))
            .map_err(|p| panic_message(p.as_ref()))
    } else {
        tokio::task::spawn_blocking(move || inner.in_scope(f))
            .await
            .map_err(|e| e.to_string())
    };
    outcome.unwrap_or_else(|e| {
        span.in_scope(|| tracing::error!(error = %e, "request handler panicked"));
        Err(Status::internal("internal error while processing this document (logged on the server); other documents are unaffected"))
    })
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// Logs a failed call or item in the current span. Overload is only counted (metrics): logging
/// every rejection would add load exactly when the server has none to spare.
fn log_failure(status: &Status, doc_id: &str) {
    let code = grpc_name(status.code());
    match status.code() {
        Code::ResourceExhausted => {
            tracing::debug!(%code, doc_id, message = status.message(), "rejected")
        }
        Code::Internal | Code::Unknown => {
            tracing::error!(%code, doc_id, message = status.message(), "failed")
        }
        _ => tracing::info!(%code, doc_id, message = status.message(), "rejected"),
    }
}

fn classify_one(
    engine: &Engine,
    req: proto::ClassifyRequest,
) -> Result<proto::ClassifyResponse, Status> {
    let doc = req
        .document
        .ok_or_else(|| Status::invalid_argument("document is required"))?;
    let top_k = if req.top_k == 0 {
        3
    } else {
        req.top_k as usize
    };
    let preds = engine
        .classify(
            DocInput {
                title: &doc.title,
                text: &doc.text,
            },
            &req.models,
            top_k,
            req.explain,
        )
        .map_err(status)?;
    Ok(proto::ClassifyResponse {
        id: doc.id,
        predictions: preds.into_iter().map(prediction).collect(),
        error: None,
    })
}

fn extract_one(
    engine: &Engine,
    req: proto::ExtractEntitiesRequest,
) -> Result<proto::ExtractEntitiesResponse, Status> {
    let doc = req
        .document
        .ok_or_else(|| Status::invalid_argument("document is required"))?;
    let found = engine
        .extract(
            DocInput {
                title: &doc.title,
                text: &doc.text,
            },
            &req.types,
        )
        .map_err(status)?;
    Ok(proto::ExtractEntitiesResponse {
        id: doc.id,
        entities: found.into_iter().map(entity).collect(),
        error: None,
    })
}

fn prediction(p: ModelPrediction) -> proto::Prediction {
    proto::Prediction {
        model: p.model,
        model_version: p.version,
        labels: p
            .labels
            .into_iter()
            .map(|(label, probability)| proto::LabelScore { label, probability })
            .collect(),
        explanation: p
            .explanation
            .into_iter()
            .map(|(term, weight)| proto::TermWeight { term, weight })
            .collect(),
    }
}

fn entity(e: Entity) -> proto::Entity {
    proto::Entity {
        text: e.text,
        r#type: e.kind.as_str().to_string(),
        start: e.start as u32,
        end: e.end as u32,
        normalized: e.normalized,
        confidence: e.confidence,
    }
}

fn item_error(s: &Status) -> proto::Error {
    proto::Error {
        code: grpc_name(s.code()),
        message: s.message().to_string(),
    }
}

/// gRPC's canonical name of a code (`INVALID_ARGUMENT`); `Code`'s Debug form is CamelCase.
pub(crate) fn grpc_name(code: Code) -> String {
    let mut out = String::new();
    for (i, c) in format!("{code:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

impl NoticeApi {
    /// One unary call: a permit (or RESOURCE_EXHAUSTED), the work off the executor, metrics.
    async fn unary<Req, Resp>(
        &self,
        rpc: Rpc,
        request: Request<Req>,
        work: fn(&Engine, Req) -> Result<Resp, Status>,
    ) -> Result<Response<Resp>, Status>
    where
        Req: HasDocument + Send + 'static,
        Resp: Send + 'static,
    {
        let started = std::time::Instant::now();
        let request_id = request_id::of(&request);
        let span = rpc.span(&request_id);
        let req = request.into_inner();
        let (doc_id, bytes) = id_and_bytes(&req);
        let result = match self.permits.clone().try_acquire_owned() {
            Ok(_permit) => {
                let engine = self.engine.load_full();
                run_work(span.clone(), rpc.inline(bytes), move || work(&engine, req)).await
            }
            Err(_) => Err(self.overloaded()),
        };
        observe(rpc.name, started, bytes, &result);
        if let Err(s) = &result {
            span.in_scope(|| log_failure(s, &doc_id));
        }
        request_id::attach(result.map(Response::new), &request_id)
    }

    /// Answers a request stream in order with bounded parallelism; item failures become
    /// per-item errors. The response stream is pulled by the client, so a slow reader slows
    /// the work instead of growing a buffer; dropping it (cancellation) stops the work.
    fn ordered_stream<Req, Resp>(
        &self,
        rpc: Rpc,
        request: Request<Streaming<Req>>,
        work: fn(&Engine, Req) -> Result<Resp, Status>,
        failed: fn(String, proto::Error) -> Resp,
    ) -> Result<Response<ResponseStream<Resp>>, Status>
    where
        Req: HasDocument + Send + 'static,
        Resp: Send + 'static,
    {
        let request_id = request_id::of(&request);
        let span = rpc.span(&request_id);
        let input = request.into_inner();
        let engine = self.engine.clone();
        let permits = self.permits.clone();
        let out = input
            .map(move |item| {
                let engine = engine.load_full();
                let permits = permits.clone();
                let item_span = span.clone();
                async move {
                    let req = match item {
                        Ok(r) => r,
                        Err(s) => {
                            log_failure(&s, "");
                            return Ok(failed(String::new(), item_error(&s)));
                        }
                    };
                    let (id, bytes) = id_and_bytes(&req);
                    let _permit = permits.acquire_owned().await;
                    let started = std::time::Instant::now();
                    let inline = rpc.inline(bytes);
                    let result = run_work(item_span, inline, move || work(&engine, req)).await;
                    observe(rpc.name, started, bytes, &result);
                    match result {
                        Ok(resp) => Ok(resp),
                        Err(s) => {
                            log_failure(&s, &id);
                            Ok(failed(id, item_error(&s)))
                        }
                    }
                }
                .instrument(span.clone())
            })
            .buffered(self.stream_parallelism);
        request_id::attach(Ok(Response::new(Box::pin(out))), &request_id)
    }
}

#[tonic::async_trait]
impl NoticeService for NoticeApi {
    async fn classify(
        &self,
        request: Request<proto::ClassifyRequest>,
    ) -> Result<Response<proto::ClassifyResponse>, Status> {
        self.unary(CLASSIFY, request, classify_one).await
    }

    type ClassifyStreamStream = ResponseStream<proto::ClassifyResponse>;

    async fn classify_stream(
        &self,
        request: Request<Streaming<proto::ClassifyRequest>>,
    ) -> Result<Response<Self::ClassifyStreamStream>, Status> {
        self.ordered_stream(CLASSIFY_STREAM, request, classify_one, |id, error| {
            proto::ClassifyResponse {
                id,
                predictions: Vec::new(),
                error: Some(error),
            }
        })
    }

    async fn extract_entities(
        &self,
        request: Request<proto::ExtractEntitiesRequest>,
    ) -> Result<Response<proto::ExtractEntitiesResponse>, Status> {
        self.unary(EXTRACT, request, extract_one).await
    }

    type ExtractEntitiesStreamStream = ResponseStream<proto::ExtractEntitiesResponse>;

    async fn extract_entities_stream(
        &self,
        request: Request<Streaming<proto::ExtractEntitiesRequest>>,
    ) -> Result<Response<Self::ExtractEntitiesStreamStream>, Status> {
        self.ordered_stream(EXTRACT_STREAM, request, extract_one, |id, error| {
            proto::ExtractEntitiesResponse {
                id,
                entities: Vec::new(),
                error: Some(error),
            }
        })
    }

    async fn list_models(
        &self,
        _: Request<proto::ListModelsRequest>,
    ) -> Result<Response<proto::ListModelsResponse>, Status> {
        let engine = self.engine.load();
        let models = engine
            .cards()
            .map(|c| proto::ModelInfo {
                name: c.name.clone(),
                version: c.version.clone(),
                kind: c.kind.clone(),
                labels: c.labels.clone(),
                card_json: serde_json::to_string(c).unwrap_or_default(),
            })
            .collect();
        Ok(Response::new(proto::ListModelsResponse { models }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_grpc_names() {
        assert_eq!(
            item_error(&Status::invalid_argument("x")).code,
            "INVALID_ARGUMENT"
        );
        assert_eq!(item_error(&Status::not_found("x")).code, "NOT_FOUND");
        assert_eq!(item_error(&Status::internal("x")).code, "INTERNAL");
    }

    #[tokio::test]
    async fn a_panic_becomes_internal_inline_and_on_the_pool() {
        for inline in [true, false] {
            let r: Result<(), Status> = run_work(Span::none(), inline, || panic!("boom")).await;
            assert_eq!(r.unwrap_err().code(), Code::Internal, "inline: {inline}");
            let ok = run_work(Span::none(), inline, || Ok(7)).await;
            assert_eq!(ok.unwrap(), 7);
        }
    }
}
