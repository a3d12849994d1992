"""Answers to staff questions about peers (bot/content/knowledge.yml), follow-ups and the
honest "I'm not sure" reply. Framework-free: actions/faq.py only adapts these to Rasa."""
from functools import lru_cache

import yaml

from bot import CONTENT_DIR, sources

RETRIEVAL_INTENT = "faq"

# Below these we say "I'm not sure" instead of answering. Measured with bench/nlu_accuracy.py
# on tests/nlu/heldout.yml (~150 FAQ phrasings) over four trainings: right picks have a
# median selector confidence of ~0.8, wrong picks ~0.3. At 0.40, 0-3 held-out questions per
# model still got a wrong topic (near-identical rows, e.g. the two "diagnosis" rows of the
# Is/Is Not table, up to 0.66) and 6-11% of right answers became an honest "not sure" with
# topic buttons; 0.50 cost twice as many right answers for at most one fewer wrong one.
# Off-topic text misfiled as `faq` scored <= 0.16, so it is never answered. A
# ratio-to-runner-up rule did not separate right from wrong better.
MIN_INTENT_CONFIDENCE = 0.45  # same as FallbackClassifier, for parses that reach the action
MIN_SELECTOR_CONFIDENCE = 0.40

FOLLOW_UP_BUTTONS = {
    "more": {"title": "Tell me more", "payload": "tell me more"},
    "example": {"title": "Give me an example", "payload": "give me an example"},
    "source": {"title": "Where is that from?", "payload": "where is that from?"},
}

# Topics offered as buttons when the assistant is not sure what was asked.
MAIN_TOPICS = [
    ("peer_values", "what are the peer support values?"),
    ("peer_role_table", "what is a peer supporter and what are they not?"),
    ("peer_vs_counselor", "how is a peer different from a counselor?"),
    ("self_disclosure_whose_decision", "whose decision is it to share a peer's recovery story?"),
    ("value_without_cooptation", "what is co-optation?"),
    ("peer_vs_clinical_boundaries", "how are peer boundaries different from clinical boundaries?"),
]

QUIZ_REMINDER = ("Back to the quiz — reply in role, out of role or depends, "
                 "or say 'repeat' to see the question again.")


@lru_cache(maxsize=1)
def load() -> dict:
    with open(CONTENT_DIR / "knowledge.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def keys() -> list:
    return list(load())


def entry(key: str):
    return load().get(key)


def selected_response(latest_message: dict):
    """(topic key, confidence) chosen by the ResponseSelector, or (None, 0.0).

    Rasa puts the prediction under the retrieval intent's name, or under "default" when the
    selector was trained without `retrieval_intent`."""
    selector = (latest_message or {}).get("response_selector") or {}
    for name in (RETRIEVAL_INTENT, "default"):
        response = (selector.get(name) or {}).get("response") or {}
        full_key = response.get("intent_response_key") or ""
        if full_key:
            key = full_key.split("/", 1)[1] if "/" in full_key else full_key
            return key, float(response.get("confidence") or 0.0)
    return None, 0.0


def intent_confidence(latest_message: dict) -> float:
    return float(((latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


def is_confident(intent_conf: float, selector_conf: float) -> bool:
    return intent_conf >= MIN_INTENT_CONFIDENCE and selector_conf >= MIN_SELECTOR_CONFIDENCE


def quiz_active(quiz_slot) -> bool:
    return isinstance(quiz_slot, dict) and quiz_slot.get("status") == "active"


def context_for(key: str) -> dict:
    item = load()[key]
    return {
        "title": item["title"],
        "source": sources.source_line(item["sources"]),
        "more": item.get("more"),
        "example": item.get("example"),
        "why": None,
    }


def follow_up_buttons(context: dict, skip: str = "") -> list:
    """Buttons for the follow-ups this context can answer, except `skip`."""
    wanted = [("more", bool(context.get("more"))), ("example", bool(context.get("example"))),
              ("source", True)]
    return [dict(FOLLOW_UP_BUTTONS[name]) for name, ok in wanted if ok and name != skip]


def answer(key: str, quiz=None) -> dict:
    """The reply for a known topic: {"text", "buttons", "context"}."""
    item = load()[key]
    context = context_for(key)
    parts = [item["answer"].strip(), context["source"]]
    if quiz_active(quiz):
        parts.append(QUIZ_REMINDER)
    return {"text": "\n\n".join(parts), "buttons": follow_up_buttons(context), "context": context}


def not_sure(quiz=None) -> dict:
    """The honest fallback: say so, offer main topics and what the assistant can do."""
    text = ("I'm not sure I understood that, and I'd rather not guess. I can answer questions "
            "about peer support work (values, roles, boundaries, self-disclosure, supervision), "
            "check whether a task is in a peer's role, run a quiz, or let you practise a "
            "boundary scenario. Try rephrasing, or pick a topic:")
    if quiz_active(quiz):
        text += "\n\n" + QUIZ_REMINDER
    buttons = [{"title": load()[key]["title"], "payload": payload} for key, payload in MAIN_TOPICS]
    return {"text": text, "buttons": buttons}


def reply_to_question(latest_message: dict, quiz=None) -> dict:
    """Answer the question the NLU recognised, or say honestly that we're not sure.
    Returns {"text", "buttons", "context" (None when not answered)}."""
    key, selector_conf = selected_response(latest_message)
    if key not in load() or not is_confident(intent_confidence(latest_message), selector_conf):
        return {**not_sure(quiz), "context": None}
    return answer(key, quiz)


NOTHING_TO_FOLLOW_UP = ("I don't have anything to follow up on yet. Ask me a question about "
                        "peer support work first, for example \"what are the peer values?\".")


def follow_up(intent: str, context, quiz=None) -> dict:
    """Reply to ask_more / ask_example / ask_source / explain_why from the `context` slot
    (set by any feature after an answer, verdict or graded quiz item)."""
    reply = _follow_up(intent, context)
    if quiz_active(quiz):
        reply["text"] += "\n\n" + QUIZ_REMINDER
    return reply


def _follow_up(intent: str, context) -> dict:
    if not isinstance(context, dict) or not context.get("title"):
        return {"text": NOTHING_TO_FOLLOW_UP, "buttons": []}
    title = context["title"]
    source = context.get("source") or ""
    if intent == "ask_more":
        text = context.get("more") or f"That's all the documents give me on \"{title}\"."
        remaining = follow_up_buttons(context, skip="more")
    elif intent == "ask_example":
        text = context.get("example") or (
            f"The source documents don't give a concrete example for \"{title}\", "
            "and I won't make one up.")
        remaining = follow_up_buttons(context, skip="example")
    elif intent == "ask_source":
        text = source or f"I don't have a source recorded for \"{title}\"."
        return {"text": text, "buttons": follow_up_buttons(context, skip="source")}
    elif intent == "explain_why":
        remaining = follow_up_buttons(context)
        if context.get("why"):
            text = context["why"]
        elif context.get("more"):
            text = f"The documents' reasoning on \"{title}\": {context['more']}"
        else:
            text = f"The documents don't give more reasoning on \"{title}\" than what I said."
    else:
        return {"text": NOTHING_TO_FOLLOW_UP, "buttons": []}
    if source:
        text = f"{text.strip()}\n\n{source}"
    return {"text": text, "buttons": remaining}
