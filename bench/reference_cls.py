"""Reference pipeline for the classifier benchmark: jieba + scikit-learn TfidfVectorizer
(sublinear_tf=True, min_df=2) + LogisticRegression, on a labelled JSONL(.gz) with a split field.

Usage: python reference_cls.py DATA [--label-field label] [--labels LABELS.jsonl] [--exclude out_of_scope]
Prints one JSON object: accuracy, macro_f1, train_seconds, predict docs/s and MB/s (one thread), peak RSS.
"""
import argparse
import gzip
import json
import os
import resource
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import jieba  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

jieba.setLogLevel(60)


def rows(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def tokens(text):
    return [w for w in jieba.lcut(text) if w.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("--label-field", default="label")
    ap.add_argument("--labels")
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--group", help="also report metrics on test rows whose `source` is this")
    a = ap.parse_args()
    extra = {r["id"]: r for r in rows(a.labels)} if a.labels else {}
    data = []
    for r in rows(a.data):
        r.update(extra.get(r.get("id"), {}))
        if r.get(a.label_field) and r[a.label_field] not in a.exclude:
            data.append(r)
    text = lambda r: (r.get("title") or "") + "\n" + r["text"]  # noqa: E731
    train = [r for r in data if r.get("split") == "train"]
    test = [r for r in data if r.get("split") == "test"]

    t0 = time.perf_counter()
    vec = TfidfVectorizer(tokenizer=tokens, lowercase=False, token_pattern=None, sublinear_tf=True, min_df=2)
    x = vec.fit_transform([text(r) for r in train])
    clf = LogisticRegression(max_iter=1000)
    clf.fit(x, [r[a.label_field] for r in train])
    train_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    pred = clf.predict(vec.transform([text(r) for r in test]))
    pred_s = time.perf_counter() - t0
    gold = [r[a.label_field] for r in test]
    mb = sum(len(text(r).encode()) for r in test) / 1e6
    out = {
        "pipeline": "python jieba + sklearn",
        "accuracy": accuracy_score(gold, pred),
        "macro_f1": f1_score(gold, pred, average="macro"),
        "train_docs": len(train),
        "test_docs": len(test),
        "train_seconds": train_s,
        "predict_docs_per_s": len(test) / pred_s,
        "predict_mb_per_s": mb / pred_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if a.group:
        idx = [i for i, r in enumerate(test) if r.get("source") == a.group]
        g = [gold[i] for i in idx]
        p = [pred[i] for i in idx]
        out[f"{a.group}_accuracy"] = accuracy_score(g, p)
        out[f"{a.group}_macro_f1"] = f1_score(g, p, average="macro")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
