"""Role-fit grader figures: dev-split accuracy, per-class precision/recall, confusion
matrix, and grading latency (p50/p95). `python bench/grader.py` (not a test)."""
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import grader  # noqa: E402
from bot.tasks import VERDICTS, load_tasks  # noqa: E402

PREDICTED = VERDICTS + ("unsure",)


def evaluate(tasks):
    """[(gold, predicted verdict incl. unsure, seconds)] for each task."""
    rows = []
    for t in tasks:
        start = time.perf_counter()
        v = grader.grade(t.text)
        rows.append((t.verdict, v.verdict, time.perf_counter() - start, t, v))
    return rows


def report(rows, title):
    n = len(rows)
    strict = sum(g == p for g, p, *_ in rows) / n
    answered = [(g, p) for g, p, *_ in rows if p != "unsure"]
    cli = sum(g == ("depends" if p == "unsure" else p) for g, p, *_ in rows) / n
    print(f"== {title}: {n} tasks")
    print(f"accuracy (unsure counts as wrong): {strict:.3f}")
    print(f"accuracy of the CLI verdict (unsure reported as depends): {cli:.3f}")
    if answered:
        print(f"answered {len(answered)}/{n} ({len(answered)/n:.0%}); accuracy when answered: "
              f"{sum(g == p for g, p in answered)/len(answered):.3f}")
    print(f"{'class':<12} {'precision':>9} {'recall':>7} {'support':>8}")
    for c in VERDICTS:
        tp = sum(g == c and p == c for g, p, *_ in rows)
        pred = sum(p == c for _, p, *_ in rows)
        gold = sum(g == c for g, *_ in rows)
        prec = f"{tp/pred:.3f}" if pred else "  -  "
        rec = f"{tp/gold:.3f}" if gold else "  -  "
        print(f"{c:<12} {prec:>9} {rec:>7} {gold:>8}")
    print("confusion matrix (rows gold, columns predicted):")
    print(" " * 13 + "".join(f"{p:>13}" for p in PREDICTED))
    for g in VERDICTS:
        print(f"{g:<13}" + "".join(f"{sum(gg == g and pp == p for gg, pp, *_ in rows):>13}" for p in PREDICTED))


def main():
    start = time.perf_counter()
    grader.load_model()
    grader.grade("warm up")
    print(f"model ready in {time.perf_counter() - start:.2f}s (cache: {grader.model_dir()})")
    dev = evaluate(load_tasks("dev"))
    report(dev, "dev split (never trained on)")
    if "-v" in sys.argv:
        for g, p, _, t, v in dev:
            if g != p:
                print(f"  MISS {t.id}: gold {g}, got {p} ({v.confidence:.2f}, {v.matched_task_id}) - {t.text}")
    train = evaluate(load_tasks("train"))
    report(train, "train split (fit check only)")
    times = sorted(s for *_, s, _, _ in [(g, p, s, t, v) for g, p, s, t, v in dev + train])
    ms = [s * 1000 for s in times]
    print(f"grading latency over {len(ms)} tasks: p50 {statistics.median(ms):.1f} ms, "
          f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms")


if __name__ == "__main__":
    main()
