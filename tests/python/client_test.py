"""End-to-end with a Python client generated from proto/notice/v1/notice.proto by grpcio-tools.

Usage: python client_test.py HOST:PORT [METRICS_PORT]   (exits non-zero on any failed check)
With METRICS_PORT, also checks that cancelling a stream (RST_STREAM) stops the server's work.
"""
import itertools
import pathlib
import sys
import tempfile
import time
import urllib.request

from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTICE = (
    "通榆县民政局部署特困人员救助供养工作\n7月9日,通榆县民政局召开特困人员救助供养工作会议,"
    "会议要求,各乡镇、街道对城乡特困人员开展核查排查。咨询电话:0436-6222345。"
)


def generate(out: str) -> None:
    rc = protoc.main([
        "protoc", f"-I{ROOT / 'proto'}", f"--python_out={out}", f"--grpc_python_out={out}",
        str(ROOT / "proto/notice/v1/notice.proto"),
    ])
    assert rc == 0, f"protoc failed with {rc}"


def main(addr: str, metrics_port: str = "") -> None:
    out = tempfile.mkdtemp()
    generate(out)
    sys.path.insert(0, out)
    import grpc
    from notice.v1 import notice_pb2 as pb, notice_pb2_grpc as rpc

    with grpc.insecure_channel(addr) as ch:
        stub = rpc.NoticeServiceStub(ch)
        models = stub.ListModels(pb.ListModelsRequest(), timeout=30).models
        assert {"topic", "genre"} <= {m.name for m in models}, models

        r = stub.Classify(pb.ClassifyRequest(document=pb.Document(id="p1", text=NOTICE), models=["topic"]), timeout=30)
        assert r.id == "p1" and r.predictions[0].labels[0].label == "civil", r

        e = stub.ExtractEntities(pb.ExtractEntitiesRequest(document=pb.Document(id="p2", text=NOTICE)), timeout=30)
        phones = [x for x in e.entities if x.type == "PHONE"]
        assert phones and phones[0].normalized == "0436-6222345", e
        for x in e.entities:
            assert NOTICE[x.start:x.end] == x.text, x

        reqs = [pb.ClassifyRequest(document=pb.Document(id=f"s{i}", text=NOTICE if i != 2 else "")) for i in range(5)]
        got = list(stub.ClassifyStream(iter(reqs), timeout=30))
        assert [g.id for g in got] == [f"s{i}" for i in range(5)], got
        assert got[2].error.code == "INVALID_ARGUMENT" and not got[1].error.code, got

        # Invalid UTF-8 in document.text, sent as raw bytes: the caller's error, not INTERNAL.
        inner = bytes([0x12, 2, 0xFF, 0xFE])
        raw = ch.unary_unary("/notice.v1.NoticeService/Classify")
        try:
            raw(bytes([0x0A, len(inner)]) + inner, timeout=30)
            raise AssertionError("invalid UTF-8 must fail")
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err

        try:
            stub.Classify(pb.ClassifyRequest(document=pb.Document(text="通知"), models=["nope"]), timeout=30)
            raise AssertionError("unknown model must fail")
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.NOT_FOUND, err
        if metrics_port:
            check_cancellation(stub, pb, metrics_port)
    print("python client: all checks passed")


def stream_docs_done(metrics_port: str) -> float:
    body = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
               if line.startswith("notice_documents_total") and "ClassifyStream" in line)


def check_cancellation(stub, pb, metrics_port: str) -> None:
    endless = (pb.ClassifyRequest(document=pb.Document(id=str(i), text=NOTICE)) for i in itertools.count())
    call = stub.ClassifyStream(endless)
    for _, _ in zip(range(20), call):
        pass
    call.cancel()
    time.sleep(1.0)
    before = stream_docs_done(metrics_port)
    time.sleep(1.5)
    after = stream_docs_done(metrics_port)
    assert before >= 20 and before == after, f"work went on after cancel: {before} -> {after}"


if __name__ == "__main__":
    main(*sys.argv[1:3])
