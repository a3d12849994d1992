"""Role-fit grader figures (not a test): for the task bank's dev split, the grader's own dev set
tests/grader_dev.yml, the earlier real-world sets tests/dev/duties_round*.yml (their errors were
studied, so they are dev sets now) and the fresh real-world evaluation set tests/eval/duties.yml (totals only
unless --eval-errors): accuracy, per-verdict recall, the count of out-of-role duties called in role,
and latency (cold `python -m bot grade`, warm per task).

    .venv/bin/python bench/grader.py            # dev split + eval set + latency
    .venv/bin/python bench/grader.py -v         # also list the misses of the dev sets (never the eval set's)
    .venv/bin/python bench/grader.py --dev      # dev split + tests/grader_dev.yml only (while tuning: the eval set is not run)
    .venv/bin/python bench/grader.py --cv       # 5-fold CV on train: how the constants were chosen
    .venv/bin/python bench/grader.py --eval-errors   # list the eval set's errors (look once, don't tune)

The eval set is never trained on or tuned against: only reported.
"""
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.grading import model as grading_model  # noqa: E402
from bot.grading import verdict as grading_verdict  # noqa: E402
from bot.tasks import VERDICTS, load_tasks  # noqa: E402

EVAL_FILE = ROOT / "tests" / "eval" / "duties.yml"
GRADER_DEV_FILE = ROOT / "tests" / "grader_dev.yml"    # the grader's own dev set (tuned on)
REAL_WORLD_DEV_FILES = sorted((ROOT / "tests" / "dev").glob("duties_round*.yml"))   # fresh once, then studied


def load_eval(path=EVAL_FILE):
    """[(text, gold verdict)] from a duties file (tests/eval/duties.yml by default), or [] when it is not there."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data.get("duties", data) if isinstance(data, dict) else data
    out = []
    for item in items or []:
        text = item.get("text") or item.get("duty")
        gold = item.get("verdict") or item.get("label")
        if text and gold in VERDICTS:
            out.append((text, gold))
    return out


def run(pairs, grade):
    """[(gold, predicted, seconds, text, verdict object)]; not_a_task counts as depends (the CLI contract)."""
    rows = []
    for text, gold in pairs:
        start = time.perf_counter()
        v = grade(text)
        seconds = time.perf_counter() - start
        rows.append((gold, v.to_json()["verdict"], seconds, text, v))
    return rows


def report(rows, title):
    n = len(rows)
    if not n:
        print(f"== {title}: no items")
        return
    acc = sum(g == p for g, p, *_ in rows) / n
    print(f"== {title}: {n} items")
    print(f"accuracy {acc:.3f}")
    for c in VERDICTS:
        gold = sum(g == c for g, *_ in rows)
        tp = sum(g == c and p == c for g, p, *_ in rows)
        print(f"  recall {c:<12} {tp / gold:.3f} ({tp}/{gold})" if gold else f"  recall {c:<12}   -   (0)")
    bad = sum(g == "out_of_role" and p == "in_role" for g, p, *_ in rows)
    print(f"out-of-role called in role: {bad}")
    print("confusion (rows gold, columns predicted): " + " ".join(f"{p:>12}" for p in VERDICTS))
    for g in VERDICTS:
        print(f"  {g:<12}" + " " * 29 + " ".join(f"{sum(gg == g and pp == p for gg, pp, *_ in rows):>12}"
                                                  for p in VERDICTS))


def misses(rows):
    for g, p, _, text, v in rows:
        if g != p:
            name = v.principle.id if v.principle else (v.matched_task_id or "-")
            print(f"  MISS gold {g}, got {p} ({v.confidence:.2f}, {name}): {text}")


def latency(rows_warm):
    ms = sorted(s * 1000 for _, _, s, _, _ in rows_warm)
    print(f"warm grading latency over {len(ms)} tasks: p50 {statistics.median(ms):.1f} ms, "
          f"p95 {ms[int(0.95 * (len(ms) - 1))]:.1f} ms")
    colds = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "grade", "--json", "Observe urine screens"], cwd=ROOT,
                       capture_output=True, check=True)
        colds.append(time.perf_counter() - start)
    print(f"cold `python -m bot grade` (process start to answer, content cached): "
          f"{', '.join(f'{c:.2f}' for c in colds)} s (best {min(colds):.2f} s)")


# ------------------------------------------------------------------ tuning by cross-validation on train
def cv_scores(folds=5, verdict_c=grading_model.VERDICT_C, principle_c=grading_model.PRINCIPLE_C):
    """[(task, Scores)] for every train task, each scored by classifiers fitted without its fold."""
    import numpy as np

    train = load_tasks("train")
    ids = [t.id for t in train]
    random.Random(0).shuffle(ids)
    full = grading_model.build(verdict_c=verdict_c, principle_c=principle_c)   # every item embedded once
    vectors = {(i.kind, i.ref, i.text): v for i, v in zip(full.items, full.vectors)}
    out = []
    for k in range(folds):
        held = set(ids[k::folds])
        items = grading_model.training_items([t for t in train if t.id not in held])
        model = grading_model.fit(items, np.stack([vectors[(i.kind, i.ref, i.text)] for i in items]),
                                  verdict_c, principle_c)
        for t in train:
            if t.id in held:
                out.append((t, model.score(grading_model.embed_task(t.text))))
    return out


def cross_validate():
    import itertools

    from bot.grading import guard as safety_guard

    print("== 5-fold CV on train (task bank), current constants: the meaning model alone, then with the guard")
    scored = cv_scores()
    for title, use_guard in (("model alone", False), ("model + guard", True)):
        got = [(t.verdict, grading_verdict.decide_label(
            s, safety_guard.check(grading_model.core_text(t.text)) if use_guard else None)[0]) for t, s in scored]
        acc = sum(g == p for g, p in got) / len(got)
        bad = sum(g == "out_of_role" and p == "in_role" for g, p in got)
        recall = {c: sum(g == c == p for g, p in got) / max(1, sum(g == c for g, _ in got)) for c in VERDICTS}
        print(f"  {title:<14} accuracy {acc:.3f}, out-of-role called in role {bad}, recall "
              + ", ".join(f"{c} {r:.2f}" for c, r in recall.items()))
    print("== 5-fold CV on train: constants of the model's decision rules (framing and negation wording not applied)")
    for verdict_c, principle_c in ((2.0, 8.0), (8.0, 8.0), (2.0, 32.0)):
        scored = cv_scores(verdict_c=verdict_c, principle_c=principle_c)
        results = []
        for fires, conflict, dep in itertools.product((0.3, 0.4, 0.5, 0.6, 1.1), (0.7, 0.8, 0.9, 1.1),
                                                      (0.4, 0.5, 0.6, 1.1)):
            v = grading_verdict
            v.OUT_OF_ROLE_FIRES, v.CONFLICT_IN_ROLE, v.DEPENDS_FIRES = fires, conflict, dep
            got = [(t.verdict, v.decide_label(s)[0]) for t, s in scored]
            acc = sum(g == p for g, p in got) / len(got)
            bad = sum(g == "out_of_role" and p == "in_role" for g, p in got)
            results.append((acc, -bad, fires, conflict, dep))
        for acc, bad, fires, conflict, dep in sorted(results, reverse=True)[:5]:
            print(f"verdict C={verdict_c:<4} principle C={principle_c:<4} out fires {fires:.2f} conflict {conflict:.2f} "
                  f"depends fires {dep:.2f}: accuracy {acc:.3f}, out-of-role called in role {-bad}")


def main():
    if "--cv" in sys.argv:
        return cross_validate()
    start = time.perf_counter()
    grading_model.load()
    grading_verdict.grade("Observe urine screens")
    print(f"model ready in {time.perf_counter() - start:.2f}s (cache: {grading_model.cache_path()})")
    dev_sets = [("dev split (tasks.yml split: dev; tuned on)", [(t.text, t.verdict) for t in load_tasks("dev")])]
    dev_sets.append((f"grader dev set ({GRADER_DEV_FILE.relative_to(ROOT)}; tuned on)", load_eval(GRADER_DEV_FILE)))
    dev_sets += [(f"real-world {path.stem.split('_')[-1].replace('round', 'round-')} set "
                  f"({path.relative_to(ROOT)}; errors studied: a dev set)", load_eval(path))
                 for path in REAL_WORLD_DEV_FILES]
    scored = []
    for title, pairs in dev_sets:
        rows = run(pairs, grading_verdict.grade)
        report(rows, title)
        if "-v" in sys.argv:
            misses(rows)
        scored += rows
    evaluation = [] if "--dev" in sys.argv else run(load_eval(), grading_verdict.grade)
    report(evaluation, f"real-world eval set ({EVAL_FILE.relative_to(ROOT)}; never trained or tuned on)")
    if "--eval-errors" in sys.argv:
        misses(evaluation)
    latency(scored + evaluation)


if __name__ == "__main__":
    main()
