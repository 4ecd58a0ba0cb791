//! Load generator: a tonic client that keeps N Classify calls in flight against a running
//! server and reports requests/s and latency percentiles (HDR histogram) per concurrency and
//! document size.
//!
//! `cargo run --release --example loadgen -- [ADDR] [SECONDS] [--only BYTES:CONCURRENCY]`
//! (default 127.0.0.1:50051, 10 s, the whole table: 1 KB and 8 KB × concurrency 1/16/64/256;
//! `--only 1024:64` runs one row, e.g. for a soak).
//! `cargo run --release --example loadgen -- --write-bodies DIR` writes the gRPC-framed 1 KB
//! and 8 KB Classify requests (`classify-1k.bin`, `classify-8k.bin`) for `h2load -d`.
//! Documents are real notices from ../shared/data (a built-in notice when it is absent),
//! cut or repeated to 1 KB and 8 KB of UTF-8.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use notice_svc::proto::notice_service_client::NoticeServiceClient;
use notice_svc::proto::{ClassifyRequest, Document};

const FALLBACK: &str = "通榆县民政局召开特困人员救助供养工作会议，传达省民政厅关于贯彻落实特困人员认定办法的通知精神，对审批权限下放和认定条件放宽进行了解读。会议要求各乡镇、街道开展核查排查，将符合条件的人员全部纳入特困供养范围。";

fn corpus() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/notices/pool.jsonl.gz"
    );
    let Ok(file) = std::fs::File::open(path) else {
        eprintln!("../shared/data not found: using a built-in notice");
        return FALLBACK.repeat(40);
    };
    let mut text = String::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(flate2::read::GzDecoder::new(file)))
        .map_while(Result::ok)
        .take(400)
    {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
            if v["source"] == "web" {
                text.push_str(v["text"].as_str().unwrap_or(""));
            }
        }
    }
    if text.is_empty() {
        FALLBACK.repeat(40)
    } else {
        text
    }
}

/// `n` documents of about `bytes` bytes each, cut on char boundaries at different offsets.
fn documents(corpus: &str, bytes: usize, n: usize) -> Vec<String> {
    let chars: Vec<char> = corpus.chars().collect();
    (0..n)
        .map(|i| {
            let mut s = String::new();
            let mut j = (i * 997) % chars.len();
            while s.len() < bytes {
                s.push(chars[j % chars.len()]);
                j += 1;
            }
            s
        })
        .collect()
}

async fn run(
    addr: &str,
    docs: &[String],
    concurrency: usize,
    secs: u64,
) -> (f64, Histogram<u64>, usize) {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .expect("connect");
    let deadline = Instant::now() + Duration::from_secs(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let mut client = NoticeServiceClient::new(channel.clone());
        let docs = docs.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new(3).unwrap();
            let (mut errors, mut i) = (0usize, t);
            while Instant::now() < deadline {
                let req = request(i, &docs[i % docs.len()]);
                let t0 = Instant::now();
                match client.classify(req).await {
                    Ok(_) => hist.record(t0.elapsed().as_micros() as u64).unwrap_or(()),
                    Err(_) => errors += 1,
                }
                i += concurrency;
            }
            (hist, errors)
        }));
    }
    let mut all = Histogram::<u64>::new(3).unwrap();
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await.unwrap();
        all.add(h).unwrap();
        errors += e;
    }
    (
        all.len() as f64 / started.elapsed().as_secs_f64(),
        all,
        errors,
    )
}

fn request(id: usize, text: &str) -> ClassifyRequest {
    ClassifyRequest {
        document: Some(Document {
            id: id.to_string(),
            text: text.to_string(),
            title: String::new(),
        }),
        ..Default::default()
    }
}

/// One request per size in gRPC's length-prefixed framing (flag byte 0, big-endian length).
fn write_bodies(dir: &str, corpus: &str) {
    use prost::Message;
    std::fs::create_dir_all(dir).expect("create body dir");
    for (bytes, name) in [(1024, "classify-1k.bin"), (8192, "classify-8k.bin")] {
        let msg = request(0, &documents(corpus, bytes, 1)[0]).encode_to_vec();
        let mut framed = vec![0u8];
        framed.extend((msg.len() as u32).to_be_bytes());
        framed.extend(msg);
        std::fs::write(format!("{dir}/{name}"), framed).expect("write body");
    }
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |args: &mut Vec<String>, name: &str| -> Option<String> {
        let i = args.iter().position(|a| a == name)?;
        let value = args.get(i + 1).cloned();
        args.drain(i..(i + 2).min(args.len()));
        value
    };
    let corpus = corpus();
    if let Some(dir) = flag(&mut args, "--write-bodies") {
        write_bodies(&dir, &corpus);
        return;
    }
    let only = flag(&mut args, "--only").map(|o| {
        let (b, c) = o.split_once(':').expect("--only BYTES:CONCURRENCY");
        (
            b.parse::<usize>().expect("BYTES"),
            c.parse::<usize>().expect("CONCURRENCY"),
        )
    });
    let addr = args
        .first()
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:50051".into());
    let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    let rows: Vec<(usize, usize)> = match only {
        Some(row) => vec![row],
        None => [1024, 8192]
            .into_iter()
            .flat_map(|b| [1, 16, 64, 256].map(|c| (b, c)))
            .collect(),
    };
    println!("| doc size | concurrency | requests/s | p50 ms | p99 ms | p99.9 ms | errors |");
    println!("|---|---|---|---|---|---|---|");
    for (bytes, concurrency) in rows {
        let docs = documents(&corpus, bytes, 256);
        let (rps, h, errors) = run(&addr, &docs, concurrency, secs).await;
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        println!(
            "| {} KB | {concurrency} | {rps:.0} | {:.2} | {:.2} | {:.2} | {errors} |",
            bytes / 1024,
            ms(0.5),
            ms(0.99),
            ms(0.999)
        );
    }
}
