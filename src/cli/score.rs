//! `score`: batch classification / extraction of a JSONL or CSV file (or stdin) with all cores,
//! written as JSONL in input order; resumable and shardable.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::ModelsArg;
use crate::engine::{DocInput, Engine};
use crate::entities::Entity;
use crate::server::{code_of, grpc_name};

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
enum Task {
    Classify,
    Extract,
    Both,
}

/// `K/N`: this job takes documents K, K+N, K+2N… (0-based).
#[derive(Debug, Clone, Copy)]
struct Shard {
    k: usize,
    n: usize,
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 0/4")?;
    let (k, n): (usize, usize) = (
        k.parse().map_err(|_| "K must be a number")?,
        n.parse().map_err(|_| "N must be a number")?,
    );
    if n == 0 || k >= n {
        return Err("need 0 <= K < N".into());
    }
    Ok(Shard { k, n })
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// Input JSONL or CSV (optionally .gz) with `id`, `text`, optional `title`; stdin when absent or `-`.
    input: Option<PathBuf>,
    /// Output JSONL; stdout when absent.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    models: ModelsArg,
    #[arg(long, value_enum, default_value_t = Task::Classify)]
    task: Task,
    /// Skip ids already present in --output, and append to it.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Take every N-th document starting at K, so N jobs can split one input.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<Shard>,
    /// Documents per parallel batch.
    #[arg(long, default_value_t = 2048)]
    batch: usize,
}

pub fn entity_json(e: &Entity) -> Value {
    json!({"text": e.text, "type": e.kind.as_str(), "start": e.start, "end": e.end, "normalized": e.normalized, "confidence": e.confidence})
}

fn score_line(engine: &Engine, task: Task, line: &str, lineno: usize) -> Value {
    let row: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return json!({"line": lineno, "error": {"code": "INVALID_ARGUMENT", "message": format!("line {lineno} is not JSON: {e}")}})
        }
    };
    let id = row
        .get("id")
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
        .unwrap_or_else(|| lineno.to_string());
    let doc = DocInput {
        title: row.get("title").and_then(Value::as_str).unwrap_or(""),
        text: row.get("text").and_then(Value::as_str).unwrap_or(""),
    };
    let mut out = json!({"id": id});
    let predictions_json = |preds: &[crate::engine::ModelPrediction]| -> Value {
        preds.iter().map(|p| json!({"model": p.model, "model_version": p.version,
            "labels": p.labels.iter().map(|(l, s)| json!({"label": l, "probability": s})).collect::<Vec<_>>()})).collect()
    };
    let entities_json = |found: &[Entity]| -> Value { found.iter().map(entity_json).collect() };
    let result = match task {
        Task::Classify => engine
            .classify(doc, &[], 3, false)
            .map(|p| out["predictions"] = predictions_json(&p)),
        Task::Extract => engine
            .extract(doc, &[])
            .map(|e| out["entities"] = entities_json(&e)),
        // One normalisation for both answers.
        Task::Both => engine.analyze(doc).map(|(p, e)| {
            out["predictions"] = predictions_json(&p);
            out["entities"] = entities_json(&e);
        }),
    };
    if let Err(e) = result {
        let code = grpc_name(code_of(&e));
        out["error"] = json!({"code": code, "message": e.to_string()});
    }
    out
}

fn done_ids(path: &PathBuf) -> HashSet<String> {
    let Ok(f) = std::fs::File::open(path) else {
        return HashSet::new();
    };
    BufReader::new(f)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
        .filter(|v| v.get("error").is_none())
        .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

pub fn run(a: ScoreArgs) -> Result<()> {
    let engine = a.models.engine()?;
    let lines: Box<dyn Iterator<Item = std::io::Result<String>>> = match &a.input {
        Some(p)
            if p.as_os_str() != "-"
                && p.to_string_lossy()
                    .trim_end_matches(".gz")
                    .ends_with(".csv") =>
        {
            let rows = crate::classify::read_rows(p)?;
            Box::new(rows.into_iter().map(|(_, v)| Ok(v.to_string())))
        }
        Some(p) if p.as_os_str() != "-" => {
            let f = std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?;
            let r: Box<dyn Read> = if p.to_string_lossy().ends_with(".gz") {
                Box::new(flate2::read::MultiGzDecoder::new(f))
            } else {
                Box::new(f)
            };
            Box::new(BufReader::new(r).lines())
        }
        _ => Box::new(BufReader::new(std::io::stdin()).lines()),
    };
    let skip = if a.resume {
        a.output.as_ref().map(done_ids).unwrap_or_default()
    } else {
        HashSet::new()
    };
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(a.resume)
                .write(true)
                .truncate(!a.resume)
                .open(p)
                .with_context(|| format!("opening {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let started = Instant::now();
    let (mut docs, mut errors, mut batch) = (0usize, 0usize, Vec::with_capacity(a.batch));
    let tty = std::io::stderr().is_terminal();
    let mut lines = lines
        .enumerate()
        .filter(|(i, _)| a.shard.is_none_or(|s| i % s.n == s.k))
        .peekable();
    while lines.peek().is_some() {
        batch.clear();
        batch.extend(lines.by_ref().take(a.batch.max(1)));
        let results: Vec<Option<Value>> = batch
            .par_iter()
            .map(|(i, line)| match line {
                Ok(l) if l.trim().is_empty() => None,
                Ok(l) => {
                    let v = score_line(&engine, a.task, l, i + 1);
                    let id = v.get("id").and_then(Value::as_str).unwrap_or("");
                    (!skip.contains(id)).then_some(v)
                }
                Err(e) => Some(json!({"line": i + 1, "error": {"code": "INVALID_ARGUMENT", "message": format!("line {}: {e}", i + 1)}})),
            })
            .collect();
        for v in results.into_iter().flatten() {
            errors += v.get("error").is_some() as usize;
            docs += 1;
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
        }
        let rate = docs as f64 / started.elapsed().as_secs_f64().max(1e-9);
        if tty {
            eprint!("\r{docs} docs, {errors} errors, {rate:.0} docs/s   ");
        } else {
            eprintln!("progress: {docs} docs, {errors} errors, {rate:.0} docs/s");
        }
    }
    out.flush()?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{}done: {docs} docs, {errors} errors, {:.1} s, {:.0} docs/s",
        if tty { "\n" } else { "" },
        secs,
        docs as f64 / secs.max(1e-9)
    );
    Ok(())
}
