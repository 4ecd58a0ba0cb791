//! Tokens → TF-IDF rows: sublinear tf, smoothed idf, L2-normalised, with min-df and
//! max-features controls (scikit-learn's `TfidfVectorizer` semantics).
//!
//! Hand-written rather than `linfa-preprocessing`'s vectorizer: that one tokenizes raw strings
//! itself and allocates a `String` per token, while here tokens arrive as borrowed slices from
//! the shared text pipeline and a row costs one batched [`TermIndex`] probe per token (see
//! BENCHMARKS.md).

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::term_index::TermIndex;
use crate::text::is_stopword;

/// Vocabulary controls.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct TfidfConfig {
    /// Drop terms found in fewer documents than this.
    pub min_df: usize,
    /// Drop terms found in more than this fraction of documents.
    pub max_df: f32,
    /// Keep at most this many terms, the most frequent by document frequency.
    pub max_features: usize,
    /// Use `1 + ln(tf)` instead of raw counts.
    pub sublinear_tf: bool,
}

impl Default for TfidfConfig {
    fn default() -> Self {
        Self {
            min_df: 2,
            max_df: 1.0,
            max_features: 200_000,
            sublinear_tf: true,
        }
    }
}

/// A fitted vocabulary with idf weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TfidfVectorizer {
    config: TfidfConfig,
    terms: Vec<String>,
    idf: Vec<f32>,
    #[serde(skip)]
    index: TermIndex,
}

impl TfidfVectorizer {
    /// Learns the vocabulary from each document's distinct terms; stop-words never enter it.
    pub fn fit<'a, I>(docs: I, config: TfidfConfig) -> Self
    where
        I: IntoIterator<Item = &'a [(String, u32)]>,
    {
        let mut df: FxHashMap<&str, u32> = FxHashMap::default();
        let mut n_docs = 0usize;
        for doc in docs {
            n_docs += 1;
            for (term, _) in doc.iter().filter(|(t, _)| !is_stopword(t)) {
                *df.entry(term.as_str()).or_default() += 1;
            }
        }
        let max_df = (config.max_df as f64 * n_docs as f64).floor() as u32;
        let mut kept: Vec<(&str, u32)> = df
            .into_iter()
            .filter(|&(_, d)| d as usize >= config.min_df && d <= max_df.max(1))
            .collect();
        // Most frequent first, ties by term, so the vocabulary is deterministic.
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kept.truncate(config.max_features);
        kept.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let n = n_docs as f32;
        let mut idf: Vec<f32> = kept
            .iter()
            .map(|&(_, d)| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
            .collect();
        let mut terms: Vec<String> = kept.into_iter().map(|(t, _)| t.to_string()).collect();
        // Two terms with one 64-bit hash (odds ~10^-9 for 200K terms): the later one is left
        // out, so the index can always be built again from the saved terms.
        let index = loop {
            match TermIndex::new(&terms) {
                Ok(index) => break index,
                Err(j) => {
                    tracing::warn!(term = terms[j], "term left out: its hash equals another's");
                    terms.remove(j);
                    idf.remove(j);
                }
            }
        };
        Self {
            config,
            terms,
            idf,
            index,
        }
    }

    /// Rebuilds the term index (not serialized; call after loading). `Err` names a term whose
    /// hash another term has, which [`Self::fit`] never leaves.
    pub fn build_index(&mut self) -> Result<(), String> {
        self.index = TermIndex::new(&self.terms).map_err(|j| self.terms[j].clone())?;
        Ok(())
    }

    pub fn n_features(&self) -> usize {
        self.terms.len()
    }

    pub fn term(&self, j: u32) -> &str {
        &self.terms[j as usize]
    }

    pub fn config(&self) -> TfidfConfig {
        self.config
    }

    /// The TF-IDF row of a token sequence; `row` is cleared and refilled (reuse it).
    pub fn transform(&self, tokens: &[&str], row: &mut SparseVec) {
        row.clear();
        self.index.columns(tokens, &mut row.indices);
        row.indices.sort_unstable();
        self.weigh(row);
    }

    /// The TF-IDF row of a document given as distinct terms with counts.
    pub fn transform_counted(&self, terms: &[(String, u32)], row: &mut SparseVec) {
        row.clear();
        let mut pairs: Vec<(u32, u32)> = terms
            .iter()
            .filter_map(|(t, c)| self.index.column(t).map(|j| (j, *c)))
            .collect();
        pairs.sort_unstable();
        for (j, c) in pairs {
            row.indices.push(j);
            row.values.push(c as f32);
        }
        self.scale(row);
    }

    /// Turns sorted, repeated indices into (index, count) and weighs them.
    fn weigh(&self, row: &mut SparseVec) {
        let mut w = 0;
        for r in 0..row.indices.len() {
            if w > 0 && row.indices[w - 1] == row.indices[r] {
                row.values[w - 1] += 1.0;
            } else {
                row.indices[w] = row.indices[r];
                row.values.push(1.0);
                w += 1;
            }
        }
        row.indices.truncate(w);
        self.scale(row);
    }

    fn scale(&self, row: &mut SparseVec) {
        let mut norm = 0.0f32;
        for (v, &j) in row.values.iter_mut().zip(&row.indices) {
            let tf = if self.config.sublinear_tf {
                1.0 + v.ln()
            } else {
                *v
            };
            *v = tf * self.idf[j as usize];
            norm += *v * *v;
        }
        if norm > 0.0 {
            let inv = norm.sqrt().recip();
            row.values.iter_mut().for_each(|v| *v *= inv);
        }
    }
}

/// One sparse row: sorted feature indices with their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVec {
    pub fn clear(&mut self) {
        self.indices.clear();
        self.values.clear();
    }
}

/// Distinct terms of a token sequence with their counts, sorted by term.
pub fn count_terms(tokens: &[&str]) -> Vec<(String, u32)> {
    let mut sorted: Vec<&str> = tokens.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<(String, u32)> = Vec::new();
    for t in sorted {
        match out.last_mut() {
            Some((last, c)) if last == t => *c += 1,
            _ => out.push((t.to_string(), 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(docs: &[&[&str]], config: TfidfConfig) -> TfidfVectorizer {
        let counted: Vec<_> = docs.iter().map(|d| count_terms(d)).collect();
        TfidfVectorizer::fit(counted.iter().map(|d| d.as_slice()), config)
    }

    #[test]
    fn matches_scikit_learn_semantics() {
        let docs: &[&[&str]] = &[&["a", "b", "b"], &["a", "c"], &["a", "b", "d"]];
        let v = fit(
            docs,
            TfidfConfig {
                min_df: 1,
                ..Default::default()
            },
        );
        let mut row = SparseVec::default();
        v.transform(&["a", "b", "b", "zzz"], &mut row);
        // idf(a) = ln(4/4)+1 = 1; idf(b) = ln(4/3)+1; tf(b) = 1+ln 2; then L2.
        let (a, b) = (1.0f32, (1.0 + 2f32.ln()) * ((4.0f32 / 3.0).ln() + 1.0));
        let n = (a * a + b * b).sqrt();
        assert_eq!(row.indices, vec![0, 1]);
        assert!((row.values[0] - a / n).abs() < 1e-6 && (row.values[1] - b / n).abs() < 1e-6);
        let mut counted = SparseVec::default();
        v.transform_counted(&count_terms(&["b", "a", "b"]), &mut counted);
        assert_eq!(row, counted);
    }

    #[test]
    fn min_df_and_max_features_prune_the_vocabulary() {
        let docs: &[&[&str]] = &[&["a", "b"], &["a", "c"], &["a", "b", "d"]];
        let v = fit(
            docs,
            TfidfConfig {
                min_df: 2,
                ..Default::default()
            },
        );
        assert_eq!(v.n_features(), 2); // a, b
        let v = fit(
            docs,
            TfidfConfig {
                min_df: 1,
                max_features: 1,
                ..Default::default()
            },
        );
        assert_eq!((v.n_features(), v.term(0)), (1, "a"));
    }

    #[test]
    fn unknown_only_gives_an_empty_row() {
        let v = fit(&[&["a"], &["a"]], TfidfConfig::default());
        let mut row = SparseVec::default();
        v.transform(&["q"], &mut row);
        assert!(row.indices.is_empty() && row.values.is_empty());
    }
}
