//! End-to-end with a Python client generated from the proto by grpcio-tools (in a virtualenv).

mod common;

use std::process::Command;

use common::{repo, tool, Server};

#[test]
fn generated_python_client_works() {
    let Some(python) = tool("NOTICE_SVC_PYTHON", "python") else {
        return;
    };
    let server = Server::start(&[]);
    let out = Command::new(python)
        .arg(repo().join("tests/python/client_test.py"))
        .arg(&server.addr)
        .output()
        .expect("run python");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python client failed:\n{text}");
    assert!(text.contains("all checks passed"), "{text}");
}
