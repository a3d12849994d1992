"""Rehearsal reply evaluator: the dev split of bot/content/replies.yml, the hard-case dev set
tests/dev/replies_dev3.yml and the fresh evaluation set tests/eval/replies.yml (none is trained on;
only the fresh set is never studied). The real-world sets of rounds 1-3 were each a fresh set, then
studied, and are training replies now (bot/content/replies.yml, "Everyday-register replies").

For each set it prints
- verdict rate: replies that got a verdict (one of the four labels) on the first reading; a
  follow-up question ("unclear") counts as no verdict;
- agreement: verdict equals the hand label, over all replies (no verdict counts as a miss),
  and over the replies that got one;
- after the follow-up: the same, when each unclear reply's follow-up is answered the way the
  hand label reads the boundary (simulated: a peer who answers the question honestly);
- boundary-breaking replies praised: verdict "good" on a reply whose label is
  boundary_broken or that does not hold the boundary. Must be 0;
- per rubric point: the evaluator's met / missed vs the hand label, over the replies where that
  point is labelled (unclear counts as wrong);
- time per reply.
Run: .venv/bin/python bench/rehearsal.py [--errors] [--dev-only] [--eval-errors]

Measured 2026-11-30 (issue 16), each fresh set scored once against the assistant at the start of
session 4 (4eef105) and at that moment, then its errors read (rounds 4-6 became dev or training):
                      round 7 (final)   round 6           round 5           round 4
                      start    end      start    then     start    then     start    then
  verdict rate        93.3 %   97.1 %   92.4 %   100 %    90.5 %   98.1 %   96.2 %   100 %
  agreement           84.8 %   90.5 %   85.7 %   89.5 %   81.9 %   88.6 %   84.8 %   88.6 %
  praised breaking    3        0        2        4        3        1        3        3
Round 7 per rubric point at the end: held_boundary 92.4 %, warm 88.6 %, named_value 87.6 %,
offered_alternative 92.4 %, disclosure_ok 93.8 % (of the 16 replies that disclose).
"""
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import reply_evaluator as ev  # noqa: E402

EVAL_SET = ROOT / "tests" / "eval" / "replies.yml"
HARD_DEV_SET = ROOT / "tests" / "dev" / "replies_dev3.yml"   # written as a dev set: two thirds hard cases
ROUND6_DEV_SET = ROOT / "tests" / "dev" / "replies_round6.yml"   # a fresh set once; its errors were read


def gold_points(item) -> dict:
    """Rubric point -> True/False as labelled: replies.yml lists the points met (`has`, all five
    labelled); tests/eval/replies.yml gives `points` and labels disclosure_ok only where the
    reply discloses."""
    if "points" in item:
        return {p: bool(v) for p, v in item["points"].items() if p in ev.RUBRIC_POINTS}
    return {p: p in item["has"] for p in ev.RUBRIC_POINTS}


def _breaks(item, gold: dict) -> bool:
    return item["label"] == "boundary_broken" or gold.get("held_boundary") is False


def measure(items: list) -> dict:
    scenarios = ev.scenarios_by_id()
    n = len(items)
    verdicts = agree = agree_after = verdicts_after = praised = 0
    point_right = dict.fromkeys(ev.RUBRIC_POINTS, 0)
    point_total = dict.fromkeys(ev.RUBRIC_POINTS, 0)
    errors = []
    start = time.perf_counter()
    for item in items:
        sc = scenarios[item["scenario"]]
        gold = gold_points(item)
        result = ev.evaluate(item["text"], sc)
        verdicts += result.label in ev.LABELS
        agree += result.label == item["label"]
        praised += result.label == "good" and _breaks(item, gold)
        for point, value in gold.items():
            point_total[point] += 1
            point_right[point] += result.points[point] == value
        after = result
        if result.unclear:
            after = ev.evaluate(item["text"], sc, held=gold["held_boundary"])
            praised += after.label == "good" and _breaks(item, gold)
        verdicts_after += after.label in ev.LABELS
        agree_after += after.label == item["label"]
        if after.label != item["label"] or result.unclear:
            missed = [p for p, value in gold.items() if result.points[p] != value]
            errors.append((item["scenario"], item["label"], result.label, after.label, missed, item["text"]))
    ms = (time.perf_counter() - start) * 1000 / max(n, 1)
    return {"n": n, "verdict_rate": verdicts / n, "agreement": agree / n,
            "agreement_when_verdict": agree / max(verdicts, 1), "unclear": n - verdicts,
            "verdict_rate_after_follow_up": verdicts_after / n, "agreement_after_follow_up": agree_after / n,
            "praised_breaking": praised,
            "points": {p: (point_right[p] / point_total[p], point_total[p]) for p in ev.RUBRIC_POINTS if point_total[p]},
            "ms_per_reply": ms, "errors": errors}


def report(name: str, m: dict, show_errors: bool) -> None:
    print(f"{name}: {m['n']} replies")
    print(f"  verdict rate              {m['verdict_rate']:6.1%}   (follow-up asked on {m['unclear']})")
    print(f"  agreement with labels     {m['agreement']:6.1%}   (when a verdict is given: "
          f"{m['agreement_when_verdict']:.1%})")
    print(f"  after the follow-up       verdicts {m['verdict_rate_after_follow_up']:.1%}, "
          f"agreement {m['agreement_after_follow_up']:.1%}   (simulated honest answer)")
    print(f"  boundary-breaking praised {m['praised_breaking']}")
    print("  per rubric point:        " + "  ".join(f"{p} {a:.1%} (of {k})" for p, (a, k) in m["points"].items()))
    print(f"  time per reply            {m['ms_per_reply']:.1f} ms")
    if show_errors:
        for scenario, gold, first, after, missed, text in m["errors"]:
            print(f"  - [{scenario}] label={gold} got={first}->{after} points wrong={missed}: {text}")


def main() -> int:
    show_errors = "--errors" in sys.argv
    ev.classifiers()  # train or load outside the timing
    ev.evaluate("warm-up", next(iter(ev.scenarios_by_id().values())))
    print(f"train: {len(ev.training_items())} replies (train split + each scenario's example reply)")
    report("dev split (studied while building)", measure(ev.replies("dev")), show_errors)
    report_file(HARD_DEV_SET, "hard-case dev set tests/dev/replies_dev3.yml (written to be studied)", show_errors)
    report_file(ROUND6_DEV_SET, "round-6 set tests/dev/replies_round6.yml (errors read: a dev set)", show_errors)
    if "--dev-only" not in sys.argv:
        report_file(EVAL_SET, "fresh evaluation set tests/eval/replies.yml (never trained on or tuned against)",
                    "--eval-errors" in sys.argv)
    return 0


def report_file(path, title, show_errors):
    if not path.exists():
        print(f"{path.relative_to(ROOT)}: not present, skipped")
        return
    with open(path, encoding="utf-8") as f:
        items = yaml.safe_load(f)["replies"]
    known = [r for r in items if r["scenario"] in ev.scenarios_by_id()]
    if len(known) < len(items):
        print(f"  ({len(items) - len(known)} replies name an unknown scenario and are left out)")
    report(title, measure(known), show_errors)


if __name__ == "__main__":
    sys.exit(main())
