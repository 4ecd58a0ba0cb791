//! Our `TfidfVectorizer` against `linfa-preprocessing`'s `TfIdfVectorizer`, side by side on the
//! Fudan corpus and on the same tokens (docs/VECTORIZER.md has the results).
//!
//! ```sh
//! RAYON_NUM_THREADS=1 cargo run --release --example vectorizer_compare -- \
//!     [PATH] [--rounds N] [--side both|ours|linfa|none] [--char-bigrams]
//! ```
//!
//! PATH defaults to `../shared/data/cls/fudan/fudan.jsonl.gz` (JSONL: text/label/split); when
//! it is absent the example says so and exits 0. Both sides fit on the train split and
//! transform the test split, single-threaded (linfa-preprocessing has no parallel path; ours
//! is called row by row here). Two tiers, each timed `--rounds` times with alternating order:
//!
//! * **vectorizer only**: tokens computed once beforehand. Ours counts terms and fits, then
//!   transforms `&[&str]` rows; linfa gets each document's tokens joined by U+FDD0 and a
//!   tokenizer function that splits on it.
//! * **with tokenisation**: both start from normalised text (the tokenizer function
//!   `fn(&str) -> Vec<&str>` must return slices of its input, so our normaliser, which builds a
//!   new string, runs before linfa sees the text). Ours runs `NoticeClassifier::tokens`; linfa
//!   gets the normalised content segments joined by U+FDD0 and a function running the same jieba
//!   cut and feature filter per segment.
//!
//! `--side ours|linfa|none` runs one side only (for peak RSS under `/usr/bin/time -v`; `none`
//! is the shared preparation alone).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::LazyLock;
use std::time::Instant;

use linfa_preprocessing::tf_idf_vectorization::{FittedTfIdfVectorizer, TfIdfVectorizer};
use linfa_preprocessing::Tokenizer;
use ndarray::Array1;
use notice_svc::classify::{
    count_terms, load_labelled, Fields, NoticeClassifier, SparseVec, TfidfConfig, TfidfVectorizer,
};
use notice_svc::text::{is_stopword, Normalized, TextPipeline, TokenOptions};

/// Joins segments (or tokens) in the strings handed to linfa: a Unicode noncharacter, meant
/// for internal use and checked absent from the corpus (Fudan has NULs).
const SEP: char = '\u{FDD0}';

static PIPELINE: LazyLock<TextPipeline> =
    LazyLock::new(|| TextPipeline::new().expect("text pipeline"));
static BIGRAMS: AtomicBool = AtomicBool::new(false);

fn token_options() -> TokenOptions {
    TokenOptions {
        char_bigrams: BIGRAMS.load(Ordering::Relaxed),
    }
}

/// linfa tokenizer, tier "with tokenisation": the same jieba cut and feature filter as
/// `Tokenizer::feature_tokens`, per U+FDD0-separated content segment.
fn jieba_tokens(text: &str) -> Vec<&str> {
    let jieba = PIPELINE.tokenizer.jieba();
    let bigrams = BIGRAMS.load(Ordering::Relaxed);
    let mut out = Vec::new();
    for segment in text.split(SEP).filter(|s| !s.is_empty()) {
        out.extend(
            jieba
                .cut(segment, false)
                .into_iter()
                .map(|t| t.word)
                .filter(|w| is_feature_word(w)),
        );
        if bigrams {
            push_han_bigrams(segment, &mut out);
        }
    }
    out
}

/// linfa tokenizer, tier "vectorizer only": the tokens are already there.
fn split_tokens(text: &str) -> Vec<&str> {
    text.split(SEP).filter(|s| !s.is_empty()).collect()
}

// Copies of the crate-private filters in src/text/tokenize.rs (checked equal below).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

fn is_feature_word(word: &str) -> bool {
    word.chars().any(is_han) || (word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphabetic()))
}

fn push_han_bigrams<'a>(segment: &'a str, out: &mut Vec<&'a str>) {
    let mut prev: Option<usize> = None;
    for (i, c) in segment.char_indices() {
        if !is_han(c) {
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            out.push(&segment[p..i + c.len_utf8()]);
        }
        prev = Some(i);
    }
}

/// The stop-list our vectorizer applies at fitting, for linfa's `stopwords`.
fn stopwords() -> Vec<&'static str> {
    let words: Vec<&str> = include_str!("../src/text/stopwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(words.iter().all(|w| is_stopword(w)));
    words
}

struct Doc {
    bytes: usize,
    title: Normalized,
    text: Normalized,
    /// Normalised content segments joined by U+FDD0: linfa's input, tier "with tokenisation".
    content: String,
}

fn content_of(title: &Normalized, text: &Normalized) -> String {
    let mut s = String::new();
    for seg in title.content().chain(text.content()) {
        assert!(!seg.contains(SEP), "separator inside normalised text");
        s.push_str(seg);
        s.push(SEP);
    }
    s
}

fn tokens_of(d: &Doc, opts: TokenOptions) -> Vec<&str> {
    NoticeClassifier::tokens(&PIPELINE, opts, &d.title, &d.text)
}

fn as_arr(v: &[String]) -> Array1<&str> {
    Array1::from(v.iter().map(String::as_str).collect::<Vec<_>>())
}

fn linfa_params(min_df: f32, tokenizer: fn(&str) -> Vec<&str>) -> TfIdfVectorizer {
    TfIdfVectorizer::default()
        .tokenizer(Tokenizer::Function(tokenizer))
        .normalize(false)
        .convert_to_lowercase(false)
        .document_frequency(min_df, 1.0)
        .stopwords(&stopwords())
}

fn ours_config() -> TfidfConfig {
    TfidfConfig {
        min_df: 2,
        max_df: 1.0,
        max_features: usize::MAX,
        sublinear_tf: true,
    }
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// `VmHWM` (peak) or `VmRSS` (current) of this process, MB.
fn rss_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn peak_rss_mb() -> f64 {
    rss_mb("VmHWM:")
}

#[derive(Default)]
struct Timings {
    fit: Vec<f64>,
    transform: Vec<f64>,
}

fn main() -> anyhow::Result<()> {
    let mut path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/cls/fudan/fudan.jsonl.gz"
    ));
    let (mut rounds, mut side) = (3usize, "both".to_string());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(3),
            "--side" => side = args.next().unwrap_or_default(),
            "--char-bigrams" => BIGRAMS.store(true, Ordering::Relaxed),
            _ => path = PathBuf::from(a),
        }
    }
    let (ours_on, linfa_on) = match side.as_str() {
        "both" => (true, true),
        "ours" => (true, false),
        "linfa" => (false, true),
        "none" => (false, false),
        other => anyhow::bail!("--side {other}: expected both, ours, linfa or none"),
    };
    if !path.exists() {
        println!(
            "{} not found: nothing to compare (the Fudan corpus lives in ../shared/data)",
            path.display()
        );
        return Ok(());
    }
    println!(
        "corpus {}; RAYON_NUM_THREADS={}; char bigrams {}; rounds {rounds}; side {side}",
        path.display(),
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "unset".into()),
        BIGRAMS.load(Ordering::Relaxed)
    );

    // ---- shared preparation (untimed) -------------------------------------------------
    let t = Instant::now();
    let docs = load_labelled(&path, None, &Fields::default())?;
    let prep = |split: &str| -> Vec<Doc> {
        docs.iter()
            .filter(|d| d.split.as_deref() == Some(split))
            .map(|d| {
                let title = PIPELINE.normalizer.normalize(&d.title);
                let text = PIPELINE.normalizer.normalize(&d.text);
                let content = content_of(&title, &text);
                Doc {
                    bytes: d.title.len() + d.text.len(),
                    title,
                    text,
                    content,
                }
            })
            .collect()
    };
    let (train, test) = (prep("train"), prep("test"));
    drop(docs);
    let test_mb = test.iter().map(|d| d.bytes).sum::<usize>() as f64 / 1e6;
    let train_mb = train.iter().map(|d| d.bytes).sum::<usize>() as f64 / 1e6;
    let opts = token_options();
    let tokens_of = |d| tokens_of(d, opts);
    let train_tokens: Vec<Vec<&str>> = train.iter().map(tokens_of).collect();
    let test_tokens: Vec<Vec<&str>> = test.iter().map(tokens_of).collect();
    // The linfa tokenizer must see exactly our tokens.
    for (d, ours) in train
        .iter()
        .zip(&train_tokens)
        .chain(test.iter().zip(&test_tokens))
    {
        assert_eq!(&jieba_tokens(&d.content), ours, "token mismatch");
    }
    let join = |toks: &[&str]| {
        let mut s = String::new();
        toks.iter().for_each(|t| {
            s.push_str(t);
            s.push(SEP);
        });
        s
    };
    let train_joined: Vec<String> = train_tokens.iter().map(|t| join(t)).collect();
    let test_joined: Vec<String> = test_tokens.iter().map(|t| join(t)).collect();
    let n_tokens: usize = test_tokens.iter().map(Vec::len).sum();
    let pairs: usize = train_tokens.iter().map(|t| count_terms(t).len()).sum();
    println!("train split: {pairs} (document, distinct term) pairs");
    println!(
        "prepared in {:.1} s: train {} docs {:.1} MB, test {} docs {:.1} MB ({} test tokens, \
         identical from both tokenizers); peak RSS so far {:.0} MB",
        secs(t),
        train.len(),
        train_mb,
        test.len(),
        test_mb,
        n_tokens,
        peak_rss_mb()
    );
    // min df 2 as linfa's fraction: keeps df >= floor(min_df * n_train) = 2.
    let min_df = 2.5 / train.len() as f32;
    let (train_arr, test_arr) = (as_arr(&train_joined), as_arr(&test_joined));
    let train_content: Vec<String> = train.iter().map(|d| d.content.clone()).collect();
    let test_content: Vec<String> = test.iter().map(|d| d.content.clone()).collect();
    let (train_carr, test_carr) = (as_arr(&train_content), as_arr(&test_content));

    // ---- timed rounds -------------------------------------------------------------------
    // Peak RSS from here on (Linux: writing 5 to clear_refs resets VmHWM to the current RSS).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = rss_mb("VmRSS:");
    let (mut ours_a, mut linfa_a) = (Timings::default(), Timings::default());
    let (mut ours_b, mut linfa_b) = (Timings::default(), Timings::default());
    let (mut ours_fit, mut ours_rows, mut linfa_fit, mut linfa_rows) = (None, None, None, None);
    let mut linfa_one_by_one = Vec::new();
    for round in 0..rounds {
        let ours_first = round % 2 == 0;
        for which in [ours_first, !ours_first] {
            if which && ours_on {
                let (v, rows) = run_ours_tokens(&train_tokens, &test_tokens, &mut ours_a);
                run_ours_text(&train, &test, &mut ours_b);
                ours_fit.get_or_insert(v);
                ours_rows.get_or_insert(rows);
            }
            if !which && linfa_on {
                let t = Instant::now();
                let fitted = linfa_params(min_df, split_tokens).fit(&train_arr)?;
                linfa_a.fit.push(secs(t));
                let t = Instant::now();
                let m = fitted.transform(&test_arr)?;
                linfa_a.transform.push(secs(t));
                let t = Instant::now();
                let fitted_b = linfa_params(min_df, jieba_tokens).fit(&train_carr)?;
                linfa_b.fit.push(secs(t));
                let t = Instant::now();
                let mb = fitted_b.transform(&test_carr)?;
                linfa_b.transform.push(secs(t));
                assert_eq!(m.nnz(), mb.nnz());
                if round == 0 {
                    // Serving transforms one document per call.
                    let t = Instant::now();
                    let mut nnz = 0;
                    for s in test_arr.iter().take(200) {
                        nnz += fitted.transform(&Array1::from(vec![*s]))?.nnz();
                    }
                    let n = test_arr.len().min(200);
                    let mb_n: usize = test.iter().take(n).map(|d| d.bytes).sum();
                    linfa_one_by_one.push((n, mb_n as f64 / 1e6 / secs(t), nnz));
                }
                linfa_fit.get_or_insert(fitted);
                linfa_rows.get_or_insert(m);
            }
        }
        println!(
            "round {round}: vectorizer-only fit ours {:.2} s linfa {:.2} s, transform ours {:.3} s \
             linfa {:.3} s; with tokenisation fit ours {:.2} s linfa {:.2} s, transform ours \
             {:.2} s linfa {:.2} s",
            ours_a.fit.last().unwrap_or(&f64::NAN),
            linfa_a.fit.last().unwrap_or(&f64::NAN),
            ours_a.transform.last().unwrap_or(&f64::NAN),
            linfa_a.transform.last().unwrap_or(&f64::NAN),
            ours_b.fit.last().unwrap_or(&f64::NAN),
            linfa_b.fit.last().unwrap_or(&f64::NAN),
            ours_b.transform.last().unwrap_or(&f64::NAN),
            linfa_b.transform.last().unwrap_or(&f64::NAN),
        );
    }
    println!(
        "peak RSS {:.0} MB during the rounds, {:.0} MB above the prepared data held before them",
        peak_rss_mb(),
        peak_rss_mb() - rss_before
    );
    if rounds == 0 || !(ours_on && linfa_on) {
        return Ok(());
    }

    // ---- results --------------------------------------------------------------------------
    let (ours_v, ours_rows) = (ours_fit.expect("ours ran"), ours_rows.expect("ours ran"));
    let (linfa_v, linfa_m) = (
        linfa_fit.expect("linfa ran"),
        linfa_rows.expect("linfa ran"),
    );
    println!("\n| tier | metric | ours | linfa-preprocessing | ours / linfa |");
    println!("|---|---|---|---|---|");
    for (tier, o, l) in [
        ("vectorizer only", &ours_a, &linfa_a),
        ("with tokenisation", &ours_b, &linfa_b),
    ] {
        let (of, lf) = (median(&o.fit), median(&l.fit));
        let (ot, lt) = (
            test_mb / median(&o.transform),
            test_mb / median(&l.transform),
        );
        let fit_ratio: Vec<String> = o
            .fit
            .iter()
            .zip(&l.fit)
            .map(|(a, b)| format!("{:.1}", b / a))
            .collect();
        let tr_ratio: Vec<String> = o
            .transform
            .iter()
            .zip(&l.transform)
            .map(|(a, b)| format!("{:.1}", b / a))
            .collect();
        println!(
            "| {tier} | fit on train, s (median of {rounds}) | {of:.2} | {lf:.2} | {:.1}x faster \
             (rounds: {}) |",
            lf / of,
            fit_ratio.join(", ")
        );
        println!(
            "| {tier} | transform test, MB/s (median) | {ot:.1} | {lt:.1} | {:.1}x (rounds: {}) |",
            ot / lt,
            tr_ratio.join(", ")
        );
    }
    if let Some((n, mbs, _)) = linfa_one_by_one.first() {
        println!(
            "| vectorizer only | transform one document per call ({n} docs), MB/s | - | {mbs:.1} \
             | |"
        );
    }
    println!(
        "| | vocabulary (min df 2, stop-words out) | {} | {} | |",
        ours_v.n_features(),
        linfa_v.nentries()
    );
    let linfa_m: Vec<Vec<(usize, f64)>> = linfa_m
        .outer_iterator()
        .map(|r| r.iter().map(|(c, &v)| (c, v)).collect())
        .collect();
    agreement(&ours_v, &ours_rows, &linfa_v, &linfa_m, &train_tokens);
    Ok(())
}

/// Ours, tokens given: count terms + fit on train, transform test row by row.
fn run_ours_tokens(
    train: &[Vec<&str>],
    test: &[Vec<&str>],
    timings: &mut Timings,
) -> (TfidfVectorizer, Vec<SparseVec>) {
    let t = Instant::now();
    let counted: Vec<Vec<(String, u32)>> = train.iter().map(|d| count_terms(d)).collect();
    let v = TfidfVectorizer::fit(counted.iter().map(Vec::as_slice), ours_config());
    timings.fit.push(secs(t));
    let t = Instant::now();
    let rows: Vec<SparseVec> = test
        .iter()
        .map(|d| {
            let mut row = SparseVec::default();
            v.transform(d, &mut row);
            row
        })
        .collect();
    timings.transform.push(secs(t));
    (v, rows)
}

/// Ours from normalised text: tokenise + count + fit on train, tokenise + transform test.
fn run_ours_text(train: &[Doc], test: &[Doc], timings: &mut Timings) {
    let opts = token_options();
    let t = Instant::now();
    let counted: Vec<Vec<(String, u32)>> = train
        .iter()
        .map(|d| {
            count_terms(&NoticeClassifier::tokens(
                &PIPELINE, opts, &d.title, &d.text,
            ))
        })
        .collect();
    let v = TfidfVectorizer::fit(counted.iter().map(Vec::as_slice), ours_config());
    timings.fit.push(secs(t));
    let t = Instant::now();
    let rows: Vec<SparseVec> = test
        .iter()
        .map(|d| {
            let mut row = SparseVec::default();
            v.transform(
                &NoticeClassifier::tokens(&PIPELINE, opts, &d.title, &d.text),
                &mut row,
            );
            row
        })
        .collect();
    timings.transform.push(secs(t));
    assert_eq!(rows.len(), test.len());
}

/// Do the rows agree? Compares linfa's rows with ours after aligning vocabularies, as given
/// and with each of our steps applied in turn, to name what differs.
fn agreement(
    ours: &TfidfVectorizer,
    ours_rows: &[SparseVec],
    linfa: &FittedTfIdfVectorizer,
    linfa_m: &[Vec<(usize, f64)>],
    train_tokens: &[Vec<&str>],
) {
    let index: HashMap<&str, u32> = (0..ours.n_features() as u32)
        .map(|j| (ours.term(j), j))
        .collect();
    let vocab = linfa.vocabulary();
    let col: Vec<Option<u32>> = vocab
        .iter()
        .map(|t| index.get(t.as_str()).copied())
        .collect();
    let shared = col.iter().filter(|c| c.is_some()).count();
    println!(
        "\nvocabularies: ours {}, linfa {}, shared {} (same set: {})",
        ours.n_features(),
        vocab.len(),
        shared,
        shared == vocab.len() && shared == ours.n_features()
    );
    // Our idf, from the serialized vectorizer (the field is private).
    let idf: Vec<f64> = serde_json::to_value(ours)
        .ok()
        .and_then(|v| serde_json::from_value(v["idf"].clone()).ok())
        .expect("idf in the serialized vectorizer");
    // linfa's transform takes idf from the batch it transforms: rebuild its df to undo it.
    let n = linfa_m.len() as f64;
    let mut batch_df = vec![0usize; vocab.len()];
    for row in linfa_m {
        row.iter().for_each(|&(c, _)| batch_df[c] += 1);
    }
    let batch_idf = |c: usize| ((1.0 + n) / (1.0 + batch_df[c] as f64)).ln() + 1.0;
    // Variants of linfa's row, each as (our column, value), to compare with ours.
    let variants: [(&str, Reweigh, bool); 4] = [
        // (label, value from (linfa value, batch idf, train idf), L2-normalise)
        (
            "linfa as returned (raw tf x batch idf, no norm)",
            |v, _, _| v,
            false,
        ),
        ("+ L2 norm", |v, _, _| v, true),
        (
            "+ sublinear tf, L2 (still batch idf)",
            |v, b, _| sub(v / b) * b,
            true,
        ),
        (
            "+ sublinear tf, L2, train idf (= ours)",
            |v, b, i| sub(v / b) * i,
            true,
        ),
    ];
    println!(
        "\n| linfa row variant vs ours (test split) | mean cosine | min cosine | max abs diff |"
    );
    println!("|---|---|---|---|");
    for (label, f, norm) in variants {
        let (mut cos_sum, mut cos_min, mut max_diff, mut rows) = (0.0, f64::MAX, 0.0f64, 0);
        for (i, lrow) in linfa_m.iter().enumerate() {
            let mut dense: HashMap<u32, f64> = HashMap::new();
            for &(c, v) in lrow {
                let j = col[c].expect("linfa term in our vocabulary");
                dense.insert(j, f(v, batch_idf(c), idf[j as usize]));
            }
            let lnorm = dense.values().map(|v| v * v).sum::<f64>().sqrt();
            if norm && lnorm > 0.0 {
                dense.values_mut().for_each(|v| *v /= lnorm);
            }
            let orow = &ours_rows[i];
            if orow.indices.is_empty() && dense.is_empty() {
                continue;
            }
            let onorm = orow
                .values
                .iter()
                .map(|&v| (v as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            let mut dot = 0.0;
            for (&j, &v) in orow.indices.iter().zip(&orow.values) {
                let l = dense.remove(&j).unwrap_or(0.0);
                dot += l * v as f64;
                max_diff = max_diff.max((l - v as f64).abs());
            }
            // Whatever is left is in linfa's row only.
            dense
                .values()
                .for_each(|v| max_diff = max_diff.max(v.abs()));
            let denom = onorm * if norm { 1.0 } else { lnorm };
            let cos = if denom > 0.0 { dot / denom } else { 0.0 };
            cos_sum += cos;
            cos_min = cos_min.min(cos);
            rows += 1;
        }
        println!(
            "| {label} | {:.4} | {:.4} | {:.2e} |",
            cos_sum / rows.max(1) as f64,
            cos_min,
            max_diff
        );
    }
    // One document per call: the batch is that document, so every idf is ln(2/2) + 1 = 1.
    let doc = train_tokens.first().map(|t| {
        let mut s = String::new();
        t.iter().for_each(|w| {
            s.push_str(w);
            s.push(SEP);
        });
        s
    });
    if let Some(doc) = doc {
        if let Ok(m) = linfa.transform(&Array1::from(vec![doc.as_str()])) {
            let integral = m.data().iter().all(|v| v.fract() == 0.0);
            println!(
                "\none document per linfa transform call: {} non-zeros, all plain counts \
                 (idf 1): {integral}",
                m.nnz()
            );
        }
    }
}

/// A linfa value re-weighed from (linfa value, batch idf, train idf).
type Reweigh = fn(f64, f64, f64) -> f64;

fn sub(count: f64) -> f64 {
    1.0 + count.round().ln()
}
