//! End-to-end over a real socket with a generated tonic client: every RPC, error codes,
//! stream ordering with bad items, gzip, and graceful shutdown.

mod common;

use common::{Server, NOTICE};
use notice_svc::proto::notice_service_client::NoticeServiceClient;
use notice_svc::proto::{ClassifyRequest, Document, ExtractEntitiesRequest, ListModelsRequest};
use tonic::codec::CompressionEncoding;
use tonic::Code;

fn doc(id: &str, text: &str) -> Option<Document> {
    Some(Document {
        id: id.into(),
        text: text.into(),
        title: String::new(),
    })
}

async fn client(server: &Server) -> NoticeServiceClient<tonic::transport::Channel> {
    NoticeServiceClient::connect(server.url())
        .await
        .expect("connect")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rpc_answers_correctly() {
    let mut server = Server::start(&[]);
    let mut c = client(&server).await;

    let models = c
        .list_models(ListModelsRequest {})
        .await
        .unwrap()
        .into_inner()
        .models;
    let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
    assert!(
        names.contains(&"topic") && names.contains(&"genre"),
        "{names:?}"
    );
    let topic = models.iter().find(|m| m.name == "topic").unwrap();
    assert_eq!(topic.labels.len(), 17);
    assert!(topic.card_json.contains("macro_f1"));

    let r = c
        .classify(ClassifyRequest {
            document: doc("n1", NOTICE),
            models: vec![],
            top_k: 0,
            explain: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.id, "n1");
    assert_eq!(
        r.predictions.len(),
        models.iter().filter(|m| m.kind == "classifier").count()
    );
    let topic_pred = r.predictions.iter().find(|p| p.model == "topic").unwrap();
    assert_eq!(topic_pred.labels.len(), 3, "top_k 0 means 3");
    assert_eq!(topic_pred.labels[0].label, "civil", "{topic_pred:?}");
    assert!(topic_pred
        .labels
        .windows(2)
        .all(|w| w[0].probability >= w[1].probability));
    assert!(!topic_pred.explanation.is_empty());

    let e = c
        .extract_entities(ExtractEntitiesRequest {
            document: doc("n1", NOTICE),
            types: vec![],
        })
        .await
        .unwrap()
        .into_inner();
    let chars: Vec<char> = NOTICE.chars().collect();
    for ent in &e.entities {
        let slice: String = chars[ent.start as usize..ent.end as usize].iter().collect();
        assert_eq!(slice, ent.text, "offsets must slice the original text");
    }
    assert!(
        e.entities
            .iter()
            .any(|x| x.r#type == "PHONE" && x.normalized == "0436-6222345"),
        "{:?}",
        e.entities
    );
    assert!(
        e.entities
            .iter()
            .any(|x| x.r#type == "DATE" && x.normalized == "2021-07-09"),
        "{:?}",
        e.entities
    );
    // The taxonomy's conventions are what the service returns: generic references are not ORG,
    // whatever the tagger makes of them.
    let generic = "市委宣传部、县公安局和村民委员会联合召开会议。";
    let e = c
        .extract_entities(ExtractEntitiesRequest {
            document: doc("n3", generic),
            types: vec!["ORG".into()],
        })
        .await
        .unwrap()
        .into_inner();
    assert!(e.entities.is_empty(), "{:?}", e.entities);

    assert!(server.terminate().success(), "SIGTERM must exit 0");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_precise_statuses() {
    let server = Server::start(&[]);
    let mut c = client(&server).await;
    let cases = [
        (
            ClassifyRequest {
                document: doc("a", "  "),
                ..Default::default()
            },
            Code::InvalidArgument,
            "empty",
        ),
        (
            ClassifyRequest {
                document: None,
                ..Default::default()
            },
            Code::InvalidArgument,
            "document is required",
        ),
        (
            ClassifyRequest {
                document: doc("a", "通知"),
                models: vec!["nope".into()],
                ..Default::default()
            },
            Code::NotFound,
            "unknown model",
        ),
    ];
    for (req, code, msg) in cases {
        let err = c.classify(req).await.unwrap_err();
        assert_eq!(err.code(), code, "{err:?}");
        assert!(err.message().contains(msg), "{err:?}");
    }
    let err = c
        .extract_entities(ExtractEntitiesRequest {
            document: doc("a", "通知"),
            types: vec!["WEAPON".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
}

#[tokio::test(flavor = "multi_thread")]
async fn streams_keep_order_and_report_bad_items() {
    let server = Server::start(&[]);
    let mut c = client(&server)
        .await
        .send_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Gzip);
    let reqs: Vec<ClassifyRequest> = (0..300)
        .map(|i| {
            let text = if i % 50 == 7 {
                String::new()
            } else {
                format!("{NOTICE}{i}")
            };
            ClassifyRequest {
                document: doc(&format!("d{i}"), &text),
                ..Default::default()
            }
        })
        .collect();
    let mut out = c
        .classify_stream(futures::stream::iter(reqs))
        .await
        .unwrap()
        .into_inner();
    let mut i = 0;
    while let Some(r) = out.message().await.unwrap() {
        assert_eq!(r.id, format!("d{i}"));
        if i % 50 == 7 {
            assert_eq!(
                r.error.as_ref().map(|e| e.code.as_str()),
                Some("INVALID_ARGUMENT")
            );
        } else {
            assert!(r.error.is_none() && !r.predictions.is_empty(), "{r:?}");
        }
        i += 1;
    }
    assert_eq!(i, 300);

    let reqs = vec![
        ExtractEntitiesRequest {
            document: doc("x", NOTICE),
            types: vec!["PHONE".into()],
        },
        ExtractEntitiesRequest {
            document: doc("y", ""),
            types: vec![],
        },
    ];
    let mut out = c
        .extract_entities_stream(futures::stream::iter(reqs))
        .await
        .unwrap()
        .into_inner();
    let first = out.message().await.unwrap().unwrap();
    assert!(first.entities.iter().all(|e| e.r#type == "PHONE") && !first.entities.is_empty());
    let second = out.message().await.unwrap().unwrap();
    assert_eq!(
        (second.id.as_str(), second.error.unwrap().code.as_str()),
        ("y", "INVALID_ARGUMENT")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bearer_token_is_enforced_when_configured() {
    let server = Server::start(&["--auth-token", "s3cret"]);
    let mut c = client(&server).await;
    let err = c.list_models(ListModelsRequest {}).await.unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    let mut req = tonic::Request::new(ListModelsRequest {});
    req.metadata_mut()
        .insert("authorization", "Bearer s3cret".parse().unwrap());
    assert!(c.list_models(req).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn request_ids_are_echoed_and_logged() {
    let logs = tempfile::NamedTempFile::new().unwrap();
    let mut server = Server::start_with_logs(&["--log-json"], logs.reopen().unwrap());
    let mut c = client(&server).await;

    let mut bad = tonic::Request::new(ClassifyRequest {
        document: doc("doc-9", NOTICE),
        models: vec!["no-such-model".into()],
        top_k: 0,
        explain: false,
    });
    bad.metadata_mut()
        .insert("x-request-id", "caller-id-42".parse().unwrap());
    let status = c.classify(bad).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let echoed = status.metadata().get("x-request-id").unwrap();
    assert_eq!(echoed.to_str().unwrap(), "caller-id-42");

    let ok = c
        .classify(ClassifyRequest {
            document: doc("doc-10", NOTICE),
            models: vec![],
            top_k: 0,
            explain: false,
        })
        .await
        .unwrap();
    let minted = ok.metadata().get("x-request-id").unwrap().to_str().unwrap();
    assert!(!minted.is_empty() && minted != "caller-id-42");

    assert!(server.terminate().success());
    let text = std::fs::read_to_string(logs.path()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("caller-id-42"))
        .unwrap_or_else(|| panic!("no log line carries the request id:\n{text}"));
    let json: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(json["fields"]["code"], "NOT_FOUND", "{line}");
    assert_eq!(json["fields"]["doc_id"], "doc-9", "{line}");
    assert_eq!(json["span"]["rpc"], "Classify", "{line}");
}
