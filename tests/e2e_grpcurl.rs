//! End-to-end with the real grpcurl binary (1.8.6, which speaks reflection v1alpha only):
//! list, describe, health, every unary RPC, and every grpcurl example printed in the README.

mod common;

use std::process::Command;

use common::{repo, tool, Server, NOTICE};

fn grpcurl(bin: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).output().expect("run grpcurl");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "grpcurl {args:?} failed: {text}");
    text
}

#[test]
fn grpcurl_lists_describes_and_calls() {
    let Some(bin) = tool("GRPCURL", "grpcurl") else {
        return;
    };
    let server = Server::start(&[]);
    let a = server.addr.as_str();

    let list = grpcurl(&bin, &["-plaintext", a, "list"]);
    for svc in ["notice.v1.NoticeService", "grpc.health.v1.Health"] {
        assert!(list.contains(svc), "{list}");
    }
    let desc = grpcurl(
        &bin,
        &["-plaintext", a, "describe", "notice.v1.NoticeService"],
    );
    assert!(
        desc.contains("rpc ClassifyStream") && desc.contains("rpc ExtractEntities"),
        "{desc}"
    );
    let msg = grpcurl(&bin, &["-plaintext", a, "describe", "notice.v1.Entity"]);
    assert!(msg.contains("normalized"), "{msg}");
    let health = grpcurl(
        &bin,
        &[
            "-plaintext",
            "-d",
            r#"{"service":"notice.v1.NoticeService"}"#,
            a,
            "grpc.health.v1.Health/Check",
        ],
    );
    assert!(health.contains("SERVING"), "{health}");

    let body =
        serde_json::json!({"document": {"id": "g1", "text": NOTICE}, "top_k": 2}).to_string();
    let cls = grpcurl(
        &bin,
        &[
            "-plaintext",
            "-d",
            &body,
            a,
            "notice.v1.NoticeService/Classify",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&cls).expect("JSON from grpcurl");
    assert_eq!(v["id"], "g1");
    let topic = v["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["model"] == "topic")
        .expect("topic prediction");
    assert_eq!(topic["labels"][0]["label"], "civil", "{cls}");
    assert_eq!(topic["labels"].as_array().unwrap().len(), 2);

    let body = serde_json::json!({"document": {"id": "g2", "text": NOTICE}, "types": ["PHONE"]})
        .to_string();
    let ent = grpcurl(
        &bin,
        &[
            "-plaintext",
            "-d",
            &body,
            a,
            "notice.v1.NoticeService/ExtractEntities",
        ],
    );
    assert!(
        ent.contains("0436-6222345") && !ent.contains("\"DATE\""),
        "{ent}"
    );

    let models = grpcurl(
        &bin,
        &["-plaintext", a, "notice.v1.NoticeService/ListModels"],
    );
    assert!(
        models.contains("\"topic\"") && models.contains("\"genre\""),
        "{models}"
    );

    // Bad input: grpcurl exits non-zero and prints the status.
    let out = Command::new(&bin)
        .args([
            "-plaintext",
            "-d",
            r#"{"document":{"text":""}}"#,
            a,
            "notice.v1.NoticeService/Classify",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("InvalidArgument"));
}

/// Runs every `grpcurl` command printed in the README against a live server.
#[test]
fn readme_grpcurl_examples_work_as_printed() {
    let Some(bin) = tool("GRPCURL", "grpcurl") else {
        return;
    };
    let server = Server::start(&[]);
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let commands = readme_commands(&readme);
    assert!(
        commands.len() >= 6,
        "README should show grpcurl for every RPC, found {}",
        commands.len()
    );
    for cmd in commands {
        let cmd = cmd.replace("localhost:50051", &server.addr);
        let shell = format!("{} {}", bin.display(), cmd.trim_start_matches("grpcurl "));
        let out = Command::new("sh").args(["-c", &shell]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "README example failed: {cmd}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !text.trim().is_empty(),
            "README example printed nothing: {cmd}"
        );
    }
}

/// grpcurl commands in the README's shell blocks, with `\` continuations joined.
fn readme_commands(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        let t = line.trim();
        if let Some(cmd) = current.as_mut() {
            cmd.push(' ');
            cmd.push_str(t.trim_end_matches('\\').trim());
            if !t.ends_with('\\') {
                out.push(current.take().unwrap_or_default());
            }
        } else if t.starts_with("grpcurl ") {
            if t.ends_with('\\') {
                current = Some(t.trim_end_matches('\\').trim().to_string());
            } else {
                out.push(t.to_string());
            }
        }
    }
    out
}
