//! The command line: `serve`, `classify`, `extract`, `train`, `eval`, `score`.
//! This is the binary's edge: errors are `anyhow`, logs go to stderr, results to stdout.

mod entities;
mod score;
mod train;

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::engine::{DocInput, Engine, Limits};
use crate::server::{serve, ServeConfig};
use crate::text::TextPipeline;

#[derive(Parser, Debug)]
#[command(
    name = "notice-svc",
    version,
    about = "Classifies Chinese official notices and extracts their entities, over gRPC or from the command line"
)]
pub struct Cli {
    /// Log as JSON lines instead of text (logs go to stderr).
    #[arg(long, global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the gRPC API on the models in --models.
    Serve(ServeArgs),
    /// Classify one document (a file, or stdin) and print JSON.
    Classify(ClassifyArgs),
    /// Extract the entities of one document (a file, or stdin) and print JSON.
    Extract(ExtractArgs),
    /// Train a classifier from labelled JSONL or CSV (optionally .gz).
    Train(train::TrainArgs),
    /// Evaluate a classifier on labelled data: accuracy, macro-F1, per-class table, confusion.
    Eval(train::EvalArgs),
    /// Batch-score a JSONL/CSV file or stdin with all cores, writing JSONL in input order.
    Score(score::ScoreArgs),
    /// Train the entity tagger (PERSON, ORG, LOCATION) on the NER corpora.
    TrainEntities(entities::TrainEntitiesArgs),
    /// Evaluate the entity extractor: exact-span P/R/F1 per type on MSRA test, People's Daily held-out days, CLUENER dev.
    EvalEntities(entities::EvalEntitiesArgs),
}

/// Where the bundled models live: `models/` of this repository (the working directory's
/// `models/` when run from elsewhere with no --models).
fn default_models() -> PathBuf {
    let local = PathBuf::from("models");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

#[derive(Args, Debug)]
struct ModelsArg {
    /// Directory holding one folder per model (each with model.json and model.bin).
    #[arg(long, env = "NOTICE_SVC_MODELS", default_value_os_t = default_models())]
    models: PathBuf,
    /// Largest document accepted, in chars of title + text.
    #[arg(long, default_value_t = 1_000_000)]
    max_doc_chars: usize,
}

impl ModelsArg {
    fn engine(&self) -> Result<Engine> {
        let pipeline = Arc::new(TextPipeline::new()?);
        Engine::load(
            &self.models,
            pipeline,
            Limits {
                max_chars: self.max_doc_chars,
            },
        )
        .context("loading models")
    }
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    #[command(flatten)]
    models: ModelsArg,
    /// Largest gRPC message accepted or sent, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    max_message_bytes: usize,
    /// Unary calls beyond this many at once get RESOURCE_EXHAUSTED.
    #[arg(long, default_value_t = 1024)]
    max_concurrent: usize,
    /// Items of one stream processed at once (order is kept).
    #[arg(long, default_value_t = 4)]
    stream_parallelism: usize,
    /// Per-request timeout in seconds (a shorter client deadline wins).
    #[arg(long, default_value_t = 30)]
    timeout_secs: u64,
    /// Require `authorization: Bearer <TOKEN>` on NoticeService calls (health and reflection stay open).
    #[arg(long, env = "NOTICE_SVC_TOKEN", hide_env_values = true)]
    auth_token: Option<String>,
    /// PEM certificate chain for TLS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for TLS (with --tls-cert).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve Prometheus metrics on this address (HTTP, any path), e.g. 127.0.0.1:9090.
    #[arg(long)]
    metrics_addr: Option<SocketAddr>,
}

#[derive(Args, Debug)]
struct DocArgs {
    /// Text file to read; stdin when absent or `-`.
    file: Option<PathBuf>,
    /// Optional title.
    #[arg(long, default_value = "")]
    title: String,
}

impl DocArgs {
    fn read(&self) -> Result<String> {
        match &self.file {
            Some(p) if p != Path::new("-") => {
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
            }
            _ => {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("reading stdin")?;
                Ok(s)
            }
        }
    }
}

#[derive(Args, Debug)]
struct ClassifyArgs {
    #[command(flatten)]
    doc: DocArgs,
    #[command(flatten)]
    models: ModelsArg,
    /// Model to use (repeatable); all classifiers when absent.
    #[arg(long = "model")]
    model: Vec<String>,
    /// Labels per model.
    #[arg(long, default_value_t = 3)]
    top_k: usize,
    /// Also print the terms behind each top label.
    #[arg(long)]
    explain: bool,
}

#[derive(Args, Debug)]
struct ExtractArgs {
    #[command(flatten)]
    doc: DocArgs,
    #[command(flatten)]
    models: ModelsArg,
    /// Entity type to keep (repeatable): PERSON, ORG, LOCATION, DATE, DOC_NUMBER, PHONE, EMAIL.
    #[arg(long = "type")]
    types: Vec<String>,
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<()> {
    init_logs(cli.log_json);
    match cli.command {
        Command::Serve(a) => run_serve(a),
        Command::Classify(a) => {
            let text = a.doc.read()?;
            let engine = a.models.engine()?;
            let preds = engine.classify(
                DocInput {
                    title: &a.doc.title,
                    text: &text,
                },
                &a.model,
                a.top_k,
                a.explain,
            )?;
            let out: Vec<_> = preds
                .into_iter()
                .map(|p| json!({"model": p.model, "model_version": p.version,
                    "labels": p.labels.iter().map(|(l, s)| json!({"label": l, "probability": s})).collect::<Vec<_>>(),
                    "explanation": p.explanation.iter().map(|(t, w)| json!({"term": t, "weight": w})).collect::<Vec<_>>()}))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "predictions": out }))?
            );
            Ok(())
        }
        Command::Extract(a) => {
            let text = a.doc.read()?;
            let engine = a.models.engine()?;
            let found = engine.extract(
                DocInput {
                    title: &a.doc.title,
                    text: &text,
                },
                &a.types,
            )?;
            let out: Vec<_> = found.iter().map(score::entity_json).collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({ "entities": out }))?
            );
            Ok(())
        }
        Command::Train(a) => train::run_train(a),
        Command::Eval(a) => train::run_eval(a),
        Command::Score(a) => score::run(a),
        Command::TrainEntities(a) => entities::run_train(a),
        Command::EvalEntities(a) => entities::run_eval(a),
    }
}

fn run_serve(a: ServeArgs) -> Result<()> {
    let cfg = ServeConfig {
        addr: a.addr,
        models: a.models.models.clone(),
        limits: Limits {
            max_chars: a.models.max_doc_chars,
        },
        max_message_bytes: a.max_message_bytes,
        max_concurrent: a.max_concurrent,
        stream_parallelism: a.stream_parallelism,
        timeout: Duration::from_secs(a.timeout_secs),
        auth_token: a.auth_token,
        tls: a.tls_cert.zip(a.tls_key),
        metrics_addr: a.metrics_addr,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(serve(cfg, |addr| {
        // Scripts and tests read this line to find an ephemeral port.
        println!("notice-svc listening on {addr}");
    }))?;
    Ok(())
}

fn init_logs(json: bool) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
