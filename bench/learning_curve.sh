#!/usr/bin/env bash
# Learning curve of the shipped notice models: test macro-F1 (all test documents, and the `web`
# test documents alone) against the fraction of the training split used. Prints a Markdown table.
# Usage: bench/learning_curve.sh [topic|genre]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
POOL=../shared/data/notices/pool.jsonl.gz
[ -f "$POOL" ] || { echo "$POOL not found: the pool lives in ../shared/data" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/notice-svc
OUT=$(mktemp -d)
echo "| model | train fraction | train docs | test macro-F1 | web test macro-F1 |"
echo "|---|---|---|---|---|"
for field in ${@:-topic genre}; do
  alpha=$(python3 -c "import json; print(json.load(open('models/$field/model.json'))['hyperparameters']['alpha'])")
  for frac in 0.25 0.5 0.75 1.0; do
    # Keep a seeded random `frac` of the train split; the rest is marked unused.
    python3 - "$frac" > "$OUT/labels.jsonl" <<'PY'
import json, random, sys
frac = float(sys.argv[1]); rng = random.Random(7)
for line in open("data/notices/labels.jsonl"):
    r = json.loads(line)
    if r["split"] == "train" and rng.random() >= frac:
        r["split"] = "unused"
    print(json.dumps(r, ensure_ascii=False))
PY
    $BIN train --data "$POOL" --labels "$OUT/labels.jsonl" --label-field "$field" --exclude-label out_of_scope \
      --group-weight web=3 --class-weight balanced --max-iterations 150 --alpha "$alpha" --out "$OUT/m" > "$OUT/train.json" 2>/dev/null
    python3 - "$field" "$frac" "$OUT/train.json" "$OUT/m/model.json" <<'PY'
import json, sys
field, frac = sys.argv[1], sys.argv[2]
card = json.load(open(sys.argv[4])); m = card["metrics"]["test"]
print(f"| {field} | {frac} | {card['training']['rows']} | {m['macro_f1']:.4f} | {m['by_group']['web']['macro_f1']:.4f} |")
PY
  done
done
rm -rf "$OUT"
