""""What should I do / say?" situations: advice from the closest rehearsal scenario.

A situation is matched to a scenario of bot/content/scenarios.yml by meaning (its setting,
the other person's lines and its values). The advice is the scenario's own cited content:
the principle (its values), what a peer might say (its example reply), what to avoid (the
boundary's coaching line), the sources, and a button to rehearse that scenario.
"""
import re
from functools import lru_cache

from bot import rehearsal, sources
from bot.embedding import embed_cached, embed_one

# "What should I do?", "what do I say?", "how do I handle it?", "how should I respond?"
ASKS_FOR_ADVICE = re.compile(
    r"\b(what|how)\s+(should|do|can|would|could|am)\s+(i|we)\s+(supposed\s+to\s+)?"
    r"(do|say|tell|respond|reply|answer|handle|react|deal|approach|manage|go about)\b"
    r"|\bwhat'?s\s+the\s+(right|best|proper)\s+(thing|way|response)\b"
    r"|\bhow\s+(to|best\s+to)\s+(respond|reply|handle|react|deal|answer)\b"
    r"|\bwhat\s+(do|should)\s+i\s+tell\b",
    re.IGNORECASE)


def asks_for_advice(text: str) -> bool:
    return bool(ASKS_FOR_ADVICE.search(text or ""))


def _scenario_texts(sc: dict) -> list:
    """What the situation may resemble: the scenario as a whole, its opening and its lines."""
    whole = " ".join([sc["setting"], sc["opening"]])
    return [whole, sc["opening"], *[e["line"] for e in sc["escalations"]], " ".join(sc["values"]),
            f"{sc['title']} {sc['hint']}"]


@lru_cache(maxsize=1)
def index():
    texts, owners = [], []
    for sc in rehearsal.scenarios():
        for text in _scenario_texts(sc):
            texts.append(text)
            owners.append(sc)
    return owners, embed_cached(texts)


def closest(text: str):
    """(scenario, similarity) of the scenario with the text nearest in meaning to the situation."""
    owners, matrix = index()
    sims = matrix @ embed_one(text)
    best = int(sims.argmax())
    return owners[best], float(sims[best])


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
        "What to avoid: " + (boundary.get("coach") or boundary.get("does") or "").strip(),
        source,
    ])
    context = {"title": f"Situation: {sc['title']}", "source": source,
               "more": " ".join(sc["values"]), "example": sc["good_reply"],
               "why": boundary.get("coach") or " ".join(sc["values"])}
    return {"text": text, "buttons": [rehearse_button(sc)], "context": context}
