//! The `notice-svc` binary: parses the command line and hands over to `cli`.
//! Exit codes: 0 success, 1 runtime failure, 2 usage error (clap's own).

use clap::Parser;

fn main() {
    let cli = notice_svc::cli::Cli::parse();
    if let Err(e) = notice_svc::cli::run(cli) {
        let msg = format!("{e:#}").replace('\n', " ");
        eprintln!("notice-svc: error: {msg}");
        std::process::exit(1);
    }
}
