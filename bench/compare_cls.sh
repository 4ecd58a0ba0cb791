#!/usr/bin/env bash
# Classifier benchmark, ours against the Python reference, in one run on the same split:
# accuracy, macro-F1, training seconds, single-thread prediction docs/s and MB/s, 2-thread
# prediction, peak memory. Usage: bench/compare_cls.sh [DATA.jsonl.gz] [extra train flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/cls/fudan/fudan.jsonl.gz}
shift || true
[ -f "$DATA" ] || { echo "$DATA not found: the corpora live in ../shared/data" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check jieba scikit-learn
cargo build --release --quiet
BIN=target/release/notice-svc
OUT=$(mktemp -d)

echo "reference (python, 1 thread)..." >&2
REF=$(.venv/bin/python bench/reference_cls.py "$DATA")

echo "ours: train..." >&2
/usr/bin/time -f "%e %M" -o "$OUT/train.time" $BIN train --data "$DATA" --out "$OUT/model" "$@" > "$OUT/train.json" 2>/dev/null
EVAL=$(RAYON_NUM_THREADS=1 $BIN eval --json --model "$OUT/model" --data "$DATA" 2>/dev/null)
EVAL2=$(RAYON_NUM_THREADS=2 $BIN eval --json --model "$OUT/model" --data "$DATA" 2>/dev/null)

.venv/bin/python - "$DATA" "$OUT/test.jsonl" <<'PY'
import gzip, json, sys
size = 0
with gzip.open(sys.argv[1], "rt") as f, open(sys.argv[2], "w") as out:
    for line in f:
        r = json.loads(line)
        if r.get("split") == "test":
            title = r.get("title") or ""
            size += len((title + "\n" + r["text"]).encode())
            out.write(json.dumps({"id": r.get("id"), "title": title, "text": r["text"]}, ensure_ascii=False) + "\n")
open(sys.argv[2] + ".mb", "w").write(str(size / 1e6))
PY
mkdir -p "$OUT/models" && mv "$OUT/model" "$OUT/models/model" && OUT_MODELS="$OUT/models"
S1=$(RAYON_NUM_THREADS=1 $BIN score --models "$OUT_MODELS" "$OUT/test.jsonl" -o "$OUT/s1.jsonl" 2>&1 | grep '^done')
S2=$(RAYON_NUM_THREADS=2 $BIN score --models "$OUT_MODELS" "$OUT/test.jsonl" -o "$OUT/s2.jsonl" 2>&1 | grep '^done')
MB=$(cat "$OUT/test.jsonl.mb")

# Server memory with this model loaded.
$BIN serve --addr 127.0.0.1:0 --models "$OUT_MODELS" > "$OUT/serve.out" 2>/dev/null &
SPID=$!
for _ in $(seq 100); do grep -q listening "$OUT/serve.out" && break; sleep 0.1; done
RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
kill -TERM $SPID; wait $SPID || true

.venv/bin/python - "$REF" "$EVAL" "$(cat "$OUT/train.time")" "$S1" "$S2" "$MB" "$RSS" "$EVAL2" <<'PY'
import json, re, sys
ref, ev, ev2 = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[8])
train_s, train_kb = map(float, sys.argv[3].split())
def rate(line):
    m = re.search(r"done: (\d+) docs, \d+ errors, ([\d.]+) s", line)
    return int(m.group(1)) / float(m.group(2)), float(m.group(2))
(s1, t1), (s2, t2) = rate(sys.argv[4]), rate(sys.argv[5])
d1, d2 = ev["predict_docs_per_s"], ev2["predict_docs_per_s"]
mb = float(sys.argv[6]); rss = float(sys.argv[7]) / 1024
rows = [
    ("accuracy", f"{ref['accuracy']:.4f}", f"{ev['accuracy']:.4f}", f"{(ev['accuracy']-ref['accuracy'])*100:+.2f} pt"),
    ("macro-F1", f"{ref['macro_f1']:.4f}", f"{ev['macro_f1']:.4f}", f"{(ev['macro_f1']-ref['macro_f1'])*100:+.2f} pt"),
    ("training seconds", f"{ref['train_seconds']:.1f}", f"{train_s:.1f}", f"{ref['train_seconds']/train_s:.1f}x faster"),
    ("predict docs/s, 1 thread", f"{ref['predict_docs_per_s']:.1f}", f"{d1:.1f}", f"{d1/ref['predict_docs_per_s']:.1f}x"),
    ("predict MB/s, 1 thread", f"{ref['predict_mb_per_s']:.2f}", f"{ev['predict_mb_per_s']:.2f}", f"{ev['predict_mb_per_s']/ref['predict_mb_per_s']:.1f}x"),
    ("predict docs/s, 2 threads", "-", f"{d2:.1f}", f"{d2/d1:.2f}x one thread"),
    ("`score` command MB/s (JSONL in and out), 1 / 2 threads", "-", f"{mb/t1:.2f} / {mb/t2:.2f}", ""),
    ("peak memory, training (MB)", f"{ref['peak_rss_mb']:.0f}", f"{train_kb/1024:.0f}", ""),
    ("server RSS with model loaded (MB)", "-", f"{rss:.0f}", ""),
]
print("| metric | reference (jieba + sklearn) | notice-svc | ratio |")
print("|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
rm -rf "$OUT"
