//! The engine: loads every model under a directory and answers classify / extract for one
//! document. Transport-agnostic: the gRPC server and the CLI both call it.
//!
//! Each request normalises its title and text once; tokens are computed once per distinct
//! token configuration among the requested models, then shared.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::artifact::ArtifactError;
use crate::classify::{argmax, ModelCard, NoticeClassifier, CARD_FILE};
use crate::entities::{Conventions, Entity, EntityExtractor, EntityType};
use crate::text::{Normalized, TextError, TextPipeline, TokenOptions};

/// Request limits enforced before any work is done.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum characters of title + text.
    pub max_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_chars: 1_000_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("document.text is empty: send the notice's text")]
    EmptyText,
    #[error(
        "document is {chars} chars, above the limit of {max}: split it or raise --max-doc-chars"
    )]
    TooLarge { chars: usize, max: usize },
    #[error("unknown model `{name}`; loaded classifiers: {available}")]
    UnknownModel { name: String, available: String },
    #[error(
        "unknown entity type `{0}`; use PERSON, ORG, LOCATION, DATE, DOC_NUMBER, PHONE or EMAIL"
    )]
    UnknownEntityType(String),
    #[error("no classifier is loaded")]
    NoClassifier,
    #[error("model directory {0} holds no models (each model is a folder with model.json)")]
    NoModels(String),
    #[error("loading model {dir}: {source}")]
    Load { dir: String, source: ArtifactError },
    #[error("unknown model kind `{kind}` in {dir}")]
    UnknownKind { kind: String, dir: String },
    #[error(transparent)]
    Text(#[from] TextError),
}

/// A document as the engine sees it.
#[derive(Debug, Clone, Copy)]
pub struct DocInput<'a> {
    pub title: &'a str,
    pub text: &'a str,
}

/// One model's answer for one document.
#[derive(Debug, Clone)]
pub struct ModelPrediction {
    pub model: String,
    pub version: String,
    /// (label, probability), highest first, `top_k` long.
    pub labels: Vec<(String, f32)>,
    /// (term, weight) towards the top label, when asked.
    pub explanation: Vec<(String, f32)>,
}

/// A loaded model and its card.
pub struct LoadedClassifier {
    pub card: ModelCard,
    pub model: NoticeClassifier,
}

pub struct Engine {
    pipeline: Arc<TextPipeline>,
    classifiers: Vec<LoadedClassifier>,
    entity_card: Option<ModelCard>,
    extractor: EntityExtractor,
    limits: Limits,
    dir: PathBuf,
}

impl Engine {
    /// Loads every model folder (one with a `model.json`) directly under `dir`.
    pub fn load(
        dir: &Path,
        pipeline: Arc<TextPipeline>,
        limits: Limits,
    ) -> Result<Self, EngineError> {
        let mut classifiers = Vec::new();
        let mut entity_card = None;
        let mut extractor = EntityExtractor::patterns_only();
        let mut folders: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| EngineError::Load {
                dir: dir.display().to_string(),
                source: ArtifactError::Io {
                    path: dir.display().to_string(),
                    source: e,
                },
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(CARD_FILE).is_file())
            .collect();
        folders.sort();
        for folder in folders {
            let load_err = |source| EngineError::Load {
                dir: folder.display().to_string(),
                source,
            };
            let card = ModelCard::load(&folder).map_err(load_err)?;
            match card.kind.as_str() {
                "classifier" => {
                    let model = NoticeClassifier::load(&folder).map_err(load_err)?;
                    tracing::info!(model = %card.name, version = %card.version, labels = model.labels().len(), features = model.n_features(), "loaded classifier");
                    classifiers.push(LoadedClassifier { card, model });
                }
                "entities" => {
                    extractor = EntityExtractor::load(&folder).map_err(load_err)?;
                    tracing::info!(model = %card.name, version = %card.version, "loaded entity tagger");
                    entity_card = Some(card);
                }
                other => {
                    return Err(EngineError::UnknownKind {
                        kind: other.into(),
                        dir: folder.display().to_string(),
                    })
                }
            }
        }
        if classifiers.is_empty() && entity_card.is_none() {
            return Err(EngineError::NoModels(dir.display().to_string()));
        }
        Ok(Self {
            pipeline,
            classifiers,
            entity_card,
            extractor,
            limits,
            dir: dir.to_path_buf(),
        })
    }

    /// The directory the models came from (for reloads).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Cards of every loaded model, classifiers first.
    pub fn cards(&self) -> impl Iterator<Item = &ModelCard> {
        self.classifiers
            .iter()
            .map(|c| &c.card)
            .chain(self.entity_card.as_ref())
    }

    fn check(&self, doc: DocInput) -> Result<(), EngineError> {
        if doc.text.trim().is_empty() {
            return Err(EngineError::EmptyText);
        }
        // Byte length bounds char length from above: skip counting for small documents.
        if doc.text.len() + doc.title.len() > self.limits.max_chars {
            let chars = doc.text.chars().count() + doc.title.chars().count();
            if chars > self.limits.max_chars {
                return Err(EngineError::TooLarge {
                    chars,
                    max: self.limits.max_chars,
                });
            }
        }
        Ok(())
    }

    fn select(&self, names: &[String]) -> Result<Vec<&LoadedClassifier>, EngineError> {
        if self.classifiers.is_empty() {
            return Err(EngineError::NoClassifier);
        }
        if names.is_empty() {
            return Ok(self.classifiers.iter().collect());
        }
        names
            .iter()
            .map(|n| {
                self.classifiers
                    .iter()
                    .find(|c| c.card.name == *n)
                    .ok_or_else(|| EngineError::UnknownModel {
                        name: n.clone(),
                        available: self
                            .classifiers
                            .iter()
                            .map(|c| c.card.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            })
            .collect()
    }

    /// Classifies one document with the named models (all classifiers when empty).
    pub fn classify(
        &self,
        doc: DocInput,
        models: &[String],
        top_k: usize,
        explain: bool,
    ) -> Result<Vec<ModelPrediction>, EngineError> {
        self.check(doc)?;
        let chosen = self.select(models)?;
        let title = self.pipeline.normalizer.normalize(doc.title);
        let text = self.pipeline.normalizer.normalize(doc.text);
        Ok(self.predict(&chosen, &title, &text, top_k, explain))
    }

    /// Extracts entities of the given types (all when empty) from one document's text.
    pub fn extract(&self, doc: DocInput, types: &[String]) -> Result<Vec<Entity>, EngineError> {
        self.check(doc)?;
        let wanted = parse_types(types)?;
        let text = self.pipeline.normalizer.normalize(doc.text);
        Ok(self.entities(doc.text, &text, &wanted))
    }

    /// Both answers for one document (every classifier, top 3, every entity type), normalising
    /// it once: the batch path.
    pub fn analyze(
        &self,
        doc: DocInput,
    ) -> Result<(Vec<ModelPrediction>, Vec<Entity>), EngineError> {
        self.check(doc)?;
        let chosen = self.select(&[])?;
        let title = self.pipeline.normalizer.normalize(doc.title);
        let text = self.pipeline.normalizer.normalize(doc.text);
        let predictions = self.predict(&chosen, &title, &text, 3, false);
        Ok((predictions, self.entities(doc.text, &text, &[])))
    }

    /// Scores normalised text with each chosen model; tokens are computed once per distinct
    /// token configuration.
    fn predict(
        &self,
        chosen: &[&LoadedClassifier],
        title: &Normalized,
        text: &Normalized,
        top_k: usize,
        explain: bool,
    ) -> Vec<ModelPrediction> {
        let mut token_sets: Vec<(TokenOptions, Vec<&str>)> = Vec::new();
        let mut out = Vec::with_capacity(chosen.len());
        for c in chosen {
            let opts = c.model.token_options();
            let i = match token_sets.iter().position(|(o, _)| *o == opts) {
                Some(i) => i,
                None => {
                    let tokens = NoticeClassifier::tokens(&self.pipeline, opts, title, text);
                    token_sets.push((opts, tokens));
                    token_sets.len() - 1
                }
            };
            let row = c.model.features(&token_sets[i].1);
            let probs = c.model.probabilities(&row);
            let mut ranked: Vec<(String, f32)> = c
                .model
                .labels()
                .iter()
                .cloned()
                .zip(probs.iter().copied())
                .collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            ranked.truncate(top_k.max(1));
            let explanation = if explain {
                c.model.explain(&row, argmax(&probs), 10)
            } else {
                Vec::new()
            };
            out.push(ModelPrediction {
                model: c.card.name.clone(),
                version: c.card.version.clone(),
                labels: ranked,
                explanation,
            });
        }
        out
    }

    /// Entities of normalised `text` (of `original`), kept to `wanted` types unless empty.
    fn entities(&self, original: &str, text: &Normalized, wanted: &[EntityType]) -> Vec<Entity> {
        let mut entities = self.extractor.extract(
            self.pipeline.tokenizer.jieba(),
            original,
            text,
            Conventions::Taxonomy,
        );
        if !wanted.is_empty() {
            entities.retain(|e| wanted.contains(&e.kind));
        }
        entities
    }
}

fn parse_types(types: &[String]) -> Result<Vec<EntityType>, EngineError> {
    types
        .iter()
        .map(|t| {
            t.parse::<EntityType>()
                .map_err(EngineError::UnknownEntityType)
        })
        .collect()
}
