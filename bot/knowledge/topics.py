"""Ranking the prepared topics (bot/content/knowledge.yml) for a question, by meaning.

Each topic is represented by its FAQ NLU example questions (data/nlu/*.yml, `faq/<key>`), its
title and its answer, embedded with the project's sentence model. A topic's similarity to a
question is that of its nearest text (cosine). The Rasa
ResponseSelector's confidence for the same topic, when the parse has one, is added with a
weight: the two disagree on different questions, and together they rank better than either
(measured on the dev sets, see bot/knowledge/__init__.py).
"""
from functools import lru_cache

import numpy as np
import yaml

from bot import PROJECT_ROOT
from bot.embedding import embed_one, embed_cached

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


def _examples(block: str) -> list:
    return [line[2:].strip() for line in (block or "").strip().splitlines() if line.startswith("- ")]


@lru_cache(maxsize=256)
def vector(text: str):
    """The sentence vector of a question, computed once for all the indexes that rank it."""
    return embed_one(text)


def nlu_examples() -> dict:
    """{topic key: [example question, ...]} from every faq/<key> intent under data/nlu/."""
    found = {}
    for path in sorted(NLU_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            intent = item.get("intent") or ""
            if intent.startswith("faq/"):
                found.setdefault(intent.split("/", 1)[1], []).extend(_examples(item.get("examples")))
    return found


@lru_cache(maxsize=1)
def index():
    """(texts, topic keys in order, start row of each key's texts, their unit vectors)."""
    from bot import knowledge

    examples = nlu_examples()
    texts, keys, starts = [], [], []
    for key in knowledge.keys():
        keys.append(key)
        starts.append(len(texts))
        item = knowledge.entry(key)
        texts += [item["title"], item["answer"].strip(), *examples.get(key, [])]
    return texts, keys, np.array(starts), embed_cached(texts)


def similarities(question: str) -> dict:
    """{topic key: cosine similarity of the topic's nearest text}. The vectors are unit length,
    so the cosine is a dot product; a few thousand texts, so brute force is exact and takes
    well under a millisecond (NearestNeighbors did the same in about 12 ms)."""
    _, keys, starts, vectors = index()
    best = np.maximum.reduceat(vectors @ vector(question), starts)
    return {key: float(score) for key, score in zip(keys, best)}


def selector_confidences(parse: dict) -> dict:
    """{topic key: ResponseSelector confidence} from a Rasa parse's ranking, if any."""
    selector = (parse or {}).get("response_selector") or {}
    found = {}
    for name in ("faq", "default"):
        block = selector.get(name) or {}
        for row in block.get("ranking") or []:
            full = row.get("intent_response_key") or ""
            if full:
                found.setdefault(full.split("/", 1)[-1], float(row.get("confidence") or 0.0))
        response = block.get("response") or {}
        full = response.get("intent_response_key") or ""
        if full:
            found.setdefault(full.split("/", 1)[-1], float(response.get("confidence") or 0.0))
    return found
