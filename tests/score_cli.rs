//! `notice-svc score`: input order kept, bad lines become error records, both answers present.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::repo;

#[test]
fn score_both_keeps_order_and_reports_bad_lines() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_notice-svc"))
        .args(["score", "--task", "both", "--models"])
        .arg(repo().join("models"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let input = concat!(
        "{\"id\":\"a\",\"text\":\"国办发〔2020〕5号 关于做好安全生产工作的通知，2020年1月29日起施行。\"}\n",
        "{\"id\":\"b\",\"text\":\"\"}\n",
        "not json\n",
        "{\"id\":\"d\",\"text\":\"市政府召开常务会议研究经济工作\"}\n",
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["id"], "a");
    assert!(rows[0]["predictions"]
        .as_array()
        .is_some_and(|p| p.len() >= 2));
    let entities = rows[0]["entities"].as_array().unwrap();
    assert!(entities
        .iter()
        .any(|e| e["type"] == "DOC_NUMBER" && e["normalized"] == "国办发〔2020〕5号"));
    assert!(entities
        .iter()
        .any(|e| e["type"] == "DATE" && e["normalized"] == "2020-01-29"));
    assert_eq!(
        (rows[1]["id"].as_str(), rows[1]["error"]["code"].as_str()),
        (Some("b"), Some("INVALID_ARGUMENT"))
    );
    assert_eq!(rows[2]["line"], 3);
    assert!(rows[2]["error"].is_object());
    assert_eq!(rows[3]["id"], "d");
    assert!(rows[3]["error"].is_null() && rows[3]["entities"].is_array());
}
