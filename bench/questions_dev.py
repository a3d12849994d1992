"""Choose the answering thresholds of bot/knowledge on the DEV sets (never on tests/eval/).

    .venv/bin/python bench/questions_dev.py [--model MODEL.tar.gz | --no-model]

Dev sets: tests/nlu/dev_questions.yml (answerable questions, passages, situations, questions
the documents don't cover) and the FAQ phrasings of tests/nlu/regression.yml (each answered by
its own topic). With a model, each text is parsed in-process by Rasa (the ResponseSelector's
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

DEV = ROOT / "tests" / "nlu" / "dev_questions.yml"
REGRESSION = ROOT / "tests" / "nlu" / "regression.yml"


def dev_items() -> list:
    items = list(yaml.safe_load(DEV.read_text(encoding="utf-8"))["questions"])
    for block in yaml.safe_load(REGRESSION.read_text(encoding="utf-8"))["nlu"]:
        if block["intent"].startswith("faq/"):
            key = block["intent"].split("/", 1)[1]
            for line in block["examples"].strip().splitlines():
                items.append({"question": line[2:].strip(), "expect": "answer", "topics": [key]})
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


def outcome(item, kind, what) -> str:
    expect = item["expect"]
    if expect == "task":
        return "skip"
    if expect == "not_in_documents":
        return "right" if kind in ("not_covered", "not_sure") else \
            "unanswered" if kind == "did_you_mean" else "wrong"
    if expect == "situation":
        return "right" if kind == "situation" else "unanswered" if kind in (
            "did_you_mean", "not_covered", "not_sure") else "wrong"
    if kind == "topic":
        return "right" if what in (item.get("topics") or []) else "wrong"
    if kind == "passage":
        passage = what[0]
        body = documents.normalise(documents.section_text(passage.doc, passage.section))
        quotes = item.get("quotes") or []
        if any(documents.occurs_in(q, body) for q in quotes):
            return "right"
        return "wrong" if quotes else "unanswered"   # no quotes to judge by: not a right answer
    return "unanswered"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the wrong ones at the current constants")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.15, 0.3],
                        help="selector weights to try")
    args = parser.parse_args(argv)
    model = None
    if not args.no_model:
        models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        model = Path(args.model) if args.model else (models[-1] if models else None)
    items = dev_items()
    messages = parses(model, [i["question"] for i in items])
    found = [knowledge.evidence(m) for m in messages]
    print(f"dev items: {len(items)}; model: {model.name if model else 'none (embeddings only)'}")

    def run(thresholds, weight):
        counts = {"right": 0, "wrong": 0, "unanswered": 0, "skip": 0}
        wrong = []
        for item, evidence in zip(items, found):
            kind, what = knowledge.decide(evidence, thresholds, weight)
            result = outcome(item, kind, what)
            counts[result] += 1
            if result != "right" and result != "skip":
                wrong.append((result, item["question"], kind, what if kind != "passage" else
                              (what[0].doc, what[0].section, round(what[0].score, 2))))
        return counts, wrong

    print("weight answer dym  passage lead | right wrong unanswered")
    grid = itertools.product(args.weights, (0.65, 0.7, 0.75, 0.8), (0.55, 0.6, 0.65),
                             (0.65, 0.7, 0.75, 0.8), (0.1, 0.15, 0.2, 1.0))
    for weight, ans, dym, psg, lead in grid:
        if dym >= ans:
            continue
        counts, _ = run({"answer": ans, "did_you_mean": dym, "passage": psg, "passage_lead": lead}, weight)
        current = (weight, ans, dym, psg, lead) == (
            knowledge.SELECTOR_WEIGHT, knowledge.ANSWER_SCORE, knowledge.DID_YOU_MEAN_SCORE,
            knowledge.PASSAGE_SCORE, knowledge.PASSAGE_LEAD)
        print(f"{weight:5.2f} {ans:6.2f} {dym:4.2f} {psg:7.2f} {lead:4.2f} | {counts['right']:5d} "
              f"{counts['wrong']:5d} {counts['unanswered']:10d}{'  <- current' if current else ''}")
    counts, wrong = run({}, None)
    print(f"current constants: {counts}")
    if args.show:
        for row in wrong:
            print("  ", row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
