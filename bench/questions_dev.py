"""Choose the answering thresholds of bot/knowledge on the DEV sets (never on tests/eval/).

    .venv/bin/python bench/questions_dev.py [--model MODEL.tar.gz | --no-model]

Dev sets: tests/nlu/dev_questions.yml and tests/nlu/dev_questions_2.yml (answerable
questions, passages, situations, questions the documents don't cover; the second in staff's
own casual and third-person words) and the FAQ phrasings of tests/nlu/regression.yml (each
answered by its own topic). With a model, each text is parsed in-process by Rasa (the ResponseSelector's
ranking is one of the signals); parses are cached in var/ per model. Then bot.knowledge's
evidence is computed once per text and its decision is replayed for a grid of thresholds.

Printed per setting: right (the expected topic, a passage whose section holds an expected
quote, advice for a situation, "not covered" for an uncovered question), wrong (another
topic, an unrelated passage, or any answer to an uncovered question), and unanswered
("did you mean", not sure). The current constants of bot/knowledge are marked.
"""
import argparse
import asyncio
import contextlib
import io
import itertools
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import documents, knowledge  # noqa: E402

DEV_SETS = [ROOT / "tests" / "nlu" / "dev_questions.yml", ROOT / "tests" / "nlu" / "dev_questions_2.yml",
            # real questions whose misses were read (rounds 1 and 2 are NLU training examples now)
            *[path for path in sorted((ROOT / "tests" / "dev").glob("questions_round*.yml"))
              if path.stem not in ("questions_round1", "questions_round2")]]
REGRESSION = ROOT / "tests" / "nlu" / "regression.yml"


def dev_items() -> list:
    items = []
    for path in DEV_SETS:
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            items.append({**item, "question": item.get("question") or item["text"], "set": path.stem})
    for block in yaml.safe_load(REGRESSION.read_text(encoding="utf-8"))["nlu"]:
        if block["intent"].startswith("faq/"):
            key = block["intent"].split("/", 1)[1]
            for line in block["examples"].strip().splitlines():
                items.append({"question": line[2:].strip(), "expect": "answer", "topics": [key],
                              "set": "regression"})
    return items


async def _parse_all(model, texts) -> list:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def parses(model, texts) -> list:
    if model is None:
        return [{"text": t} for t in texts]
    cache = ROOT / "var" / f"dev-parses-{Path(model).name}.json"
    stored = json.loads(cache.read_text()) if cache.exists() else {}
    missing = [t for t in texts if t not in stored]
    if missing:
        with contextlib.redirect_stdout(io.StringIO()):
            for text, parse in zip(missing, asyncio.run(_parse_all(model, missing))):
                stored[text] = {"text": text, "intent": parse.get("intent"),
                                "response_selector": parse.get("response_selector")}
        cache.write_text(json.dumps(stored))
    return [stored[t] for t in texts]


def holds_a_quote(doc, section, quotes) -> bool:
    try:
        body = documents.normalise(documents.section_text(doc, section))
    except KeyError:
        return False
    return any(documents.occurs_in(q, body) for q in quotes)


def outcome(item, kind, what) -> str:
    expect = item["expect"]
    if expect == "task":
        return "skip"
    if expect == "not_in_documents":
        return "right" if kind in ("not_covered", "not_sure") else \
            "unanswered" if kind == "did_you_mean" else "wrong"
    if expect == "situation":
        if kind == "topic" and what in (item.get("topics") or []):
            return "right"
        if kind == "situation" and "scenarios" in item and what["id"] not in item["scenarios"]:
            return "wrong"   # advice from a scenario that is not this situation
        return "right" if kind == "situation" else "unanswered" if kind in (
            "did_you_mean", "not_covered", "not_sure") else "wrong"
    if kind == "situation":
        return "wrong"   # advice about a scenario to a question that asked something else
    if kind == "topic":
        if what in (item.get("topics") or []):
            return "right"
        # As bench/questions.py scores it: a cited section holds an expected quote.
        return "right" if any(holds_a_quote(s["doc"], s["section"], item.get("quotes") or [])
                              for s in knowledge.entry(what)["sources"]) else "wrong"
    if kind == "passage":
        quotes = item.get("quotes") or []
        if holds_a_quote(what[0].doc, what[0].section, quotes):
            return "right"
        return "wrong" if quotes else "unanswered"   # no quotes to judge by: not a right answer
    return "unanswered"


def summary(items, results) -> str:
    """right/wrong/unanswered counts, and the three figures bench/questions.py prints: answered
    correctly (answerable), honest (out-of-document), wrong (all)."""
    answerable = [r for i, r in zip(items, results) if i["expect"] in ("answer", "situation")]
    outside = [r for i, r in zip(items, results) if i["expect"] == "not_in_documents"]
    scored = [r for r in results if r != "skip"]
    pct = lambda part, whole: f"{100 * part / whole:5.1f}%" if whole else "  n/a "
    return (f"n={len(scored):3d} right {scored.count('right'):3d} wrong {scored.count('wrong'):3d} "
            f"unanswered {scored.count('unanswered'):3d} | correct {pct(answerable.count('right'), len(answerable))} "
            f"honest {pct(outside.count('right'), len(outside))} wrong {pct(scored.count('wrong'), len(scored))}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the misses at the current constants")
    parser.add_argument("--no-grid", action="store_true", help="only the current constants")
    args = parser.parse_args(argv)
    model = None
    if not args.no_model:
        models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        model = Path(args.model) if args.model else (models[-1] if models else None)
    items = dev_items()
    messages = parses(model, [i["question"] for i in items])
    found = [knowledge.evidence(m) for m in messages]
    print(f"dev items: {len(items)}; model: {model.name if model else 'none (embeddings only)'}")

    def run(thresholds, weight=None):
        results, misses = [], []
        for item, evidence in zip(items, found):
            kind, what = knowledge.decide(evidence, thresholds, weight)
            result = outcome(item, kind, what)
            results.append(result)
            if result not in ("right", "skip"):
                misses.append((result, item["set"], item["question"], kind, what if kind != "passage" else
                               (what[0].doc, what[0].section, round(what[0].score, 2))))
        return results, misses

    if not args.no_grid:
        print("answer margin disagree over_psg passage scenario over_sit | all dev sets")
        grid = itertools.product((0.7, 0.75, 0.8), (0.0, 0.02, 0.04), (0.0, 0.1, 1.0), (-0.05, 0.0),
                                 (0.75, 0.8), (0.31, 0.34), (0.8, 0.85, 0.9, 9.0))
        for ans, margin, disagree, over, psg, scenario, over_sit in grid:
            limits = {"answer": ans, "margin": margin, "disagree_margin": disagree, "over_passage": over,
                      "passage": psg, "scenario": scenario, "topic_over_situation": over_sit}
            current = all(knowledge.THRESHOLDS[k] == v for k, v in limits.items())
            results, _ = run(limits)
            print(f"{ans:6.2f} {margin:6.2f} {disagree:8.2f} {over:8.2f} {psg:7.2f} {scenario:8.2f} {over_sit:8.2f} | "
                  f"{summary(items, results)}"
                  f"{'  <- current' if current else ''}")
    results, misses = run({})
    print("\ncurrent constants:", {k: v for k, v in knowledge.THRESHOLDS.items()})
    for name in dict.fromkeys(i["set"] for i in items):
        chosen = [(i, r) for i, r in zip(items, results) if i["set"] == name]
        print(f"  {name:16s} {summary([i for i, _ in chosen], [r for _, r in chosen])}")
    print(f"  {'all dev sets':16s} {summary(items, results)}")
    if args.show:
        for row in sorted(misses):
            print("  ", row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
