//! Normalised text → entities (PERSON, ORG, LOCATION, DATE, DOC_NUMBER, PHONE, EMAIL) with
//! spans in chars of the ORIGINAL text.
//!
//! Closed classes come from the pattern layer (`patterns`); people, organisations and places
//! from the learned character tagger (`tagger`) when its model is loaded.

mod patterns;

use std::str::FromStr;

use patterns::{find_patterns, PatternKind};

use crate::text::Normalized;

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

/// Finds entities in normalised text.
#[derive(Default)]
pub struct EntityExtractor {}

impl EntityExtractor {
    pub fn new() -> Self {
        Self {}
    }

    /// Entities of `text` (the normalised form of `original`), sorted by start.
    pub fn extract(&self, original: &str, text: &Normalized) -> Vec<Entity> {
        let spans: Vec<(EntityType, std::ops::Range<usize>, String, f32)> =
            find_patterns(text.as_str())
                .into_iter()
                .map(|m| (m.kind.into(), m.start..m.end, m.normalized, 1.0))
                .collect();
        locate(original, text, spans)
    }
}

/// Maps normalised spans to original char spans and slices the original text.
fn locate(
    original: &str,
    text: &Normalized,
    spans: Vec<(EntityType, std::ops::Range<usize>, String, f32)>,
) -> Vec<Entity> {
    if spans.is_empty() {
        return Vec::new();
    }
    let byte_at: Vec<usize> = original
        .char_indices()
        .map(|(b, _)| b)
        .chain([original.len()])
        .collect();
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
