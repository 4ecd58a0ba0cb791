//! The shipped models are what their cards say: the artifact checksum matches, the labels are
//! the taxonomy's, and re-evaluating on the committed test split reproduces the card's metrics.

mod common;

use std::path::Path;

use common::{repo, run_json, shared_data};

fn card(model: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("models").join(model).join("model.json"))
        .expect("model.json");
    serde_json::from_str(&text).expect("card is JSON")
}

#[test]
fn artifacts_match_their_cards() {
    for dir in std::fs::read_dir(repo().join("models")).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.join("model.json").exists() {
            continue;
        }
        let bytes = std::fs::read(dir.join("model.bin")).expect("model.bin");
        let sha = notice_svc::artifact::sha256_hex(&bytes[52..]);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let c = card(&name);
        assert_eq!(
            c["artifact_sha256"], sha,
            "{name}: model.bin does not match its card"
        );
        assert_eq!(c["version"], &sha[..12]);
    }
    let total: u64 = walk(&repo().join("models"));
    assert!(
        total < 50 * 1024 * 1024,
        "models/ is {total} bytes, above 50 MB"
    );
}

fn walk(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p)
            } else {
                p.metadata().unwrap().len()
            }
        })
        .sum()
}

#[test]
fn shipped_classifiers_reproduce_their_test_metrics() {
    let Some(pool) = shared_data("notices/pool.jsonl.gz") else {
        return;
    };
    for (model, n_labels) in [("topic", 17), ("genre", 7)] {
        let c = card(model);
        assert_eq!(c["labels"].as_array().unwrap().len(), n_labels);
        let (labels, model_dir) = (
            repo().join("data/notices/labels.jsonl"),
            repo().join("models").join(model),
        );
        let flags = [
            "eval",
            "--json",
            "--split",
            "test",
            "--exclude-label",
            "out_of_scope",
            "--label-field",
            model,
            "--data",
        ];
        let args: Vec<&std::ffi::OsStr> = flags
            .iter()
            .map(|a| a.as_ref())
            .chain([
                pool.as_os_str(),
                "--labels".as_ref(),
                labels.as_os_str(),
                "--model".as_ref(),
                model_dir.as_os_str(),
            ])
            .collect();
        let m = run_json(&args);
        let recorded = &c["metrics"]["test"];
        for key in ["accuracy", "macro_f1"] {
            let (now, then) = (m[key].as_f64().unwrap(), recorded[key].as_f64().unwrap());
            assert!(
                (now - then).abs() < 0.005,
                "{model} {key}: card says {then}, evaluation gives {now}"
            );
        }
        assert!(
            m["macro_f1"].as_f64().unwrap() >= 0.85,
            "{model} below the 0.85 macro-F1 target"
        );
    }
}
