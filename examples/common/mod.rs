//! What the entity examples share: MSRA test, the text pipeline and a loaded extractor.

use std::path::PathBuf;

use anyhow::Context;
use notice_svc::entities::corpus::{read_msra, Sentence};
use notice_svc::entities::EntityExtractor;
use notice_svc::text::TextPipeline;

pub struct MsraSetup {
    pub test: Vec<Sentence>,
    pub pipeline: TextPipeline,
    pub extractor: EntityExtractor,
}

/// Loads MSRA test from `ner` (default `../shared/data/ner`) and the entity model in `model`
/// (default `models/entities`).
pub fn load_msra(model: Option<String>, ner: Option<String>) -> anyhow::Result<MsraSetup> {
    let model = PathBuf::from(model.unwrap_or_else(|| "models/entities".into()));
    let ner = PathBuf::from(ner.unwrap_or_else(|| "../shared/data/ner".into()));
    let test = read_msra(&ner.join("msra/msra_test_bio"))
        .with_context(|| format!("MSRA test not found under {}", ner.display()))?;
    Ok(MsraSetup {
        test,
        pipeline: TextPipeline::new()?,
        extractor: EntityExtractor::load(&model)?,
    })
}
