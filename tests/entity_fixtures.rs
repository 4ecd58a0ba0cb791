//! Real notices from the pool's `web` source with entities written by hand from reading them
//! (`tests/fixtures/notices/`): the extractor must find them, with exact original offsets.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use notice_svc::engine::{DocInput, Engine, Limits};
use notice_svc::text::TextPipeline;

type Span = (usize, usize, String);

fn fixtures() -> Vec<(String, String, Vec<Span>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/notices");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/notices") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let spans = v["entities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["start"].as_u64().unwrap() as usize,
                        e["end"].as_u64().unwrap() as usize,
                        e["type"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            out.push((
                v["id"].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
                spans,
            ));
        }
    }
    assert!(
        out.len() >= 10,
        "need at least ten fixtures, found {}",
        out.len()
    );
    out
}

/// Per type: (gold, predicted, correct) by exact span.
fn score() -> BTreeMap<String, (usize, usize, usize)> {
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let engine = Engine::load(
        &models,
        Arc::new(TextPipeline::new().unwrap()),
        Limits::default(),
    )
    .unwrap();
    let mut by_type: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for (id, text, gold) in fixtures() {
        let found = engine
            .extract(
                DocInput {
                    title: "",
                    text: &text,
                },
                &[],
            )
            .unwrap();
        let chars: Vec<char> = text.chars().collect();
        for e in &found {
            let slice: String = chars[e.start..e.end].iter().collect();
            assert_eq!(
                slice, e.text,
                "{id}: entity text must be the original slice"
            );
            by_type.entry(e.kind.as_str().to_string()).or_default().1 += 1;
        }
        for g in &gold {
            let s = by_type.entry(g.2.clone()).or_default();
            s.0 += 1;
            if found
                .iter()
                .any(|e| (e.start, e.end, e.kind.as_str()) == (g.0, g.1, g.2.as_str()))
            {
                s.2 += 1;
            } else {
                eprintln!(
                    "{id}: missed {} {:?}",
                    g.2,
                    text.chars().skip(g.0).take(g.1 - g.0).collect::<String>()
                );
            }
        }
    }
    by_type
}

#[test]
fn extractor_finds_the_hand_annotated_entities() {
    let by_type = score();
    let mut pattern = (0, 0, 0);
    for (t, &(gold, pred, correct)) in &by_type {
        let (p, r) = (
            correct as f64 / pred.max(1) as f64,
            correct as f64 / gold.max(1) as f64,
        );
        eprintln!(
            "{t:<11} gold {gold:>4} predicted {pred:>4} correct {correct:>4}  P {p:.3} R {r:.3}"
        );
        if ["DATE", "DOC_NUMBER", "PHONE", "EMAIL"].contains(&t.as_str()) {
            pattern = (pattern.0 + gold, pattern.1 + pred, pattern.2 + correct);
        }
    }
    let (gold, pred, correct) = pattern;
    let precision = correct as f64 / pred.max(1) as f64;
    let recall = correct as f64 / gold.max(1) as f64;
    assert!(
        precision >= 0.97,
        "pattern layer precision {precision:.3} below 0.97"
    );
    // Measured 0.934 (71 of 76); the misses are event names (`2·3`, `9·13`), a year written
    // without 年, and two numbers the extractor does not take for phones.
    assert!(
        recall >= 0.90,
        "pattern layer recall {recall:.3} below 0.90"
    );
    for (t, min_recall, min_precision) in LEARNED_GUARDS {
        let (gold, pred, correct) = by_type.get(t).copied().unwrap_or_default();
        let (recall, precision) = (
            correct as f64 / gold.max(1) as f64,
            correct as f64 / pred.max(1) as f64,
        );
        assert!(
            recall >= min_recall,
            "{t} recall {recall:.3} below {min_recall}"
        );
        assert!(
            precision >= min_precision,
            "{t} precision {precision:.3} below {min_precision}"
        );
    }
}

/// Minimum exact-span recall and precision of each learned type on the fixtures: regression
/// guards a few spans under the measured figures (recall / precision: PERSON 0.96 / 0.83, ORG
/// 0.82 / 0.89, LOCATION 0.64 / 0.64, with the taxonomy's conventions), not the goal.
const LEARNED_GUARDS: [(&str, f64, f64); 3] = [
    ("PERSON", 0.90, 0.75),
    ("ORG", 0.75, 0.80),
    ("LOCATION", 0.58, 0.58),
];
