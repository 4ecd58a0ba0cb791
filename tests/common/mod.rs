//! Shared by the end-to-end tests: starts the real `notice-svc serve` binary on an ephemeral
//! port with the bundled models, and stops it with SIGTERM.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub struct Server {
    pub child: Child,
    pub addr: String,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        Self::start_with_logs(extra, Stdio::inherit())
    }

    /// Starts the server with its stderr (the logs) sent to `logs`.
    pub fn start_with_logs(extra: &[&str], logs: impl Into<Stdio>) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_notice-svc"))
            .args(["serve", "--addr", "127.0.0.1:0", "--models"])
            .arg(repo().join("models"))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(logs)
            .spawn()
            .expect("start notice-svc");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let addr = line
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(
            addr.starts_with("127.0.0.1:"),
            "server did not report its address: {line:?}"
        );
        Server { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sends SIGTERM and returns the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().expect("wait for server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A file under ../shared/data: its path, or None with a clear message. Under CI a missing
/// file fails the test.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data").join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing in CI",
        p.display()
    );
    eprintln!("SKIPPED: {} not found", p.display());
    None
}

/// Runs the `notice-svc` binary with `args`; it must succeed and print one JSON value.
pub fn run_json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_notice-svc"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// A tool the test needs: its path, or None with a clear message. Under CI a missing tool fails.
pub fn tool(env_var: &str, name: &str) -> Option<PathBuf> {
    let found = std::env::var_os(env_var)
        .map(PathBuf::from)
        .or_else(|| {
            let venv = repo().join(".venv/bin").join(name);
            venv.exists().then_some(venv)
        })
        .or_else(|| {
            std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(name))
                    .find(|p| p.exists())
            })
        });
    if found.is_none() {
        let msg = format!(
            "{name} not found (set {env_var}, or run `.ci/run` which installs it into .venv)"
        );
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        eprintln!("SKIPPED: {msg}");
    }
    found
}

/// A short real notice (from the pool's `web` source) used by several tests.
pub const NOTICE: &str = "通榆县民政局部署特困人员救助供养工作\n时间:2021-07-16 10:57:00\n7月9日,通榆县民政局召开特困人员救助供养工作会议,传达《吉林省民政厅关于贯彻落实民政部新修订的<特困人员认定办法>的通知》等相关文件精神,对特困人员救助供养审批权限下放和认定条件的放宽进行了解读。会议要求,各乡镇、街道对城乡特困人员开展核查排查,按照特困人员认定条件,将符合条件的人员全部纳入特困供养范围。咨询电话:0436-6222345。";
