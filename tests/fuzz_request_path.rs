//! Fuzzing the request path (issue #7), as property tests so it runs on stable Rust in CI for a
//! bounded number of cases (`NOTICE_FUZZ_CASES`, default 256 per property):
//!
//! * structured requests with hostile text (garbles, brackets, width forms, control and
//!   zero-width chars, arbitrary Unicode) through `NoticeService` in process: every answer is
//!   either a well-formed response or a caller-error status, never INTERNAL (which is what a
//!   panic becomes);
//! * mutated and truncated protobuf bytes sent over a real socket to the real server: the same,
//!   and the server still answers a good request afterwards.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use arc_swap::ArcSwap;
use notice_svc::engine::{Engine, Limits};
use notice_svc::proto::notice_service_server::NoticeService;
use notice_svc::proto::{
    ClassifyRequest, ClassifyResponse, Document, ExtractEntitiesRequest, ExtractEntitiesResponse,
};
use notice_svc::server::NoticeApi;
use notice_svc::text::TextPipeline;
use proptest::prelude::*;
use prost::Message;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::{Code, Request, Status};

/// Fragments of real notices and of the ways they break.
const PIECES: &[&str] = &[
    "本網(wǎng)拉薩8月11日訊",
    "全會(huì )精神",
    "國務(wù)院",
    "(記者 張黎黎)",
    "（一）",
    "院委〔2020〕4号",
    "国办发[2020]5号",
    "(2020)638号",
    "１２月３１日",
    "二〇二〇年一月二十九日",
    "2020-02-25 15:55:00",
    "2月19日和24日",
    "咨询电话:0436-6222345",
    "12345",
    "a@b.gov.cn",
    "版权所有",
    "京ICP备05070218号",
    "【字体：大 中 小】",
    "分享到",
    "\u{200B}",
    "\u{FEFF}",
    "\u{3000}",
    "\r\n",
    "\r",
    "(",
    "（",
    "〔",
    ")",
    "wǎng",
    "ｗǎｎｇ",
    "\u{0}",
    "\u{10FFFF}",
    "𠀀",
    "通榆县民政局召开特困人员救助供养工作会议",
];

const MODELS: &[&str] = &["topic", "genre", "entities", "", "nope", "TOPIC"];
const TYPES: &[&str] = &[
    "PERSON",
    "ORG",
    "LOCATION",
    "DATE",
    "DOC_NUMBER",
    "PHONE",
    "EMAIL",
    "person",
    "WEAPON",
    "",
];

/// Codes a caller's bad input may get; INTERNAL and UNKNOWN mean the server failed.
const CALLER_ERRORS: &[Code] = &[
    Code::InvalidArgument,
    Code::NotFound,
    Code::FailedPrecondition,
    Code::ResourceExhausted,
];

fn cases() -> u32 {
    std::env::var("NOTICE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(PIECES).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        1 => any::<String>(),
        3 => prop::collection::vec(piece, 0..40).prop_map(|v| v.concat()),
    ]
}

fn document() -> impl Strategy<Value = Option<Document>> {
    prop::option::weighted(
        0.95,
        (text(), text(), "\\PC{0,8}").prop_map(|(text, title, id)| Document { id, text, title }),
    )
}

fn names(pool: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(prop::sample::select(pool).prop_map(str::to_owned), 0..3)
}

fn classify_request() -> impl Strategy<Value = ClassifyRequest> {
    (document(), names(MODELS), any::<u32>(), any::<bool>()).prop_map(
        |(document, models, top_k, explain)| ClassifyRequest {
            document,
            models,
            top_k: top_k % 40,
            explain,
        },
    )
}

fn extract_request() -> impl Strategy<Value = ExtractEntitiesRequest> {
    (document(), names(TYPES))
        .prop_map(|(document, types)| ExtractEntitiesRequest { document, types })
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
});

static API: LazyLock<NoticeApi> = LazyLock::new(|| {
    let pipeline = Arc::new(TextPipeline::new().unwrap());
    let engine = Engine::load(&common::repo().join("models"), pipeline, Limits::default()).unwrap();
    NoticeApi::new(Arc::new(ArcSwap::from_pointee(engine)), 64, 4)
});

fn assert_caller_error(s: &Status) -> Result<(), TestCaseError> {
    prop_assert!(
        CALLER_ERRORS.contains(&s.code()) && !s.message().is_empty(),
        "server error for bad input: {s:?}"
    );
    Ok(())
}

fn check_classified(r: &ClassifyResponse, top_k: u32) -> Result<(), TestCaseError> {
    prop_assert!(!r.predictions.is_empty());
    for p in &r.predictions {
        prop_assert!(!p.labels.is_empty());
        if top_k > 0 {
            prop_assert!(p.labels.len() <= top_k as usize);
        }
        for w in p.labels.windows(2) {
            prop_assert!(w[0].probability >= w[1].probability, "{p:?}");
        }
        for l in &p.labels {
            prop_assert!((0.0..=1.0).contains(&l.probability), "{p:?}");
        }
    }
    Ok(())
}

fn check_entities(r: &ExtractEntitiesResponse, text: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = text.chars().collect();
    for e in &r.entities {
        let (s, t) = (e.start as usize, e.end as usize);
        prop_assert!(s < t && t <= chars.len(), "{e:?} in {} chars", chars.len());
        let slice: String = chars[s..t].iter().collect();
        prop_assert_eq!(&slice, &e.text);
        prop_assert!(TYPES[..7].contains(&e.r#type.as_str()), "{e:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn classify_never_fails_on_input(req in classify_request()) {
        let top_k = req.top_k;
        match RUNTIME.block_on(API.classify(Request::new(req))) {
            Ok(r) => check_classified(r.get_ref(), top_k)?,
            Err(s) => assert_caller_error(&s)?,
        }
    }

    #[test]
    fn extract_never_fails_on_input(req in extract_request()) {
        let text = req.document.as_ref().map(|d| d.text.clone()).unwrap_or_default();
        match RUNTIME.block_on(API.extract_entities(Request::new(req))) {
            Ok(r) => check_entities(r.get_ref(), &text)?,
            Err(s) => assert_caller_error(&s)?,
        }
    }
}

/// Sends pre-encoded bytes as the request message, so broken protobuf reaches the server.
struct RawCodec<U>(std::marker::PhantomData<U>);

struct RawEncoder;

impl Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        use prost::bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

struct ProstDecode<U>(std::marker::PhantomData<U>);

impl<U: Message + Default> Decoder for ProstDecode<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        U::decode(buf)
            .map(Some)
            .map_err(|e| Status::internal(e.to_string()))
    }
}

impl<U: Message + Default + Send + 'static> Codec for RawCodec<U> {
    type Encode = Vec<u8>;
    type Decode = U;
    type Encoder = RawEncoder;
    type Decoder = ProstDecode<U>;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> ProstDecode<U> {
        ProstDecode(std::marker::PhantomData)
    }
}

/// A valid encoded request, left intact or broken one way: byte flips, a truncation, or junk
/// appended; mild mutations keep many requests decodable, so the engine is reached too.
fn mutated(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len().max(1);
    let flips = prop::collection::vec((0..len, any::<u8>()), 1..4).prop_map({
        let valid = valid.clone();
        move |flips| {
            let mut b = valid.clone();
            for (i, v) in flips {
                if let Some(x) = b.get_mut(i) {
                    *x = v;
                }
            }
            b
        }
    });
    let cut = (0..=len).prop_map({
        let valid = valid.clone();
        move |c| valid[..c.min(valid.len())].to_vec()
    });
    let tail = prop::collection::vec(any::<u8>(), 1..6).prop_map({
        let valid = valid.clone();
        move |t| [valid.clone(), t].concat()
    });
    prop_oneof![Just(valid), flips, cut, tail]
}

async fn send<U: Message + Default + Send + 'static>(
    channel: tonic::transport::Channel,
    path: &str,
    body: Vec<u8>,
) -> Result<U, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let path = tonic::codegen::http::uri::PathAndQuery::try_from(path).expect("a valid gRPC path");
    grpc.unary(
        Request::new(body),
        path,
        RawCodec::<U>(std::marker::PhantomData),
    )
    .await
    .map(tonic::Response::into_inner)
}

/// Sends every body `bodies` generates to `/notice.v1.NoticeService/{method}`; `tally` judges
/// each outcome.
fn fuzz_rpc<U: Message + Default + Send + 'static>(
    config: &ProptestConfig,
    bodies: &impl Strategy<Value = Vec<u8>>,
    channel: &tonic::transport::Channel,
    method: &str,
    tally: &dyn Fn(Result<(), Status>) -> Result<(), TestCaseError>,
) {
    let path = format!("/notice.v1.NoticeService/{method}");
    proptest::test_runner::TestRunner::new(config.clone())
        .run(bodies, |body| {
            tally(
                RUNTIME
                    .block_on(send::<U>(channel.clone(), &path, body))
                    .map(drop),
            )
        })
        .unwrap();
}

#[test]
fn broken_protobuf_over_the_wire_gets_caller_errors() {
    let server = common::Server::start(&[]);
    let channel = RUNTIME
        .block_on(
            tonic::transport::Endpoint::from_shared(server.url())
                .unwrap()
                .connect(),
        )
        .unwrap();
    let classify = classify_request().prop_flat_map(|req| mutated(req.encode_to_vec()));
    let extract = extract_request().prop_flat_map(|req| mutated(req.encode_to_vec()));
    let config = ProptestConfig {
        cases: cases(),
        ..ProptestConfig::default()
    };
    // Outcomes seen: answered, rejected as undecodable; both must occur or the fuzzing is blind.
    let (answered, undecodable) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let tally = |r: Result<(), Status>| -> Result<(), TestCaseError> {
        match r {
            Ok(()) => answered.fetch_add(1, Ordering::Relaxed),
            Err(s) => {
                assert_caller_error(&s)?;
                if s.message().contains("could not be decoded") {
                    undecodable.fetch_add(1, Ordering::Relaxed);
                }
                0
            }
        };
        Ok(())
    };
    fuzz_rpc::<ClassifyResponse>(&config, &classify, &channel, "Classify", &tally);
    fuzz_rpc::<ExtractEntitiesResponse>(&config, &extract, &channel, "ExtractEntities", &tally);
    let (answered, undecodable) = (answered.into_inner(), undecodable.into_inner());
    eprintln!("wire fuzz: {answered} answered, {undecodable} undecodable");
    assert!(
        answered > 0 && undecodable > 0,
        "{answered} answered, {undecodable} undecodable"
    );

    // Still serving: a good request after all the bad ones.
    let good = ClassifyRequest {
        document: Some(Document {
            id: "after".into(),
            text: common::NOTICE.into(),
            title: String::new(),
        }),
        ..Default::default()
    };
    let r = RUNTIME
        .block_on(send::<ClassifyResponse>(
            channel,
            "/notice.v1.NoticeService/Classify",
            good.encode_to_vec(),
        ))
        .unwrap();
    assert_eq!(r.id, "after");
}
