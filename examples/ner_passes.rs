//! Repeated passes over MSRA test in one process, one thread, each timed: the first pass is what
//! `eval-entities` measures, the later ones the steady state of a long-running server. For
//! profiles (`perf record -g target/release/examples/ner_passes 12`) and for comparing builds.
//!
//! `cargo run --release --example ner_passes -- [PASSES] [MODEL_DIR] [NER_DIR]`
//! (defaults 4, `models/entities`, `../shared/data/ner`).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use notice_svc::entities::corpus::read_msra;
use notice_svc::entities::{Conventions, EntityExtractor};
use notice_svc::text::TextPipeline;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let passes: usize = args.next().map_or(Ok(4), |s| s.parse())?;
    let model = PathBuf::from(args.next().unwrap_or_else(|| "models/entities".into()));
    let ner = PathBuf::from(args.next().unwrap_or_else(|| "../shared/data/ner".into()));
    let test = read_msra(&ner.join("msra/msra_test_bio"))
        .with_context(|| format!("MSRA test not found under {}", ner.display()))?;
    let pipeline = TextPipeline::new()?;
    let extractor = EntityExtractor::load(&model)?;
    let chars: usize = test.iter().map(|s| s.text.chars().count()).sum();
    for pass in 1..=passes {
        let started = Instant::now();
        let found: usize = (test.iter())
            .map(|s| {
                extractor
                    .spans(&pipeline, &s.text, Conventions::Corpus)
                    .len()
            })
            .sum();
        let rate = chars as f64 / started.elapsed().as_secs_f64();
        println!("pass {pass}: {rate:.0} chars/s ({found} spans)");
    }
    Ok(())
}
