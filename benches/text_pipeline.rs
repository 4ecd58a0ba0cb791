//! Throughput of the text pipeline on real notices: normalisation alone, tokenisation alone
//! (on pre-normalised text, char bigrams on and off), and both together. Single thread.
//!
//! Input: ~2 MB of `text` from `../shared/data/notices/pool.jsonl.gz` — every `web` doc
//! (traditional script, pinyin garbles, site chrome) topped up with an even spread of the other
//! sources. Throughput is reported in bytes of *raw* input for every group, so the MB/s figures
//! compare directly. Without the data the benchmark prints a notice and exits 0.
//!
//! A plain `cargo bench` (no filter, no profiling) first also times whole passes of normalisation
//! and tokenisation (bigrams off) in alternation and prints their ratio: on a shared machine,
//! load then falls on both alike.
//!
//! `cargo bench --bench text_pipeline`; results in `docs/BENCH_TEXT.md`.

use std::collections::BTreeMap;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use flate2::read::GzDecoder;
use notice_svc::text::{Normalized, Normalizer, TokenOptions, Tokenizer};

/// Total raw input, in bytes, to aim for.
const TARGET_BYTES: usize = 2_000_000;

fn pool_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/notices/pool.jsonl.gz")
}

/// All `web` docs, then round-robin over the other sources (in file order) up to the target.
fn load_docs(path: &Path) -> std::io::Result<Vec<String>> {
    let reader = BufReader::new(GzDecoder::new(File::open(path)?));
    let mut web = Vec::new();
    let mut others: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in reader.lines() {
        let line = line?;
        let Ok(doc) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let (Some(source), Some(text)) = (doc["source"].as_str(), doc["text"].as_str()) else {
            continue;
        };
        if source == "web" {
            web.push(text.to_owned());
        } else {
            others
                .entry(source.to_owned())
                .or_default()
                .push(text.to_owned());
        }
    }
    let mut total: usize = web.iter().map(String::len).sum();
    let mut docs = web;
    let mut queues: Vec<std::vec::IntoIter<String>> =
        others.into_values().map(Vec::into_iter).collect();
    'fill: while total < TARGET_BYTES {
        let mut progressed = false;
        for q in &mut queues {
            if let Some(text) = q.next() {
                total += text.len();
                docs.push(text);
                progressed = true;
                if total >= TARGET_BYTES {
                    break 'fill;
                }
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(docs)
}

fn bench(c: &mut Criterion, docs: &[String]) {
    let normalizer = Normalizer::new().expect("traditional→simplified dictionary loads");
    let tokenizer = Tokenizer::new();
    let bytes: usize = docs.iter().map(String::len).sum();
    let chars: usize = docs.iter().map(|d| d.chars().count()).sum();
    println!(
        "text_pipeline: {} docs, {:.2} MB raw ({} chars)",
        docs.len(),
        bytes as f64 / 1e6,
        chars
    );
    let normalized: Vec<Normalized> = docs.iter().map(|d| normalizer.normalize(d)).collect();
    if std::env::args().skip(1).all(|a| a == "--bench") {
        print_interleaved_ratio(docs, &normalizer, &tokenizer, &normalized);
    }
    let throughput = Throughput::Bytes(bytes as u64);

    let mut g = c.benchmark_group("normalize");
    g.throughput(throughput.clone());
    g.bench_function("pool_2mb", |b| {
        b.iter(|| {
            for d in docs {
                black_box(normalizer.normalize(black_box(d)));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("tokenize");
    g.throughput(throughput.clone());
    for (name, char_bigrams) in [("bigrams_on", true), ("bigrams_off", false)] {
        let opts = TokenOptions { char_bigrams };
        g.bench_function(name, |b| {
            let mut out = Vec::new();
            b.iter(|| {
                for n in &normalized {
                    out.clear();
                    tokenizer.feature_tokens(black_box(n), opts, &mut out);
                    black_box(&out);
                }
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("pipeline");
    g.throughput(throughput);
    g.bench_function("normalize_then_tokenize_bigrams_on", |b| {
        let opts = TokenOptions { char_bigrams: true };
        b.iter(|| {
            let mut count = 0;
            for d in docs {
                let n = normalizer.normalize(black_box(d));
                let mut out = Vec::new();
                tokenizer.feature_tokens(&n, opts, &mut out);
                count += out.len();
            }
            black_box(count)
        })
    });
    g.finish();
}

/// Whole passes of normalisation and of tokenisation (bigrams off), alternated: the ratio of the
/// totals.
fn print_interleaved_ratio(
    docs: &[String],
    normalizer: &Normalizer,
    tokenizer: &Tokenizer,
    normalized: &[Normalized],
) {
    const ROUNDS: u32 = 20;
    let (mut norm, mut tok) = (Duration::ZERO, Duration::ZERO);
    let mut out = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for d in docs {
            black_box(normalizer.normalize(black_box(d)));
        }
        norm += t.elapsed();
        let t = Instant::now();
        for n in normalized {
            out.clear();
            tokenizer.feature_tokens(black_box(n), TokenOptions::default(), &mut out);
            black_box(&out);
        }
        tok += t.elapsed();
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / f64::from(ROUNDS);
    println!(
        "interleaved, {ROUNDS} rounds: normalise {:.1} ms, tokenise (bigrams off) {:.1} ms per pass; \
         normalise/tokenise = {:.3}",
        ms(norm),
        ms(tok),
        norm.as_secs_f64() / tok.as_secs_f64()
    );
}

fn main() {
    let path = pool_path();
    if !path.is_file() {
        println!(
            "../shared/data not found: benchmark skipped (looked for {})",
            path.display()
        );
        return;
    }
    let docs = match load_docs(&path) {
        Ok(docs) if !docs.is_empty() => docs,
        Ok(_) => {
            println!(
                "../shared/data not found: benchmark skipped (no docs in {})",
                path.display()
            );
            return;
        }
        Err(e) => {
            println!(
                "../shared/data not found: benchmark skipped ({}: {e})",
                path.display()
            );
            return;
        }
    };
    // Each iteration is a full pass over ~2 MB (tenths of a second), so few samples suffice.
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    bench(&mut c, &docs);
    c.final_summary();
}
