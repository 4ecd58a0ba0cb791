//! End-to-end with a Python client generated from the proto by grpcio-tools (in a virtualenv).

mod common;

use std::process::Command;

use common::{repo, tool, Server};

#[test]
fn generated_python_client_works() {
    let Some(python) = tool("NOTICE_SVC_PYTHON", "python") else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let server = Server::start(&["--metrics-addr", &format!("127.0.0.1:{port}")]);
    let out = Command::new(python)
        .arg(repo().join("tests/python/client_test.py"))
        .arg(&server.addr)
        .arg(&port)
        .output()
        .expect("run python");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python client failed:\n{text}");
    assert!(text.contains("all checks passed"), "{text}");
}
