//! Fault tests against the real server: long streams with bad items, cancellation, a client
//! that stops reading, SIGTERM and SIGHUP under load, and the metrics endpoint.

mod common;

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{Server, NOTICE};
use notice_svc::proto::notice_service_client::NoticeServiceClient;
use notice_svc::proto::{ClassifyRequest, Document};
use tonic::transport::Channel;

fn req(i: usize, text: &str) -> ClassifyRequest {
    ClassifyRequest {
        document: Some(Document {
            id: format!("d{i}"),
            text: text.into(),
            title: String::new(),
        }),
        ..Default::default()
    }
}

async fn client(s: &Server) -> NoticeServiceClient<Channel> {
    NoticeServiceClient::connect(s.url())
        .await
        .expect("connect")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn scrape(port: u16) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("metrics endpoint");
    s.write_all(b"GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

/// Sum of a counter over all its label sets whose line contains `filter`.
fn counter(metrics: &str, name: &str, filter: &str) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(name) && l.contains(filter))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_item_stream_with_bad_items_keeps_order() {
    let server = Server::start(&["--stream-parallelism", "8"]);
    let mut c = client(&server).await;
    let n = 10_000;
    let reqs = (0..n).map(|i| {
        if i % 97 == 0 {
            req(i, "")
        } else {
            req(i, "关于做好安全生产工作的通知")
        }
    });
    let mut out = c
        .classify_stream(futures::stream::iter(reqs))
        .await
        .unwrap()
        .into_inner();
    let mut i = 0;
    while let Some(r) = out.message().await.unwrap() {
        assert_eq!(r.id, format!("d{i}"));
        assert_eq!(r.error.is_some(), i % 97 == 0, "item {i}: {r:?}");
        i += 1;
    }
    assert_eq!(i, n);
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_endpoint_reports_calls_by_code() {
    let port = free_port();
    let server = Server::start(&["--metrics-addr", &format!("127.0.0.1:{port}")]);
    let mut c = client(&server).await;
    c.classify(req(1, NOTICE)).await.unwrap();
    assert!(c.classify(req(2, "")).await.is_err());
    let m = scrape(port);
    assert_eq!(
        counter(&m, "notice_requests_total", "code=\"OK\""),
        1.0,
        "{m}"
    );
    assert_eq!(
        counter(&m, "notice_requests_total", "INVALID_ARGUMENT"),
        1.0,
        "{m}"
    );
    for name in [
        "notice_request_seconds",
        "notice_bytes_total",
        "notice_documents_total",
        "notice_model_loaded",
    ] {
        assert!(m.contains(name), "{name} missing from /metrics");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_does_not_make_the_server_buffer() {
    let server = Server::start(&[]);
    let mut c = client(&server).await;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let endless = futures::stream::iter((0..).map(move |i| {
        counter.fetch_add(1, Ordering::Relaxed);
        req(i, NOTICE)
    }));
    let out = c.classify_stream(endless).await.unwrap().into_inner();
    // HTTP/2 flow control must stall the sender once the unread responses fill the windows
    // (a few MB): the count of requests taken must stop growing, and stay bounded.
    let mut last = usize::MAX;
    let mut stalled = false;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = pulled.load(Ordering::Relaxed);
        if now == last {
            stalled = true;
            break;
        }
        last = now;
    }
    assert!(
        stalled,
        "the server kept accepting requests from a client that reads nothing ({last})"
    );
    assert!(
        last < 200_000,
        "{last} requests were accepted without being read"
    );
    drop(out);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_under_load_answers_accepted_requests_then_exits_zero() {
    let mut server = Server::start(&[]);
    let c = client(&server).await;
    let mut tasks = Vec::new();
    for i in 0..200 {
        let mut c = c.clone();
        tasks.push(tokio::spawn(
            async move { c.classify(req(i, NOTICE)).await },
        ));
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            // Not accepted before shutdown: refused, never a server error.
            Err(e) => assert!(
                matches!(
                    e.code(),
                    tonic::Code::Unavailable | tonic::Code::Cancelled | tonic::Code::Unknown
                ),
                "{e:?}"
            ),
        }
    }
    assert!(ok > 0, "no request was answered");
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_reload_under_load_fails_no_request() {
    let server = Server::start(&[]);
    let c = client(&server).await;
    let pid = server.child.id().to_string();
    let load = tokio::spawn(async move {
        let mut failures = Vec::new();
        for round in 0..20 {
            let mut batch = Vec::new();
            for i in 0..20 {
                let mut c = c.clone();
                batch.push(tokio::spawn(async move {
                    c.classify(req(round * 20 + i, NOTICE)).await
                }));
            }
            for b in batch {
                if let Err(e) = b.await.unwrap() {
                    failures.push(e);
                }
            }
        }
        failures
    });
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        std::process::Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap();
    }
    let failures = load.await.unwrap();
    assert!(failures.is_empty(), "{failures:?}");
}
