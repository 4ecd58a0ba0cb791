//! Normalised text → entities (PERSON, ORG, LOCATION, DATE, DOC_NUMBER, PHONE, EMAIL) with
//! spans in chars of the ORIGINAL text.
//!
//! Closed classes come from the pattern layer (`patterns`); people, organisations and places
//! from the learned character tagger (`tagger`) when its model is loaded.

mod bio;
mod conventions;
pub mod corpus;
mod endings;
mod lexicon;
mod patterns;
pub mod scoring;
mod tagger;
mod taxonomy_rules;

use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

pub use conventions::align_conventions;
use jieba_rs::Jieba;
use patterns::{find_patterns, PatternKind};
pub use tagger::{DecodeBias, EntityTagger, TaggerOptions, TrainSentence};
pub use taxonomy_rules::Conventions;

use crate::artifact::{self, ArtifactError};
use crate::classify::MODEL_FILE;
use crate::text::{Normalized, TextPipeline};

/// The entity types of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityType {
    Person,
    Org,
    Location,
    Date,
    DocNumber,
    Phone,
    Email,
}

impl EntityType {
    pub const ALL: [EntityType; 7] = [
        Self::Person,
        Self::Org,
        Self::Location,
        Self::Date,
        Self::DocNumber,
        Self::Phone,
        Self::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "PERSON",
            Self::Org => "ORG",
            Self::Location => "LOCATION",
            Self::Date => "DATE",
            Self::DocNumber => "DOC_NUMBER",
            Self::Phone => "PHONE",
            Self::Email => "EMAIL",
        }
    }
}

impl FromStr for EntityType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| s.to_string())
    }
}

impl From<PatternKind> for EntityType {
    fn from(k: PatternKind) -> Self {
        match k {
            PatternKind::DocNumber => Self::DocNumber,
            PatternKind::Date => Self::Date,
            PatternKind::Phone => Self::Phone,
            PatternKind::Email => Self::Email,
        }
    }
}

/// One entity, located in the original text.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub kind: EntityType,
    /// Char offsets into the original text, end exclusive.
    pub start: usize,
    pub end: usize,
    /// The original text of the span.
    pub text: String,
    /// Simplified form; ISO 8601 for dates; canonical form for numbers.
    pub normalized: String,
    pub confidence: f32,
}

/// Finds entities in normalised text: patterns for the closed classes, the tagger (when
/// loaded) for people, organisations and places. Pattern matches win where the two overlap.
#[derive(Default)]
pub struct EntityExtractor {
    tagger: Option<EntityTagger>,
}

/// Sentences longer than this are tagged in pieces (jieba and the tagger work per sentence).
const MAX_SENTENCE: usize = 200;

impl EntityExtractor {
    /// Patterns only.
    pub fn patterns_only() -> Self {
        Self { tagger: None }
    }

    pub fn with_tagger(tagger: EntityTagger) -> Self {
        Self {
            tagger: Some(tagger),
        }
    }

    /// Loads the tagger of an `entities` model folder.
    pub fn load(dir: &Path) -> Result<Self, ArtifactError> {
        Ok(Self::with_tagger(artifact::read(&dir.join(MODEL_FILE))?))
    }

    pub fn save_tagger(tagger: &EntityTagger, dir: &Path) -> Result<String, ArtifactError> {
        std::fs::create_dir_all(dir).map_err(|source| ArtifactError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        artifact::write(&dir.join(MODEL_FILE), tagger)
    }

    /// Entities of `text` (the normalised form of `original`), sorted by start, the learned types
    /// spanned by `conventions`.
    pub fn extract(
        &self,
        jieba: &Jieba,
        original: &str,
        text: &Normalized,
        conventions: Conventions,
    ) -> Vec<Entity> {
        let mut spans: Vec<Span> = find_patterns(text.as_str())
            .into_iter()
            .map(|m| (m.kind.into(), m.start..m.end, m.normalized, 1.0))
            .collect();
        if let Some(tagger) = &self.tagger {
            let chars: Vec<char> = text.as_str().chars().collect();
            let taken = spans.iter().map(|s| s.1.clone()).collect::<Vec<_>>();
            for (offset, sentence) in sentences(text.as_str()) {
                let (mut tagged, word_ends) = tagger.tag_with_words(jieba, sentence);
                if conventions == Conventions::Taxonomy {
                    let end = offset + sentence.chars().count();
                    tagged = taxonomy_rules::apply(tagged, &chars[offset..end], &word_ends);
                }
                for (s, e, kind, conf) in tagged {
                    let r = offset + s..offset + e;
                    if taken.iter().all(|t| t.end <= r.start || r.end <= t.start) {
                        spans.push((kind, r.clone(), chars[r].iter().collect(), conf));
                    }
                }
            }
        }
        locate(original, text, spans)
    }

    /// The `(start, end, type)` char spans of everything the whole extractor (normalisation,
    /// patterns, tagger) finds in `text`, as evaluations score them.
    pub fn spans(
        &self,
        pipeline: &TextPipeline,
        text: &str,
        conventions: Conventions,
    ) -> Vec<(usize, usize, EntityType)> {
        let norm = pipeline.normalizer.normalize(text);
        self.extract(pipeline.tokenizer.jieba(), text, &norm, conventions)
            .into_iter()
            .map(|e| (e.start, e.end, e.kind))
            .collect()
    }
}

type Span = (EntityType, Range<usize>, String, f32);

/// Sentences of `text` as (char offset, slice), cut after 。！？；and newlines, and every
/// `MAX_SENTENCE` chars at most.
fn sentences(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let (mut start_byte, mut start_char, mut n) = (0, 0, 0);
    for (b, c) in text.char_indices() {
        n += 1;
        let end = b + c.len_utf8();
        if matches!(c, '。' | '！' | '？' | '；' | '\n' | '!' | '?' | ';')
            || n - start_char >= MAX_SENTENCE
        {
            out.push((start_char, &text[start_byte..end]));
            (start_byte, start_char) = (end, n);
        }
    }
    if start_byte < text.len() {
        out.push((start_char, &text[start_byte..]));
    }
    out
}

/// The byte offset of every char of `text`, then `text.len()`: char spans to slices.
fn char_offsets(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(b, _)| b)
        .chain([text.len()])
        .collect()
}

/// Maps normalised spans to original char spans and slices the original text.
fn locate(original: &str, text: &Normalized, spans: Vec<Span>) -> Vec<Entity> {
    if spans.is_empty() {
        return Vec::new();
    }
    let byte_at = char_offsets(original);
    let mut out: Vec<Entity> = spans
        .into_iter()
        .filter_map(|(kind, span, normalized, confidence)| {
            let o = text.to_original(span);
            let slice = original.get(*byte_at.get(o.start)?..*byte_at.get(o.end)?)?;
            (!slice.is_empty()).then(|| Entity {
                kind,
                start: o.start,
                end: o.end,
                text: slice.to_string(),
                normalized,
                confidence,
            })
        })
        .collect();
    out.sort_by_key(|e| (e.start, e.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_cover_the_text_with_char_offsets() {
        let text = "一二。三四\n五".to_string() + &"六".repeat(450);
        let parts = sentences(&text);
        let joined: String = parts.iter().map(|p| p.1).collect();
        assert_eq!(joined, text);
        let mut expect = 0;
        for (off, s) in &parts {
            assert_eq!(*off, expect);
            assert!(s.chars().count() <= MAX_SENTENCE);
            expect += s.chars().count();
        }
    }
}
