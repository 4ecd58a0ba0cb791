//! `train` and `eval`: the command contract scripts depend on.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Map, Value};

use crate::artifact::sha256_hex;
use crate::classify::{
    self, evaluate_predictions, predict_docs, ClassWeight, Fields, LabelledDoc, Metrics, ModelCard,
    NoticeClassifier, TfidfConfig, TrainOptions,
};
use crate::text::{TextPipeline, TokenOptions};

#[derive(Args, Debug)]
pub struct DataArgs {
    /// Labelled data: JSONL or CSV, optionally .gz.
    #[arg(long)]
    data: PathBuf,
    /// Labels JSONL keyed by `id`, merged into the data rows (labels kept apart from a corpus).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Field holding the label.
    #[arg(long, default_value = "label")]
    label_field: String,
    /// Field holding the split name (train/dev/test).
    #[arg(long, default_value = "split")]
    split_field: String,
    #[arg(long, default_value = "text")]
    text_field: String,
    #[arg(long, default_value = "title")]
    title_field: String,
    /// Field holding a per-row training weight (default 1).
    #[arg(long, default_value = "weight")]
    weight_field: String,
    /// Field used to report metrics per group (e.g. the corpus source).
    #[arg(long, default_value = "source")]
    group_field: String,
    /// Rows with this label are left out (documents that fit no class).
    #[arg(long)]
    exclude_label: Vec<String>,
    /// GROUP=W: multiply the training weight of rows of that group (repeatable), e.g. web=3.
    #[arg(long, value_parser = parse_group_weight)]
    group_weight: Vec<(String, f32)>,
}

fn parse_group_weight(s: &str) -> Result<(String, f32), String> {
    let (g, w) = s
        .split_once('=')
        .ok_or("expected GROUP=WEIGHT, e.g. web=3")?;
    let w: f32 = w
        .parse()
        .map_err(|_| format!("weight `{w}` is not a number"))?;
    if !(w > 0.0 && w.is_finite()) {
        return Err("weight must be positive".into());
    }
    Ok((g.to_string(), w))
}

impl DataArgs {
    fn load(&self) -> Result<Vec<LabelledDoc>> {
        let fields = Fields {
            text: self.text_field.clone(),
            title: self.title_field.clone(),
            label: self.label_field.clone(),
            split: self.split_field.clone(),
            weight: self.weight_field.clone(),
            group: self.group_field.clone(),
        };
        let mut docs = classify::load_labelled(&self.data, self.labels.as_deref(), &fields)?;
        docs.retain(|d| !self.exclude_label.contains(&d.label));
        for d in &mut docs {
            if let Some((_, w)) = self
                .group_weight
                .iter()
                .find(|(g, _)| d.group.as_ref() == Some(g))
            {
                d.weight *= w;
            }
        }
        Ok(docs)
    }
}

fn in_split<'a>(docs: &'a [LabelledDoc], split: &str) -> Vec<LabelledDoc> {
    docs.iter()
        .filter(|d: &&'a LabelledDoc| d.split.as_deref() == Some(split))
        .cloned()
        .collect()
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Output directory (model.bin + model.json).
    #[arg(long)]
    out: PathBuf,
    /// Model name (default: the output folder's name).
    #[arg(long)]
    name: Option<String>,
    /// Split to evaluate on after training, recorded in the card (skipped when absent in the data).
    #[arg(long, default_value = "test")]
    eval_split: String,
    #[arg(long, default_value_t = 2)]
    min_df: usize,
    #[arg(long, default_value_t = 1.0)]
    max_df: f32,
    #[arg(long, default_value_t = 200_000)]
    max_features: usize,
    /// Candidate L2 strengths α (= 1/C), chosen on a held-out part of train (repeatable).
    #[arg(long = "alpha", default_values_t = [1.0, 0.3, 0.1])]
    alphas: Vec<f64>,
    /// Fraction of training rows held out to choose α.
    #[arg(long, default_value_t = 0.1)]
    dev_fraction: f64,
    /// Balanced by default: on Fudan it gave +4.0 pt accuracy and +40 pt macro-F1 over equal
    /// weights (BENCHMARKS.md), and the notice models use it too.
    #[arg(long, value_enum, default_value_t = ClassWeight::Balanced)]
    class_weight: ClassWeight,
    /// Add Han character bigrams to the jieba words (off by default: see docs/TOKENS.md).
    #[arg(long)]
    char_bigrams: bool,
    #[arg(long, default_value_t = 300)]
    max_iterations: u64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Free text for the card: where the data comes from and its licence.
    #[arg(long, default_value = "")]
    data_note: String,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Model directory.
    #[arg(long)]
    model: PathBuf,
    /// Split to evaluate on; all rows when the data has no split field.
    #[arg(long, default_value = "test")]
    split: String,
    /// Print one JSON object instead of tables.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report (confusion heatmap, per-class F1 bars).
    #[arg(long)]
    report: Option<PathBuf>,
}

fn progress() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

fn file_hash(p: &Path) -> Result<String> {
    Ok(sha256_hex(
        &std::fs::read(p).with_context(|| format!("reading {}", p.display()))?,
    ))
}

pub fn run_train(a: TrainArgs) -> Result<()> {
    let all = a.data.load()?;
    let has_split = all.iter().any(|d| d.split.is_some());
    let train_docs = if has_split {
        in_split(&all, "train")
    } else {
        all.clone()
    };
    if train_docs.is_empty() {
        bail!(
            "no rows with {}=train in {}",
            a.data.split_field,
            a.data.data.display()
        );
    }
    let opts = TrainOptions {
        tfidf: TfidfConfig {
            min_df: a.min_df,
            max_df: a.max_df,
            max_features: a.max_features,
            sublinear_tf: true,
        },
        tokens: TokenOptions {
            char_bigrams: a.char_bigrams,
        },
        alphas: a.alphas.clone(),
        dev_fraction: a.dev_fraction,
        class_weight: a.class_weight,
        max_iterations: a.max_iterations,
        seed: a.seed,
        ..TrainOptions::default()
    };
    let pipeline = TextPipeline::new()?;
    let pb = progress();
    tracing::info!(rows = train_docs.len(), "training");
    let (model, report) = classify::train(&pipeline, &train_docs, &opts, &pb)?;
    pb.finish_and_clear();
    tracing::info!(
        seconds = report.seconds,
        alpha = report.alpha,
        features = report.n_features,
        "trained"
    );

    let name = a.name.clone().unwrap_or_else(|| {
        a.out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into())
    });
    let sha = model.save(&a.out)?;
    let test_docs = if has_split {
        in_split(&all, &a.eval_split)
    } else {
        Vec::new()
    };
    let mut details = Map::new();
    details.insert(
        "training".into(),
        json!({
            "data": a.data.data.display().to_string(),
            "data_sha256": file_hash(&a.data.data)?,
            "labels_file": a.data.labels.as_ref().map(|p| p.display().to_string()),
            "labels_sha256": a.data.labels.as_deref().map(file_hash).transpose()?,
            "label_field": a.data.label_field,
            "excluded_labels": a.data.exclude_label,
            "group_weights": a.data.group_weight,
            "note": a.data_note,
            "rows": report.rows,
            "class_counts": report.class_counts,
            "seconds": report.seconds,
        }),
    );
    details.insert("hyperparameters".into(), json!({
        "tfidf": opts.tfidf, "tokens": opts.tokens, "alphas": opts.alphas, "alpha": report.alpha,
        "alpha_selection_dev_macro_f1": report.selection, "dev_fraction": opts.dev_fraction,
        "class_weight": opts.class_weight, "max_iterations": opts.max_iterations, "prune": opts.prune, "seed": opts.seed,
    }));
    details.insert("n_features".into(), json!(report.n_features));
    details.insert("nonzero_weights".into(), json!(report.nonzero_weights));
    if !test_docs.is_empty() {
        details.insert(
            "metrics".into(),
            json!({ a.eval_split.clone(): metrics_json(&model, &test_docs, &predict_docs(&pipeline, &model, &test_docs)).1 }),
        );
    }
    let card = ModelCard::new(name, "classifier", model.labels().to_vec(), sha, details);
    card.save(&a.out)?;
    println!(
        "{}",
        serde_json::to_string_pretty(
            &json!({"model": a.out, "version": card.version, "alpha": report.alpha,
        "features": report.n_features, "train_seconds": report.seconds, "metrics": card.details.get("metrics")})
        )?
    );
    Ok(())
}

/// Overall metrics of `pred` on `docs`, plus the same per group (source): as stored in cards
/// and printed by `eval`. One prediction pass serves every group.
fn metrics_json(
    model: &NoticeClassifier,
    docs: &[LabelledDoc],
    pred: &[usize],
) -> (Metrics, Value) {
    let gold: Vec<&str> = docs.iter().map(|d| d.label.as_str()).collect();
    let m = evaluate_predictions(model, &gold, pred);
    let mut v = serde_json::to_value(&m).unwrap_or(Value::Null);
    let mut groups: Vec<&str> = docs.iter().filter_map(|d| d.group.as_deref()).collect();
    groups.sort();
    groups.dedup();
    if groups.len() > 1 {
        let by: Map<String, Value> = groups
            .iter()
            .map(|&g| {
                let (sub_gold, sub_pred): (Vec<&str>, Vec<usize>) = docs
                    .iter()
                    .zip(&gold)
                    .zip(pred)
                    .filter(|((d, _), _)| d.group.as_deref() == Some(g))
                    .map(|((_, &l), &p)| (l, p))
                    .unzip();
                let gm = evaluate_predictions(model, &sub_gold, &sub_pred);
                (
                    g.to_string(),
                    json!({"n": gm.n, "accuracy": gm.accuracy, "macro_f1": gm.macro_f1}),
                )
            })
            .collect();
        v["by_group"] = Value::Object(by);
    }
    (m, v)
}

pub fn run_eval(a: EvalArgs) -> Result<()> {
    let all = a.data.load()?;
    let docs = if all.iter().any(|d| d.split.is_some()) {
        in_split(&all, &a.split)
    } else {
        all
    };
    if docs.is_empty() {
        bail!(
            "no rows with {}={} in {}",
            a.data.split_field,
            a.split,
            a.data.data.display()
        );
    }
    let pipeline = TextPipeline::new()?;
    let model = NoticeClassifier::load(&a.model)?;
    let started = std::time::Instant::now();
    let pred = predict_docs(&pipeline, &model, &docs);
    let seconds = started.elapsed().as_secs_f64();
    let (m, mut v) = metrics_json(&model, &docs, &pred);
    // Prediction speed on in-memory documents (title + "\n" + text bytes, as the Python
    // reference counts them), on the rayon pool (RAYON_NUM_THREADS=1 for one thread).
    let bytes: usize = docs.iter().map(|d| d.title.len() + 1 + d.text.len()).sum();
    v["predict_seconds"] = json!(seconds);
    v["predict_docs_per_s"] = json!(docs.len() as f64 / seconds);
    v["predict_mb_per_s"] = json!(bytes as f64 / 1e6 / seconds);
    if let Some(path) = &a.report {
        let html = m
            .html(&format!(
                "{} on {}",
                a.model.display(),
                a.data.data.display()
            ))
            .map_err(anyhow::Error::msg)?;
        std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))?;
    }
    if a.json {
        println!("{}", serde_json::to_string(&v)?);
    } else {
        print!("{}", m.table());
        if let Some(Value::Object(by)) = v.get("by_group") {
            println!("\nby group:");
            for (g, m) in by {
                println!(
                    "{g:<12} n={:<5} accuracy {:.4}  macro-F1 {:.4}",
                    m["n"],
                    m["accuracy"].as_f64().unwrap_or(0.0),
                    m["macro_f1"].as_f64().unwrap_or(0.0)
                );
            }
        }
    }
    Ok(())
}
