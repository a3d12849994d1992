"""Rehearsal reply evaluator on the dev split of bot/content/replies.yml (never trained on).

Prints accuracy per rubric point (the evaluator's final point vs the hand label), per label
(recall of each label; "unsure" counts as not recalled), how often it declines to give a verdict,
the accuracy when it does give one, the classifier alone, and the time per reply.
Run: .venv/bin/python bench/rehearsal.py [--errors]
"""
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import reply_evaluator as ev  # noqa: E402


def main() -> int:
    show_errors = "--errors" in sys.argv
    scenarios = ev.scenarios_by_id()
    ev.model()  # train or load outside the timing
    dev = ev.replies("dev")
    point_right = Counter()
    label_total, label_right = Counter(), Counter()
    decided = decided_right = clf_right = 0
    errors = []
    start = time.perf_counter()
    for r in dev:
        result = ev.evaluate(r["text"], scenarios[r["scenario"]])
        has = set(r["has"])
        for point in ev.RUBRIC_POINTS:
            if bool(result.points[point]) == (point in has):
                point_right[point] += 1
        label_total[r["label"]] += 1
        if result.label == r["label"]:
            label_right[r["label"]] += 1
        if result.label != "unsure":
            decided += 1
            decided_right += result.label == r["label"]
        clf_right += result.classifier_label == r["label"]
        if result.label != r["label"]:
            errors.append((r["label"], result.label, result.classifier_label, r["text"]))
    per_reply_ms = (time.perf_counter() - start) * 1000 / len(dev)

    n = len(dev)
    print(f"dev replies: {n} (train: {len(ev.replies('train'))})")
    print("rubric point accuracy (dev):")
    for point in ev.RUBRIC_POINTS:
        print(f"  {point:<20} {point_right[point] / n:6.1%}")
    print("label recall (dev; 'unsure' counts as a miss):")
    for label in ev.LABELS:
        if label_total[label]:
            print(f"  {label:<20} {label_right[label] / label_total[label]:6.1%}  ({label_right[label]}/{label_total[label]})")
    print(f"overall label accuracy: {sum(label_right.values()) / n:6.1%}")
    print(f"verdict given on:       {decided / n:6.1%}  (unsure on {n - decided})")
    print(f"accuracy when decided:  {decided_right / max(decided, 1):6.1%}")
    print(f"classifier alone:       {clf_right / n:6.1%}")
    fresh = [r for r in dev if r.get("fresh")]
    if fresh:
        fresh_right = sum(ev.evaluate(r["text"], scenarios[r["scenario"]]).label == r["label"] for r in fresh)
        print(f"fresh dev replies (written after the patterns were frozen): {fresh_right}/{len(fresh)} "
              f"= {fresh_right / len(fresh):.1%}")
    print(f"time per reply:         {per_reply_ms:.1f} ms")
    if show_errors:
        for gold, got, clf, text in errors:
            print(f"- gold={gold} got={got} clf={clf}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
