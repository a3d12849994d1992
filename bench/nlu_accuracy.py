"""NLU accuracy on the regression (dev) set, FAQ threshold sweep and parse latency for the newest model.

    .venv/bin/python bench/nlu_accuracy.py [MODEL.tar.gz]

Loads the model in-process with Rasa's Agent (what /model/parse runs), parses every
phrasing in tests/nlu/regression.yml once, and prints:
  - intent accuracy (a faq/<key> example counts as right when the intent is `faq`),
  - response-selection accuracy on the faq examples (right topic key),
  - parse latency p50/p95 in ms (one warm-up parse excluded).
What the answering action then does with a parse (topic, passage, "did you mean", not covered)
and its thresholds are measured by bench/questions_dev.py (dev sets) and bench/questions.py.
"""
import asyncio
import contextlib
import io
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import knowledge  # noqa: E402

REGRESSION = ROOT / "tests" / "nlu" / "regression.yml"


def regression():
    data = yaml.safe_load(REGRESSION.read_text(encoding="utf-8"))
    for item in data["nlu"]:
        for line in item["examples"].strip().splitlines():
            yield line[2:].strip(), item["intent"]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def parse_all(model_path):
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    await agent.parse_message("warm up")
    rows, latencies = [], []
    for text, label in regression():
        start = time.perf_counter()
        parsed = await agent.parse_message(text)
        latencies.append((time.perf_counter() - start) * 1000)
        rows.append((text, label, parsed))
    return rows, latencies


def main(argv):
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    model = Path(argv[1]) if len(argv) > 1 else (models[-1] if models else None)
    if not model:
        print("no model: run bash scripts/train.sh first")
        return 1
    with contextlib.redirect_stdout(io.StringIO()):  # Rasa's debug log lines
        rows, latencies = asyncio.run(parse_all(model))
    print(f"model: {model.name}; regression-set phrasings: {len(rows)}")

    intent_right = sum((p["intent"]["name"] == ("faq" if l.startswith("faq/") else l)) for _, l, p in rows)
    faq_rows = [(t, l, p) for t, l, p in rows if l.startswith("faq/")]
    selector_right = [(t, l, p) for t, l, p in faq_rows if f"faq/{knowledge.selected_response(p)[0]}" == l]
    print(f"intent accuracy: {intent_right / len(rows):.3f} ({intent_right}/{len(rows)})")
    print(f"response selection accuracy (faq examples): {len(selector_right) / len(faq_rows):.3f} "
          f"({len(selector_right)}/{len(faq_rows)})")

    right_conf = [knowledge.selected_response(p)[1] for _, _, p in selector_right]
    wrong = [(t, l, p) for t, l, p in faq_rows if (t, l, p) not in selector_right]
    wrong_conf = [knowledge.selected_response(p)[1] for _, _, p in wrong]
    if right_conf:
        print(f"selector confidence when right: median {statistics.median(right_conf):.2f}, "
              f"10th pct {percentile(right_conf, 10):.2f}, lowest {', '.join(f'{c:.2f}' for c in sorted(right_conf)[:8])}")
    if wrong_conf:
        print(f"selector confidence when wrong: median {statistics.median(wrong_conf):.2f}, "
              f"max {max(wrong_conf):.2f}")

    print("\nmisses (text | expected | got intent / selector key, confidences):")
    for text, label, parsed in rows:
        key, sel_conf = knowledge.selected_response(parsed)
        got = parsed["intent"]["name"]
        got_full = f"faq/{key}" if got == "faq" else got
        if got_full != label:
            print(f"  {text!r} | {label} | {got_full} ({parsed['intent']['confidence']:.2f} / {sel_conf:.2f})")

    print(f"\nparse latency over {len(latencies)} messages: p50 {percentile(latencies, 50):.1f} ms, "
          f"p95 {percentile(latencies, 95):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
