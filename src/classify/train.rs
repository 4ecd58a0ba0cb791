//! Training a [`NoticeClassifier`] from labelled documents: tokenise once, pick the
//! regularisation strength on a stratified held-out part of the training rows, refit on all.

use indicatif::ProgressBar;
use linfa::dataset::DatasetBase;
use linfa::traits::Fit;
use ndarray::Array1;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::eval::{evaluate, Metrics};
use super::{
    count_terms, FittedSoftmax, LabelledDoc, LogisticError, NoticeClassifier, SoftmaxRegression,
    SparseRows, SparseVec, TfidfConfig, TfidfVectorizer,
};
use crate::text::{TextPipeline, TokenOptions};

/// How to weigh classes against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ClassWeight {
    /// Every document counts the same.
    None,
    /// Classes count inversely to their frequency (scikit-learn's "balanced").
    Balanced,
}

/// Training hyper-parameters.
#[derive(Debug, Clone, Serialize)]
pub struct TrainOptions {
    pub tfidf: TfidfConfig,
    pub tokens: TokenOptions,
    /// Candidate L2 strengths (α = 1/C); one value skips the selection.
    pub alphas: Vec<f64>,
    /// Fraction of the training rows held out to choose α.
    pub dev_fraction: f64,
    pub class_weight: ClassWeight,
    pub max_iterations: u64,
    /// Weights below this magnitude are zeroed in the saved model.
    pub prune: f32,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            tfidf: TfidfConfig::default(),
            tokens: TokenOptions::default(),
            alphas: vec![1.0, 0.3, 0.1],
            dev_fraction: 0.1,
            class_weight: ClassWeight::Balanced,
            max_iterations: 300,
            prune: 1e-4,
            seed: 42,
        }
    }
}

/// What training found out, for the model card.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub rows: usize,
    pub class_counts: Vec<(String, usize)>,
    /// (α, dev macro-F1) per candidate.
    pub selection: Vec<(f64, f64)>,
    pub alpha: f64,
    pub n_features: usize,
    pub nonzero_weights: usize,
    pub seconds: f64,
}

/// Each document's distinct feature terms with counts: the one tokenisation of a training run.
pub fn counted_terms(
    pipeline: &TextPipeline,
    opts: TokenOptions,
    docs: &[LabelledDoc],
) -> Vec<Vec<(String, u32)>> {
    docs.par_iter()
        .map(|d| {
            let title = pipeline.normalizer.normalize(&d.title);
            let text = pipeline.normalizer.normalize(&d.text);
            count_terms(&NoticeClassifier::tokens(pipeline, opts, &title, &text))
        })
        .collect()
}

/// Trains on `docs` (all of them: filter the split before).
pub fn train(
    pipeline: &TextPipeline,
    docs: &[LabelledDoc],
    opts: &TrainOptions,
    progress: &ProgressBar,
) -> Result<(NoticeClassifier, TrainReport), LogisticError> {
    let started = std::time::Instant::now();
    let mut labels: Vec<String> = docs.iter().map(|d| d.label.clone()).collect();
    labels.sort();
    labels.dedup();
    let y: Vec<usize> = docs
        .iter()
        .map(|d| labels.binary_search(&d.label).unwrap_or(0))
        .collect();
    let weights = sample_weights(docs, &y, labels.len(), opts.class_weight);
    progress.set_message("tokenising");
    let terms = counted_terms(pipeline, opts.tokens, docs);

    let mut selection = Vec::new();
    let mut alpha = opts.alphas.first().copied().unwrap_or(1.0);
    if opts.alphas.len() > 1 {
        let (fit_idx, dev_idx) = stratified_split(&y, opts.dev_fraction, opts.seed);
        let part = Part::new(&terms, &fit_idx, opts.tfidf);
        let dev = part.rows_of(&terms, &dev_idx);
        let dev_y: Vec<usize> = dev_idx.iter().map(|&i| y[i]).collect();
        let mut warm: Option<FittedSoftmax> = None;
        for &a in &opts.alphas {
            progress.set_message(format!("choosing alpha: fitting alpha={a}"));
            let model = fit(
                &part.rows,
                &fit_idx,
                &y,
                &weights,
                labels.len(),
                a,
                opts,
                warm.take(),
            )?;
            let pred = predict_all(&model, &dev);
            let f1 = evaluate(&labels, &dev_y, &pred).macro_f1;
            selection.push((a, f1));
            warm = Some(model);
        }
        alpha = selection
            .iter()
            .fold(
                (alpha, f64::MIN),
                |b, &(a, f)| if f > b.1 { (a, f) } else { b },
            )
            .0;
    }
    progress.set_message(format!("final fit, alpha={alpha}"));
    let all: Vec<usize> = (0..docs.len()).collect();
    let part = Part::new(&terms, &all, opts.tfidf);
    let mut model = fit(
        &part.rows,
        &all,
        &y,
        &weights,
        labels.len(),
        alpha,
        opts,
        None,
    )?;
    let nonzero = model.prune(opts.prune);
    let mut class_counts: Vec<(String, usize)> = labels.iter().map(|l| (l.clone(), 0)).collect();
    y.iter().for_each(|&c| class_counts[c].1 += 1);
    let report = TrainReport {
        rows: docs.len(),
        class_counts,
        selection,
        alpha,
        n_features: part.vectorizer.n_features(),
        nonzero_weights: nonzero,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((
        NoticeClassifier::new(labels, opts.tokens, part.vectorizer, model),
        report,
    ))
}

/// A vectorizer fitted on some rows, and those rows as features.
struct Part {
    vectorizer: TfidfVectorizer,
    rows: SparseRows,
}

impl Part {
    fn new(terms: &[Vec<(String, u32)>], idx: &[usize], config: TfidfConfig) -> Self {
        let vectorizer = TfidfVectorizer::fit(idx.iter().map(|&i| terms[i].as_slice()), config);
        let mut part = Self {
            rows: SparseRows::new(vectorizer.n_features()),
            vectorizer,
        };
        part.rows = part.rows_of(terms, idx);
        part
    }

    fn rows_of(&self, terms: &[Vec<(String, u32)>], idx: &[usize]) -> SparseRows {
        let rows: Vec<SparseVec> = idx
            .par_iter()
            .map(|&i| {
                let mut row = SparseVec::default();
                self.vectorizer.transform_counted(&terms[i], &mut row);
                row
            })
            .collect();
        let mut out = SparseRows::new(self.vectorizer.n_features());
        rows.iter().for_each(|r| out.push(&r.indices, &r.values));
        out
    }
}

#[allow(clippy::too_many_arguments)]
fn fit(
    rows: &SparseRows,
    idx: &[usize],
    y: &[usize],
    w: &[f32],
    k: usize,
    alpha: f64,
    opts: &TrainOptions,
    warm: Option<FittedSoftmax>,
) -> Result<FittedSoftmax, LogisticError> {
    let targets: Array1<usize> = idx.iter().map(|&i| y[i]).collect();
    let weights: Array1<f32> = idx.iter().map(|&i| w[i]).collect();
    let data = DatasetBase::new(rows.clone(), targets).with_weights(weights);
    SoftmaxRegression {
        alpha,
        max_iterations: opts.max_iterations,
        n_classes: Some(k),
        initial: warm,
        ..Default::default()
    }
    .fit(&data)
}

fn predict_all(model: &FittedSoftmax, rows: &SparseRows) -> Vec<usize> {
    let mut scores = vec![0.0; model.n_classes()];
    (0..rows.len())
        .map(|i| {
            let (ind, val) = rows.row(i);
            model.logits(ind, val, &mut scores);
            super::argmax(&scores)
        })
        .collect()
}

fn sample_weights(docs: &[LabelledDoc], y: &[usize], k: usize, cw: ClassWeight) -> Vec<f32> {
    let mut counts = vec![0usize; k];
    y.iter().for_each(|&c| counts[c] += 1);
    docs.iter()
        .zip(y)
        .map(|(d, &c)| match cw {
            ClassWeight::None => d.weight,
            ClassWeight::Balanced => d.weight * docs.len() as f32 / (k as f32 * counts[c] as f32),
        })
        .collect()
}

/// Seeded, stratified split of row indices into (fit, held-out).
pub fn stratified_split(y: &[usize], held_out: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = y.iter().copied().max().map_or(0, |m| m + 1);
    let (mut fit, mut dev) = (Vec::new(), Vec::new());
    for c in 0..k {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == c).collect();
        idx.shuffle(&mut rng);
        let n_dev = if idx.len() >= 5 {
            ((idx.len() as f64) * held_out).round() as usize
        } else {
            0
        };
        dev.extend_from_slice(&idx[..n_dev]);
        fit.extend_from_slice(&idx[n_dev..]);
    }
    fit.sort_unstable();
    dev.sort_unstable();
    (fit, dev)
}

/// Scores `docs` with `model` (used by `eval` and by training reports).
pub fn predict_docs(
    pipeline: &TextPipeline,
    model: &NoticeClassifier,
    docs: &[LabelledDoc],
) -> Vec<usize> {
    docs.par_iter()
        .map(|d| {
            let title = pipeline.normalizer.normalize(&d.title);
            let text = pipeline.normalizer.normalize(&d.text);
            let tokens = NoticeClassifier::tokens(pipeline, model.token_options(), &title, &text);
            let p = model.probabilities(&model.features(&tokens));
            super::argmax(&p)
        })
        .collect()
}

/// Metrics of `pred` (label indices of `model`, as from [`predict_docs`]) against the `gold`
/// labels; gold labels unknown to the model count as errors.
pub fn evaluate_predictions(model: &NoticeClassifier, gold: &[&str], pred: &[usize]) -> Metrics {
    let mut labels = model.labels().to_vec();
    for g in gold {
        if !labels.iter().any(|l| l == g) {
            labels.push(g.to_string());
        }
    }
    let gold: Vec<usize> = gold
        .iter()
        .map(|g| labels.iter().position(|l| l == g).unwrap_or(0))
        .collect();
    evaluate(&labels, &gold, pred)
}
