//! [`NoticeClassifier`]: a vectorizer and a fitted softmax model with its label names, saved as
//! `model.bin` (see `artifact`) next to a human-readable card, `model.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{FittedSoftmax, SparseVec, TfidfVectorizer};
use crate::artifact::{self, ArtifactError};
use crate::text::{Normalized, TextPipeline, TokenOptions};

pub const MODEL_FILE: &str = "model.bin";
pub const CARD_FILE: &str = "model.json";

/// Everything needed to classify a document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoticeClassifier {
    labels: Vec<String>,
    tokens: TokenOptions,
    vectorizer: TfidfVectorizer,
    model: FittedSoftmax,
}

/// The card written beside every artifact: what the model is, how it was made, how it scores.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelCard {
    pub name: String,
    /// `classifier` or `entities`.
    pub kind: String,
    /// First 12 hex digits of the artifact's checksum: changes exactly when the model does.
    pub version: String,
    pub labels: Vec<String>,
    pub artifact_sha256: String,
    pub tool_version: String,
    /// Training data, hyper-parameters, metrics: free-form per kind.
    #[serde(flatten)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl ModelCard {
    /// A card for an artifact just written with checksum `sha256`; the version is derived from it.
    pub fn new(
        name: String,
        kind: &str,
        labels: Vec<String>,
        sha256: String,
        details: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        Self {
            name,
            kind: kind.into(),
            version: sha256.chars().take(12).collect(),
            labels,
            artifact_sha256: sha256,
            tool_version: format!("notice-svc {}", env!("CARGO_PKG_VERSION")),
            details,
        }
    }

    pub fn load(dir: &Path) -> Result<Self, ArtifactError> {
        let path = dir.join(CARD_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ArtifactError::Io {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| ArtifactError::Decode {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    }

    pub fn save(&self, dir: &Path) -> Result<(), ArtifactError> {
        let path = dir.join(CARD_FILE);
        let json =
            serde_json::to_string_pretty(self).map_err(|e| ArtifactError::Encode(e.to_string()))?;
        std::fs::write(&path, json + "\n").map_err(|source| ArtifactError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

impl NoticeClassifier {
    pub fn new(
        labels: Vec<String>,
        tokens: TokenOptions,
        vectorizer: TfidfVectorizer,
        model: FittedSoftmax,
    ) -> Self {
        Self {
            labels,
            tokens,
            vectorizer,
            model,
        }
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn token_options(&self) -> TokenOptions {
        self.tokens
    }

    pub fn n_features(&self) -> usize {
        self.vectorizer.n_features()
    }

    /// Feature tokens of a document (title, then body), as every classifier path computes them.
    pub fn tokens<'a>(
        pipeline: &TextPipeline,
        opts: TokenOptions,
        title: &'a Normalized,
        text: &'a Normalized,
    ) -> Vec<&'a str> {
        let mut tokens = Vec::with_capacity(text.char_len());
        pipeline.tokenizer.feature_tokens(title, opts, &mut tokens);
        pipeline.tokenizer.feature_tokens(text, opts, &mut tokens);
        tokens
    }

    /// The TF-IDF row of a token sequence.
    pub fn features(&self, tokens: &[&str]) -> SparseVec {
        let mut row = SparseVec::default();
        self.vectorizer.transform(tokens, &mut row);
        row
    }

    /// Probabilities of every label, in `labels()` order.
    pub fn probabilities(&self, row: &SparseVec) -> Vec<f32> {
        let mut p = vec![0.0; self.labels.len()];
        self.model.probabilities(&row.indices, &row.values, &mut p);
        p
    }

    /// The `n` terms that pushed hardest towards `label` (tf-idf weight × coefficient).
    pub fn explain(&self, row: &SparseVec, label: usize, n: usize) -> Vec<(String, f32)> {
        let mut terms: Vec<(u32, f32)> = row
            .indices
            .iter()
            .zip(&row.values)
            .map(|(&j, &x)| (j, x * self.model.weight(j, label)))
            .filter(|&(_, w)| w > 0.0)
            .collect();
        terms.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
        terms.truncate(n);
        terms
            .into_iter()
            .map(|(j, w)| (self.vectorizer.term(j).to_string(), w))
            .collect()
    }

    /// Writes `model.bin`; returns its checksum.
    pub fn save(&self, dir: &Path) -> Result<String, ArtifactError> {
        std::fs::create_dir_all(dir).map_err(|source| ArtifactError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        artifact::write(&dir.join(MODEL_FILE), self)
    }

    pub fn load(dir: &Path) -> Result<Self, ArtifactError> {
        let mut model: Self = artifact::read(&dir.join(MODEL_FILE))?;
        model
            .vectorizer
            .build_index()
            .map_err(|term| ArtifactError::Decode {
                path: dir.display().to_string(),
                reason: format!("two vocabulary terms share a hash (one is {term:?})"),
            })?;
        if model.model.n_classes() != model.labels.len() {
            return Err(ArtifactError::Decode {
                path: dir.display().to_string(),
                reason: "label count does not match the model".into(),
            });
        }
        Ok(model)
    }
}
