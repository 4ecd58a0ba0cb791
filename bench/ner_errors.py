"""Sorts the tagger's MSRA test errors into kinds, per type.

Usage: notice-svc eval-entities --msra-only --errors /tmp/errors.jsonl
       python3 bench/ner_errors.py /tmp/errors.jsonl

Each line of the file is one sentence whose learned spans differ from gold:
{"text", "gold": [[start, end, type, text], ...], "predicted": [...]}. A gold span that was not
predicted exactly is *missed* (no predicted span overlaps it), a *type* error (a predicted span
has its bounds with another type) or a *boundary* error (an overlapping span with other bounds).
A predicted span that overlaps no gold span is *spurious*. Prints a table of counts.
"""
import collections
import json
import sys


def kinds(lines):
    counts = collections.Counter()
    for line in lines:
        d = json.loads(line)
        gold = {(a, b, t) for a, b, t, _ in d["gold"]}
        pred = {(a, b, t) for a, b, t, _ in d["predicted"]}
        for a, b, t in gold - pred:
            near = [p for p in pred if p[0] < b and a < p[1]]
            if not near:
                counts[t, "missed"] += 1
            elif any(p[0] == a and p[1] == b for p in near):
                counts[t, "type"] += 1
            else:
                counts[t, "boundary"] += 1
        for a, b, t in pred - gold:
            if not any(g[0] < b and a < g[1] for g in gold):
                counts[t, "spurious"] += 1
    return counts


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        counts = kinds(f)
    cols = ["missed", "boundary", "type", "spurious"]
    print(f"{'type':<10}" + "".join(f"{c:>10}" for c in cols))
    for t in sorted({t for t, _ in counts}):
        print(f"{t:<10}" + "".join(f"{counts[t, c]:>10}" for c in cols))


if __name__ == "__main__":
    main()
