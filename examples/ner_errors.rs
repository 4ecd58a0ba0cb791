//! Where the entity tagger goes wrong on MSRA test: its scores, then the most frequent missed
//! and spurious spans, to choose what to work on next.
//!
//! `cargo run --release --example ner_errors -- [MODEL_DIR] [NER_DIR]`
//! (defaults `models/entities`, `../shared/data/ner`).

use std::collections::HashMap;

use notice_svc::entities::scoring::score_spans;
use notice_svc::entities::EntityType;
use rayon::prelude::*;

mod common;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let common::MsraSetup {
        test,
        pipeline,
        extractor,
    } = common::load_msra(args.next(), args.next())?;
    let learned = [EntityType::Person, EntityType::Org, EntityType::Location];
    let gold: Vec<_> = test.iter().map(|s| s.spans.clone()).collect();
    let found: Vec<Vec<_>> = test
        .par_iter()
        .map(|s| {
            let mut spans = extractor.spans(&pipeline, &s.text);
            spans.retain(|x| learned.contains(&x.2));
            spans
        })
        .collect();
    println!("{}", score_spans(&gold, &found, &learned).table());
    let (mut missed, mut spurious) = (HashMap::new(), HashMap::new());
    for ((s, g), f) in test.iter().zip(&gold).zip(&found) {
        let chars: Vec<char> = s.text.chars().collect();
        let name = |&(a, b, k): &(usize, usize, EntityType)| {
            (k.as_str(), chars[a..b].iter().collect::<String>())
        };
        for x in g.iter().filter(|x| !f.contains(x)) {
            *missed.entry(name(x)).or_insert(0) += 1;
        }
        for x in f.iter().filter(|x| !g.contains(x)) {
            *spurious.entry(name(x)).or_insert(0) += 1;
        }
    }
    for (title, counts) in [("missed", missed), ("spurious", spurious)] {
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        println!(
            "\n{title} ({} spans):",
            v.iter().map(|x| x.1).sum::<usize>()
        );
        for ((kind, text), n) in v.iter().take(40) {
            println!("{n:>4}  {kind:<9} {text}");
        }
    }
    Ok(())
}
