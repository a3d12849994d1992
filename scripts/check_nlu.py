"""Score the NLU regression run: `python scripts/check_nlu.py RESULTS_DIR`.

Reads Rasa's intent_report.json and response_selection_report.json (written by
`rasa test nlu --nlu tests/nlu/regression.yml --out RESULTS_DIR`), prints weighted F1 for
intents and for response selection (which FAQ answer was picked), and exits 1 below the floors.

The regression file was studied and tuned against for several rounds, so it guards against
regressions; it does not measure real questions (bench/questions.py on tests/eval/ does).
Floors: >= 0.9 on both. The file has ~2 phrasings per topic, so one wrong answer costs
well under 0.01 of response-selection F1; a floor of 0.90 leaves
room for about a dozen misses while still failing when a topic stops being recognised.
Weighted intent F1 is dominated by `faq` (148 of ~170 examples), so the macro F1 (every
intent counts equally: greet, out_of_scope, follow-ups) is printed too, for reading.
"""
import json
import sys
from pathlib import Path

INTENT_F1_FLOOR = 0.90
RESPONSE_F1_FLOOR = 0.90


def f1_scores(report_path: Path):
    """(weighted F1, macro F1) from a Rasa report, or (None, None) when it is missing."""
    if not report_path.exists():
        return None, None
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return (report.get("weighted avg", {}).get("f1-score"),
            report.get("macro avg", {}).get("f1-score"))


def worst_labels(report_path: Path, n=8):
    report = json.loads(report_path.read_text(encoding="utf-8"))
    rows = [(v["f1-score"], k) for k, v in report.items()
            if isinstance(v, dict) and "f1-score" in v and k not in ("weighted avg", "macro avg", "micro avg")]
    return [f"{k} {f1:.2f}" for f1, k in sorted(rows)[:n] if f1 < 1.0]


def main(argv) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    results = Path(argv[1])
    ok = True
    for name, filename, floor in (("intents", "intent_report.json", INTENT_F1_FLOOR),
                                  ("response selection", "response_selection_report.json", RESPONSE_F1_FLOOR)):
        f1, macro = f1_scores(results / filename)
        if f1 is None:
            print(f"{name}: no {filename} in {results}")
            ok = False
            continue
        verdict = "ok" if f1 >= floor else "BELOW FLOOR"
        print(f"{name}: weighted F1 {f1:.3f} (floor {floor:.2f}) {verdict}; macro F1 {macro:.3f}")
        if f1 < floor:
            ok = False
        weakest = worst_labels(results / filename)
        if weakest:
            print("  weakest: " + ", ".join(weakest))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
