"""Role-fit grader figures: dev-split accuracy, per-class precision/recall, confusion
matrix, and grading latency (p50/p95). `python bench/grader.py` (not a test)."""
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
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


def cross_validate(folds=5):
    """5-fold CV on the train split for the blend weight, k and the unsure floor (how the
    constants in bot/grader.py were chosen, without looking at dev)."""
    from bot.tasks import tasks_by_id

    bank, train = tasks_by_id(), load_tasks("train")
    ids = [t.id for t in train]
    random.Random(0).shuffle(ids)
    rows = []
    for i in range(folds):
        held = set(ids[i::folds])
        directory = Path(tempfile.mkdtemp())
        grader.train([t for t in train if t.id not in held], directory)
        index = json.loads((directory / "knn.json").read_text())
        docs = [grader.ngrams(e["features"]) for e in index]
        df = Counter(g for d in docs for g in set(d))
        idf = {g: math.log((1 + len(docs)) / (1 + n)) + 1 for g, n in df.items()}
        model = grader.Model(directory, index, idf, [grader._tfidf(d, idf) for d in docs])
        for t in train:
            if t.id in held:
                f = grader.parse_framing(grader.clean(t.text))
                feats = grader.features(f.core)
                rows.append((t, grader.rule_hits(f.core), model.textcat_probs(feats), model.neighbours(feats)))
    print(f"== {folds}-fold CV on train ({len(rows)} tasks)")
    for k in (3, 5, 7, 9):
        for w in (0.0, 0.3, 0.5, 0.7, 1.0):
            for floor in (0.0, 0.45, 0.5, 0.55):
                correct = answered = 0
                for t, hits, p_model, nb in rows:
                    if hits:
                        v = bank[hits[0][0]].verdict
                    else:
                        p_knn = grader.knn_probs(nb, bank, k)
                        p = {x: w * p_model[x] + (1 - w) * p_knn[x] for x in VERDICTS}
                        v = max(p, key=p.get)
                        v = "unsure" if p[v] < floor else v
                    answered += v != "unsure"
                    correct += v == t.verdict
                print(f"k={k} weight={w:.1f} floor={floor:.2f}: accuracy {correct/len(rows):.3f}, "
                      f"answered {answered/len(rows):.2f}, accuracy when answered {correct/max(answered, 1):.3f}")


def main():
    if "--cv" in sys.argv:
        return cross_validate()
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
