"""Sorts the tagger's MSRA test errors into kinds, per type.

Usage: notice-svc eval-entities --msra-only --errors /tmp/errors.jsonl
       python3 bench/ner_errors.py /tmp/errors.jsonl [TOP]

Each line of the file is one sentence whose learned spans differ from gold:
{"text", "gold": [[start, end, type, text], ...], "predicted": [...]}. A gold span that was not
predicted exactly is *missed* (no predicted span overlaps it), a *type* error (a predicted span
has its bounds with another type) or a *boundary* error (an overlapping span with other bounds).
A predicted span that overlaps no gold span is *spurious*. Prints a table of counts, then the
TOP (default 40) most frequent strings among the gold spans not predicted exactly and among the
predicted spans not in gold.
"""
import collections
import json
import sys


def kinds(sentences):
    counts = collections.Counter()
    for d in sentences:
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


def frequent(sentences, ours, theirs):
    """Strings of the `ours` spans ("gold" or "predicted") that `theirs` lacks, by count."""
    counts = collections.Counter()
    for d in sentences:
        other = {tuple(x) for x in d[theirs]}
        counts.update((t, text) for a, b, t, text in d[ours] if (a, b, t, text) not in other)
    return counts


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    top = int(sys.argv[2]) if len(sys.argv) == 3 else 40
    with open(sys.argv[1], encoding="utf-8") as f:
        sentences = [json.loads(line) for line in f]
    counts = kinds(sentences)
    cols = ["missed", "boundary", "type", "spurious"]
    print(f"{'type':<10}" + "".join(f"{c:>10}" for c in cols))
    for t in sorted({t for t, _ in counts}):
        print(f"{t:<10}" + "".join(f"{counts[t, c]:>10}" for c in cols))
    for title, ours, theirs in [("not found exactly", "gold", "predicted"), ("not in gold", "predicted", "gold")]:
        found = frequent(sentences, ours, theirs)
        print(f"\n{title} ({sum(found.values())} spans):")
        for (t, text), n in sorted(found.items(), key=lambda x: (-x[1], x[0]))[:top]:
            print(f"{n:>4}  {t:<9} {text}")


if __name__ == "__main__":
    main()
