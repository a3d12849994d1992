"""The real-world sets (tests/eval/ fresh, tests/dev/ studied) never leak into what the assistant learns
from: NLU examples, the task bank, the principles' examples, the labelled replies. (The round-1
and round-2 questions, tests/dev/questions_round*.yml, are the exception: they are training examples
now, in data/nlu/faq_real_questions*.yml.)"""
import re
from pathlib import Path

import pytest
import yaml

from bot.grading.principles import load_principles
from bot.reply_evaluator import training_items
from bot.tasks import load_tasks

ROOT = Path(__file__).resolve().parent.parent


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _nlu_examples() -> set:
    out = set()
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in (block.get("examples") or "").splitlines():
                line = re.sub(r"\[([^\]]+)\][({][^)}]*[)}]", r"\1", line.strip().lstrip("- "))
                if line:
                    out.add(_norm(line))
    return out


def _learned_from() -> set:
    learned = _nlu_examples()
    learned |= {_norm(t.text) for t in load_tasks()}
    learned |= {_norm(e) for p in load_principles() for e in p.examples}
    learned |= {_norm(r["text"]) for r in training_items()}
    return learned


# Every real-world set, fresh or studied, by the kind its file name starts with. The round-1 and
# round-2 questions are left out: they are NLU training examples on purpose.
TRAINED_ON = {"questions_round1.yml", "questions_round2.yml"}
SETS = [(str(path.relative_to(ROOT)), kind)
        for kind in ("duties", "questions", "replies")
        for path in sorted([*(ROOT / "tests" / "eval").glob(f"{kind}*.yml"), *(ROOT / "tests" / "dev").glob(f"{kind}*.yml")])
        if path.name not in TRAINED_ON]


@pytest.fixture(scope="module")
def learned():
    return _learned_from()


@pytest.mark.parametrize("path,key", SETS)
def test_real_world_set_is_not_in_any_training_material(path, key, learned):
    file = ROOT / path
    if not file.exists():
        pytest.skip(f"{path} not present")
    items = yaml.safe_load(file.read_text(encoding="utf-8"))[key]
    assert len(items) >= 50
    # A short generic question ("What does a peer support specialist do?") is asked everywhere in the same words;
    # anything longer found in the training material was copied.
    leaked = [i["text"] for i in items if _norm(i["text"]) in learned and len(_norm(i["text"]).split()) > 7]
    assert not leaked, leaked
