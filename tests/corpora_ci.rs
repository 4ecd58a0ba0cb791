//! Checks on the public corpora in ../shared/data (skipped with a message when it is absent,
//! failing under CI): the Fudan classifier benchmark and the shipped entity model on MSRA test.

mod common;

use common::{repo, run_json, shared_data as shared};

/// Accuracy and macro-F1 of the Python reference (jieba + scikit-learn) on the same split,
/// measured by bench/compare_cls.sh (BENCHMARKS.md); the test fails one point below either.
const FUDAN_REFERENCE_ACCURACY: f64 = 0.8448;
const FUDAN_REFERENCE_MACRO_F1: f64 = 0.4307;

#[test]
fn fudan_train_then_eval_stays_within_a_point_of_the_reference() {
    let Some(data) = shared("cls/fudan/fudan.jsonl.gz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fudan");
    let d = data.as_os_str();
    run_json(&[
        "train".as_ref(),
        "--data".as_ref(),
        d,
        "--out".as_ref(),
        out.as_os_str(),
        "--alpha".as_ref(),
        "1.0".as_ref(),
        "--max-iterations".as_ref(),
        "100".as_ref(),
    ]);
    let m = run_json(&[
        "eval".as_ref(),
        "--json".as_ref(),
        "--model".as_ref(),
        out.as_os_str(),
        "--data".as_ref(),
        d,
    ]);
    let acc = m["accuracy"].as_f64().unwrap();
    assert!(acc >= FUDAN_REFERENCE_ACCURACY - 0.01, "Fudan test accuracy {acc:.4} is more than a point below the reference {FUDAN_REFERENCE_ACCURACY}");
    let f1 = m["macro_f1"].as_f64().unwrap();
    assert!(f1 >= FUDAN_REFERENCE_MACRO_F1 - 0.01, "Fudan test macro-F1 {f1:.4} is more than a point below the reference {FUDAN_REFERENCE_MACRO_F1}");
}

/// The check on the shipped entity model: exact-span F1 on the official MSRA test set
/// (0.8838, as recorded in BENCHMARKS.md) must not fall below 0.88. Its goal of 0.90 is not
/// reached yet.
const MSRA_F1_GUARD: f64 = 0.88;

#[test]
fn shipped_entity_model_holds_its_msra_test_f1() {
    let Some(ner) = shared("ner") else { return };
    let model = repo().join("models/entities");
    let m = run_json(&[
        "eval-entities".as_ref(),
        "--json".as_ref(),
        "--msra-only".as_ref(),
        "--ner-dir".as_ref(),
        ner.as_os_str(),
        "--model".as_ref(),
        model.as_os_str(),
    ]);
    let f1 = m["msra_test"]["overall"]["f1"].as_f64().unwrap();
    assert!(
        f1 >= MSRA_F1_GUARD,
        "MSRA test F1 {f1:.4} below {MSRA_F1_GUARD}"
    );
}
