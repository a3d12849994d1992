"""NLU regression check for `make test`: `python scripts/check_nlu.py [MODEL.tar.gz]`.

Loads the newest model in-process (what /model/parse runs), parses every phrasing of
tests/nlu/regression.yml once and prints intent accuracy and FAQ topic accuracy (the topic
the model ranks first for a faq/<key> example), exiting 1 below the floors.

The regression set was studied and tuned against for several rounds: it is a dev set that
catches regressions, not a measure of how well real questions are understood. That number
comes from the fresh set in tests/eval/questions.yml (bench/questions.py).
Floors: 0.90 on both; one miss costs about 0.006.
"""
import asyncio
import contextlib
import io
import logging
import re
import sys
import warnings
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REGRESSION = ROOT / "tests" / "nlu" / "regression.yml"
INTENT_FLOOR = 0.90
TOPIC_FLOOR = 0.90
ENTITY = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")


def examples(path=REGRESSION):
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" not in item:
            continue
        for line in item["examples"].strip().splitlines():
            text = ENTITY.sub(lambda m: m.group(1) or m.group(2), line.strip()[2:].strip())
            yield text, item["intent"]


async def parse_all(model, pairs):
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [(text, label, await agent.parse_message(text)) for text, label in pairs]


def main(argv) -> int:
    sys.path.insert(0, str(ROOT))   # the pipeline's own components (nlu_components/)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    model = Path(argv[1]) if len(argv) > 1 else (models[-1] if models else None)
    if model is None or not model.exists():
        print("no trained model: run `make train` first")
        return 1
    with contextlib.redirect_stdout(io.StringIO()):
        parsed = asyncio.run(parse_all(model, list(examples())))
    intent_right, topic_right, topics, misses = 0, 0, 0, []
    for text, label, result in parsed:
        intent = label.split("/", 1)[0]
        got = (result.get("intent") or {}).get("name")
        intent_right += got == intent
        if got != intent:
            misses.append(f"{text!r}: {label} -> {got}")
        if "/" in label:
            topics += 1
            response = ((result.get("response_selector") or {}).get(intent) or {}).get("response") or {}
            topic_right += response.get("intent_response_key") == label
            if got == intent and response.get("intent_response_key") != label:
                misses.append(f"{text!r}: {label} -> {response.get('intent_response_key')}")
    intent_acc = intent_right / max(1, len(parsed))
    topic_acc = topic_right / max(1, topics)
    ok = intent_acc >= INTENT_FLOOR and topic_acc >= TOPIC_FLOOR
    print(f"NLU regression set ({len(parsed)} phrasings, a studied dev set): intent accuracy {intent_acc:.3f}, "
          f"FAQ topic accuracy {topic_acc:.3f} over {topics} (floors {INTENT_FLOOR}, {TOPIC_FLOOR})"
          f" {'ok' if ok else 'BELOW FLOOR'}")
    for miss in misses[:10]:
        print(f"  miss: {miss}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
