""""What should I do / say?" situations: advice from the closest rehearsal scenario.

A situation is matched to a scenario of bot/content/scenarios.yml by meaning (its setting,
the other person's lines and its values). The advice is the scenario's own cited content:
the principle (its values), what a peer might say (its example reply), what to avoid (the
boundary's coaching line), the sources, and a button to rehearse that scenario.
"""
import re
from functools import lru_cache

from bot import rehearsal, sources
from bot.knowledge import topics
from bot.embedding import embed_cached

# "What should I do?", "what should the peer say?", "how do we handle this?", "how should staff
# respond?" - a situation told in any voice. "Should/ought/must" asks for advice whoever the
# subject is; "do/can" only in the first person ("what does a peer do?" asks about the role).
_SOMEONE = r"(?:i|we|you|he|she|they|(?:the|our|my|a|an|that|this|your|their|his|her)?\s*[\w-]+(?:\s+[\w-]+){0,2}?)"
ASKS_FOR_ADVICE = re.compile(
    r"\bwhat\s+(?:should|ought|must|would|could|can|do|am|are|is)\s+(?:i|we)\s+(?:supposed\s+to\s+|to\s+)?(?:do|say|tell)\b"
    r"|\bwhat\s+(?:should|ought|must|would)\s+" + _SOMEONE + r"\s+(?:supposed\s+to\s+|to\s+)?(?:do|say|tell|answer)\b"
    r"|\bwhat\s+(?:is|are|was|were)\s+" + _SOMEONE + r"\s+supposed\s+to\s+(?:do|say|tell)\b"
    r"|\bhow\s+(?:should|would|could|can|do|does|ought|must)\s+" + _SOMEONE
    + r"\s+(?:to\s+)?(?:respond|reply|answer|handle|react|deal|say|tell|approach|address)\b"
    r"|\bwhat'?s\s+the\s+(?:right|best|proper)\s+(?:thing\s+to\s+(?:do|say)|response|way\s+to\s+(?:respond|handle))\b"
    r"|\bhow\s+(?:to|best\s+to)\s+(?:respond|reply|handle|react|deal)\b",
    re.IGNORECASE)


BM25_WEIGHT, BM25_HALF = 0.1, 8.0


def asks_for_advice(text: str) -> bool:
    return bool(ASKS_FOR_ADVICE.search(text or ""))


def _scenario_texts(sc: dict) -> list:
    """Views of a scenario a situation may resemble; a scenario scores their mean similarity."""
    return [sc["opening"], f"{sc['title']} {sc['hint']}", " ".join(e["line"] for e in sc["escalations"]),
            f"{sc['title']}. {sc['setting']} {sc['opening']}"]


def _scenario_words(sc: dict) -> list:
    from bot.knowledge.passages import tokens
    lines = [sc["title"], sc["setting"], sc["opening"], sc["hint"], sc["good_reply"]]
    return tokens(" ".join(lines + [e["line"] for e in sc["escalations"]]))


@lru_cache(maxsize=1)
def index():
    from rank_bm25 import BM25Okapi

    scenarios = rehearsal.scenarios()
    views = len(_scenario_texts(scenarios[0]))
    matrix = embed_cached([text for sc in scenarios for text in _scenario_texts(sc)])
    return scenarios, matrix.reshape(len(scenarios), views, -1), BM25Okapi([_scenario_words(sc) for sc in scenarios])


@lru_cache(maxsize=256)
def closest(text: str):
    """(scenario, score): the mean similarity of the situation (its "what should I do?"
    removed) to the scenario's views, plus a little BM25 for shared words. Measured on the
    dev situations, the mean of views ranks better than any single view or the max. Cached:
    routing and the answer both ask for the same message."""
    from bot.knowledge.passages import tokens

    scenarios, views, bm25 = index()
    situation = ASKS_FOR_ADVICE.sub(" ", text or "")
    similarity = (views @ topics.vector(situation)).mean(axis=1)
    lexical = bm25.get_scores(tokens(situation))
    scores = similarity + BM25_WEIGHT * lexical / (lexical + BM25_HALF)
    best = int(scores.argmax())
    return scenarios[best], float(scores[best])


def advice_sources(sc: dict) -> list:
    """The scenario's sources, then its boundary coaching's, without repeats."""
    boundary = rehearsal._rubric(sc, "held_boundary")
    seen, cited = set(), []
    for source in list(sc["sources"]) + list(boundary.get("sources") or []):
        key = (source["doc"], source["section"])
        if key not in seen:
            seen.add(key)
            cited.append({"doc": source["doc"], "section": source["section"]})
    return cited


def rehearse_button(sc: dict) -> dict:
    # The intent payload skips the NLU; bot.rehearsal.start finds the scenario id in the text.
    return {"title": "Rehearse this situation",
            "payload": f'/start_rehearsal{{"scenario_id": "{sc["id"]}"}}'}


def advice(sc: dict) -> dict:
    """{"text", "buttons", "context"} for a matched scenario."""
    boundary = rehearsal._rubric(sc, "held_boundary")
    source = sources.source_line(advice_sources(sc))
    text = "\n\n".join([
        f"This is close to the situation \"{sc['title'].strip(chr(34))}\" in the practice scenarios.",
        "The principle: " + " ".join(sc["values"]),
        f"What a peer might say: \"{sc['good_reply']}\"",
        f"What to avoid (in the scenario the other person is {rehearsal._short_name(sc)}): "
        + (boundary.get("coach") or boundary.get("does") or "").strip(),
        source,
    ])
    context = {"title": f"Situation: {sc['title']}", "source": source,
               "more": " ".join(sc["values"]), "example": sc["good_reply"],
               "why": boundary.get("coach") or " ".join(sc["values"])}
    return {"text": text, "buttons": [rehearse_button(sc)], "context": context}
