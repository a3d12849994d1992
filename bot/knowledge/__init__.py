"""Answers to staff questions about peers: the prepared topics (bot/content/knowledge.yml),
passages of the five documents, advice for situations, follow-ups and honest "don't know"
replies. Framework-free: actions/faq.py only adapts these to Rasa.

How a question is answered (reply_to_question):
  1. "What should I do / say?" about a situation close to a practice scenario: advice from it.
  2. A prepared topic that clearly fits (meaning similarity + the ResponseSelector): its answer.
  3. Otherwise the closest passage of the documents, quoted and cited, when it is relevant;
     with "did you mean" buttons when some topics were a middling match.
  4. A middling topic match and no good passage: "did you mean" buttons.
  5. Nothing relevant: the documents don't cover it, and who usually can answer.
"""
import re
from functools import lru_cache

import yaml

from bot import CONTENT_DIR, sources

RETRIEVAL_INTENT = "faq"

# Thresholds, chosen on the dev sets (tests/nlu/regression.yml, tests/nlu/dev_questions.yml,
# tests/nlu/dev_questions_2.yml and real questions: tests/dev/questions_round2.yml, later
# tests/dev/questions_round3.yml; bench/questions_dev.py prints the sweep and per-set figures),
# never on tests/eval/. Precision first: a wrong topic teaches something wrong, a "did you mean"
# only costs a click. What the real questions changed: advice only from a close practice
# scenario (0.36, was 0.31: an unrelated scenario was round 2's commonest wrong answer); a higher
# bar on out-of-document subjects (0.15); a topic must lead its rivals by 0.08 (was 0.04) and a
# passage is quoted only at 0.85 (was 0.75): on round 3, passages at 0.75-0.85 were nearly
# always from the wrong section. Round 3: wrong 22.6 -> 10.4 %, right unchanged (27.7 %);
# internal dev sets: right 70.1 -> 68.8 %, wrong 7.6 -> 4.3 %. Then a topic that defines the
# thing a question names answers a "when / must / can ...?" question only over a 0.2 higher bar
# (rounds 3 and 4 as dev: wrong 10.4 -> 7.0 % and 22.4 -> 16.8 %, right 27.7 -> 25.5 % and
# 25.0 -> 22.5 %).
SELECTOR_WEIGHT = 0.15        # topic score = embedding similarity + weight * selector confidence
ANSWER_SCORE = 0.75           # at or above: answer the best topic
ANSWER_MARGIN = 0.08          # ... when it leads every topic citing other sections by this much
DID_YOU_MEAN_SCORE = 0.65     # at or above (and below ANSWER_SCORE): offer the closest topics
PASSAGE_SCORE = 0.85          # a passage at least this similar is quoted as the closest passage
SCENARIO_SIMILARITY = 0.36    # a situation scoring this against a scenario gets its advice (situations.closest)
PASSAGE_LEAD = 0.10           # a relevant passage answers unless the best topic beats it by more
UNKNOWN_TERM_PENALTY = 0.15   # a rare word the documents never use: answer only a very close topic
OUT_OF_SCOPE_PENALTY = 0.15   # codes, money, a state's rules, laws, pay, HR (bot/knowledge/scope.py)
TOPIC_OVER_PASSAGE = -0.05    # a topic must not trail a passage from a section it doesn't cite by more
PASSAGE_SHARED_WORDS = 2      # a passage must use this many of the question's specific words
TOPIC_OVER_SITUATION = 0.85   # a "what do we do?" message a topic fits this well gets the topic
DEFINITION_FOCUS_PENALTY = 0.2   # a "when / must / can ...?" question and a topic that only defines the thing it names
DISAGREE_MARGIN = 1.0         # the selector's first choice is another topic: always ask (did you mean)

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
        "support": support_text(item.get("support")),
    }


MAX_SUPPORT_QUOTES = 5


def support_text(support) -> str:
    """The verbatim quotes behind an answer, with their sources, for "Where is that from?";
    None when there are none. `support` is a topic's {answer: [Q], more: [Q], example: [Q]}
    (answer quotes first) or a plain list of Q = {doc, section, quote}."""
    if isinstance(support, dict):
        items = [q for part in ("answer", "more", "example") for q in support.get(part) or []]
    else:
        items = list(support or [])
    quotes, seen = [], set()
    for item in items:
        if isinstance(item, dict) and item.get("quote") and item["quote"] not in seen:
            seen.add(item["quote"])
            quotes.append(item)
    if not quotes:
        return None
    lines = ["The documents say:"]
    lines += [f"- \"{q['quote'].strip()}\" ({sources.cite(q)})" for q in quotes[:MAX_SUPPORT_QUOTES]]
    return "\n".join(lines)


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
    buttons = [{"title": load()[key]["title"], "payload": payload} for key, payload in MAIN_TOPICS]
    return {"text": _with_quiz_reminder(text, quiz), "buttons": buttons, "context": None}


# Who usually answers what the documents leave open, by what the question is about.
WHO_CAN_ANSWER = [
    (("certif", "credential", "licens", "exam", "test to become", "ccar", "cprs", "cpra", "casac",
      "renew", "continuing education", "ceu", "reciprocity"),
     "your state's peer certification board"),
    (("pay", "salary", "wage", "benefit", "insurance", "leave", "vacation", "hire", "hiring",
      "background check", "fired", "overtime", "hours", "job posting", "union", "pto", "sick day",
      "dental", "grievance", "dress code", "paycheck"),
     "your agency's HR office"),
    (("report", "mandat", "law", "legal", "hipaa", "42 cfr", "consent", "release", "subpoena",
      "billing", "bill ", "code", "medicaid", "medicare", "reimburs", "audit", "liabil", "policy",
      "regulat", "state law", "state rule", "abuse", "suicid"),
     "your agency's compliance office"),
]


def who_can_answer(text: str) -> str:
    lowered = f" {(text or '').lower()} "
    for cues, who in WHO_CAN_ANSWER:
        if any(cue in lowered for cue in cues):
            return who
    return "your supervisor"


def not_covered(question: str, quiz=None, close=()) -> dict:
    """Nothing in the documents is close enough: say so plainly, and who usually knows."""
    who = who_can_answer(question)
    others = [w for w in ("your supervisor", "your agency's HR or compliance office",
                          "your state's peer certification board")
              if w != who and not (w.startswith("your agency's") and who.startswith("your agency's"))]
    text = (f"The five documents I work from don't cover that, and I'd rather not guess. "
            f"{who[0].upper() + who[1:]} is the usual place to ask (otherwise "
            f"{' or '.join(others)}). I can answer questions about peer roles, values, boundaries, "
            f"self-disclosure, supervision and hiring peers.")
    if close:
        text += " These topics are the nearest I have:"
        buttons = [{"title": load()[key]["title"], "payload": topic_payload(key)} for key in close]
    else:
        buttons = [{"title": load()[key]["title"], "payload": payload} for key, payload in MAIN_TOPICS[:3]]
    return {"text": _with_quiz_reminder(text, quiz), "buttons": buttons, "context": None}


def did_you_mean(keys: list, quiz=None) -> dict:
    text = ("I don't have an answer that clearly fits, and I'd rather not guess. Did you mean one of "
            "these? (If none of them is it, the documents may not cover your question; your "
            "supervisor is then the one to ask.)")
    buttons = [{"title": load()[key]["title"], "payload": topic_payload(key)} for key in keys]
    return {"text": _with_quiz_reminder(text, quiz), "buttons": buttons, "context": None}


def topic_payload(key: str) -> str:
    """A button payload that answers exactly this topic (the intent is given, not guessed)."""
    return f'/faq{{"topic": "{key}"}}'


def _with_quiz_reminder(text: str, quiz) -> str:
    return f"{text}\n\n{QUIZ_REMINDER}" if quiz_active(quiz) else text


def passage_answer(passage, question: str, also=(), quiz=None) -> dict:
    source = sources.source_line([{"doc": passage.doc, "section": passage.section}])
    text = (f"I have no prepared answer to that. The closest passage in the documents is this one, "
            f"from {sources.cite({'doc': passage.doc, 'section': passage.section})}. It is what the "
            f"documents say nearest to your question, not a full answer:\n\n\"{passage.quote}\"")
    if also:
        text += "\n\nOr did you mean one of these topics?"
    context = {"title": f"Passage: {passage.section}", "source": source, "more": None,
               "example": None, "why": None,
               "support": support_text([{"doc": passage.doc, "section": passage.section,
                                         "quote": passage.quote}])}
    buttons = [{"title": load()[key]["title"], "payload": topic_payload(key)} for key in also]
    buttons.append(dict(FOLLOW_UP_BUTTONS["source"]))
    return {"text": _with_quiz_reminder(f"{text}\n\n{source}", quiz), "buttons": buttons,
            "context": context}


def requested_topic(message: dict):
    """The topic a "did you mean" button named (/faq{"topic": "<key>"}), if any."""
    for entity in (message or {}).get("entities") or []:
        if entity.get("entity") == "topic" and entity.get("value") in load():
            return entity["value"]
    return None


def warm_up() -> None:
    """Load the meaning model and build the topic, passage, scenario and routing indexes now
    (a few seconds cold, well under one with var/ caches) rather than on the first question."""
    from bot.knowledge import passages, routing, situations, topics

    topics.vector("warm up")   # loads the model
    topics.index()
    passages.index()
    passages.vocabulary()
    passages.common_words()
    situations.index()
    routing.task_classifier()


def is_task(text: str) -> bool:
    """Whether the text describes a task or duty for the grader (not a question or situation)."""
    from bot.knowledge import routing
    return routing.kind(text) == "task"


def reply_to_task_or_question(latest_message: dict, quiz=None) -> dict:
    """What the NLU sent to the grader: a described task gets its verdict; a question, a
    situation, or anything the grader finds no task in is answered as a question."""
    from bot.grading import chat_reply, job_description_reply   # loads the grader on first use

    latest_message = _without_greeting(latest_message)
    text = (latest_message or {}).get("text") or ""
    pasted = job_description_reply(text)
    if pasted is not None:
        return pasted
    if is_task(text):
        reply = chat_reply(text)
        if reply["context"] is not None or not text.strip():
            return reply
    return reply_to_question(latest_message, quiz)


def _without_greeting(message: dict) -> dict:
    """The message with a leading "Hi," or "quick question:" taken off its text."""
    from bot.grading.framing import without_greeting

    text = (message or {}).get("text") or ""
    kept = without_greeting(text)
    return message if kept == text else {**message, "text": kept}


ACKNOWLEDGEMENT = re.compile(r"^\s*((ok|okay|k|kk|lol|haha|cool|great|nice|sure|alright|all right|got it|gotcha|i see|"
                             r"makes sense|understood|yep|yeah|yes|no worries|fine|perfect|awesome|thanks|"
                             r"thank you|thx|ty)[\s,.!]*)+$", re.I)


def acknowledged(quiz=None) -> dict:
    """"ok", "lol ok", "got it": nothing was asked, so nothing is answered."""
    text = ("Okay. Anything else? Ask about peer roles, values, boundaries or self-disclosure, paste a "
            "duty to check, or start a quiz or a practice scenario.")
    buttons = [{"title": load()[key]["title"], "payload": payload} for key, payload in MAIN_TOPICS[:3]]
    return {"text": _with_quiz_reminder(text, quiz), "buttons": buttons, "context": None}


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def last_question(text: str):
    """The last sentence when a message of several sentences ends with a question, else None."""
    sentences = [s for s in SENTENCE_END.split(text or "") if s.strip()]
    if len(sentences) < 2:
        return None
    from bot.knowledge.routing import IS_A_QUESTION
    from bot.knowledge.passages import tokens
    last = sentences[-1].strip()
    # "What do I tell her?" names no subject of its own: the whole message is the question.
    return last if IS_A_QUESTION.search(last) and len(tokens(last)) >= 2 else None


def is_gibberish(text: str) -> bool:
    words = [w for w in (text or "").split() if any(ch.isalpha() for ch in w)]
    return len(words) < 2


THRESHOLDS = {"answer": ANSWER_SCORE, "margin": ANSWER_MARGIN, "did_you_mean": DID_YOU_MEAN_SCORE,
              "passage": PASSAGE_SCORE, "passage_lead": PASSAGE_LEAD, "scenario": SCENARIO_SIMILARITY,
              "over_passage": TOPIC_OVER_PASSAGE, "shared": PASSAGE_SHARED_WORDS,
              "disagree_margin": DISAGREE_MARGIN, "topic_over_situation": TOPIC_OVER_SITUATION}


def evidence(latest_message: dict) -> dict:
    """Everything the choice of reply rests on, computed once: the text, the topic ranking
    (similarity and selector confidence), the best passage, the closest scenario, and signs
    the documents can't answer it (rare words, out-of-document subjects)."""
    from bot.knowledge import passages, routing, scope, situations, topics

    message = latest_message or {}
    text = (message.get("text") or "").strip()
    found = {"text": text, "chosen": requested_topic(message), "gibberish": is_gibberish(text)}
    if found["chosen"] or found["gibberish"]:
        return found
    found["advice"] = routing.is_situation(text)
    found["scenario"] = situations.closest(text) if found["advice"] else (None, 0.0)
    found["similarities"] = topics.similarities(text)
    asked = last_question(text)
    if asked:
        # "I'm a nurse and new here. What is a peer specialist exactly?": the question, without the preamble.
        own = topics.similarities(asked)
        found["similarities"] = {key: max(score, own[key]) for key, score in found["similarities"].items()}
    found["selector"] = topics.selector_confidences(message)
    found["passage"] = passages.best(text)
    found["unknown"] = passages.unknown_terms(text)
    found["scope"] = scope.cues(text)
    return found


@lru_cache(maxsize=4096)
def _cites_text(key: str, doc: str, text: str) -> bool:
    from bot import documents

    for source in load()[key]["sources"]:
        if source["doc"] != doc:
            continue
        try:
            body = documents.normalise(documents.section_text(doc, source["section"]))
        except KeyError:
            continue
        if documents.normalise(text) in body:
            return True
    return False


def cites_passage(key: str, passage) -> bool:
    """Whether a topic cites the section a passage sits in (they then say the same thing)."""
    return passage is not None and _cites_text(key, passage.doc, passage.text)


@lru_cache(maxsize=1)
def _sections_of() -> dict:
    return {key: {(s["doc"], s["section"]) for s in item["sources"]} for key, item in load().items()}


def rival_score(ranking: list) -> float:
    """The best score of a topic that cites none of the leading topic's sections: a close
    neighbour citing the same section answers the same way, a different one is a real rival."""
    sections = _sections_of()
    lead = sections.get(ranking[0][0], set())
    return next((score for key, score in ranking[1:] if not sections.get(key, set()) & lead), 0.0)


def signals_agree(found: dict, key: str) -> bool:
    """Whether the topic about to be answered is also the ResponseSelector's first choice
    (true when there is no selector ranking, e.g. without a trained model). On the dev sets,
    answers the selector did not pick were wrong more often than right."""
    selector = found.get("selector") or {}
    return not selector or max(selector, key=selector.get) == key


@lru_cache(maxsize=None)
def topic_words(key: str) -> frozenset:
    """The stems of the specific words a topic's title, answer, more and NLU examples use."""
    from bot.knowledge import passages, topics

    item = load()[key]
    text = " ".join([item["title"], item["answer"], item.get("more") or "",
                     *topics.nlu_examples().get(key, [])])
    return frozenset(passages.stem(w) for w in passages.content_words(text))


def passage_more_specific(key: str, passage, limits: dict) -> bool:
    """A relevant passage from a section the topic doesn't cite, using a word of the question
    the topic never uses ("role delineation study", "technology"): the topic is near, the
    passage is what was asked."""
    from bot.knowledge.passages import stem

    return (passage_is_relevant(passage, limits) and not cites_passage(key, passage)
            and any(stem(w) not in topic_words(key) for w in passage.shared))


def passage_is_relevant(passage, limits: dict) -> bool:
    """A passage answers only when it is clearly about the question: close in meaning, ranked
    near the top by both meaning and BM25, and using the question's own specific words."""
    return (passage is not None and passage.score >= limits["passage"] and passage.agree
            and len(passage.shared) >= limits["shared"])


NOT_WHAT_QUESTION = re.compile(r"^\s*(when|why|where|how (many|much|long|often|can|do|does|should|would)|must|should|"
                               r"can|could|will|would|do|does|did|is it|are there|is there|has|have)\b", re.I)


def asks_beyond_definition(text: str, key: str) -> bool:
    """A topic that says what something is ("Recovery coach") answers "what is a recovery
    coach?", not "when should you use one?" or "must coaches work evenings?": the named thing
    pulls every question about it toward its definition."""
    return bool(load()[key].get("defines")) and bool(NOT_WHAT_QUESTION.match(text or ""))


def decide(found: dict, thresholds: dict = None, selector_weight: float = None) -> tuple:
    """(kind, what): ("topic", key), ("situation", scenario), ("passage", (passage, [keys])),
    ("did_you_mean", [keys]), ("not_covered", [keys]) or ("not_sure", None).

    Precision first: a topic answers only when it clears the bar AND leads its rivals (other
    topics, and a passage from a section it doesn't cite) by a margin; a passage only when it is
    clearly relevant; a question about codes, money, one state's rules, laws, pay or HR, or
    naming a word the documents never use, gets a topic only on a very strong match and never a
    passage. Anything else is "did you mean" or an honest "not covered"."""
    limits = {**THRESHOLDS, **(thresholds or {})}
    weight = SELECTOR_WEIGHT if selector_weight is None else selector_weight
    if found.get("chosen"):
        return "topic", found["chosen"]
    if found.get("gibberish"):
        return "not_sure", None
    cues = found.get("scope") or []
    scenario, similarity = found["scenario"]
    legal = "law" in cues   # "what should the peer do if a client discloses abuse?" is a legal duty
    situation = found["advice"] and similarity >= limits["scenario"] + (OUT_OF_SCOPE_PENALTY if legal else 0.0)
    ranking = sorted(((key, sim + weight * found["selector"].get(key, 0.0))
                      for key, sim in found["similarities"].items()), key=lambda r: r[1], reverse=True)
    best_key, best_score = ranking[0]
    rival = rival_score(ranking)
    close = [key for key, score in ranking[:3] if score >= limits["did_you_mean"]]
    passage = found["passage"]
    passage_score = passage.score if passage is not None else 0.0
    competing_passage = 0.0 if cites_passage(best_key, passage) else passage_score
    outside = bool(found["unknown"] or cues)
    bar = limits["answer"] + (UNKNOWN_TERM_PENALTY if found["unknown"] else 0.0) \
        + (OUT_OF_SCOPE_PENALTY if cues else 0.0) \
        + (DEFINITION_FOCUS_PENALTY if asks_beyond_definition(found["text"], best_key) else 0.0)
    margin = limits["margin"] if signals_agree(found, best_key) else limits["disagree_margin"]
    more_specific = passage_more_specific(best_key, passage, limits)
    topic_fits = (best_score >= bar and best_score - rival >= margin and not more_specific
                  and best_score - competing_passage >= limits["over_passage"])
    if situation:
        # "What do we do if a peer worker relapses?" asks an agency question a topic answers.
        if topic_fits and best_score >= limits["topic_over_situation"]:
            return "topic", best_key
        return "situation", scenario
    if topic_fits:
        return "topic", best_key
    if outside:
        return "not_covered", close
    if passage_is_relevant(passage, limits) and passage_score - best_score >= -limits["passage_lead"]:
        return "passage", (passage, close)
    if close:
        return "did_you_mean", close
    return "not_covered", None


def reply_to_question(latest_message: dict, quiz=None) -> dict:
    """Answer a question (see the module docstring for the order).
    Returns {"text", "buttons", "context" (None when nothing was answered)}.
    A duty typed as a statement, the way a job description lists it ("Serve as representative
    payee for participants"), goes to the grader whatever intent the NLU gave it; a question
    never does (no question is answered with a verdict)."""
    from bot.grading import chat_reply, job_description_reply
    from bot.knowledge import routing, situations

    latest_message = _without_greeting(latest_message)
    text = (latest_message or {}).get("text") or ""
    if ACKNOWLEDGEMENT.match(text):
        return acknowledged(quiz)
    pasted = None if quiz_active(quiz) else job_description_reply(text)
    if pasted is not None:
        return pasted
    if not quiz_active(quiz) and not routing.IS_A_QUESTION.search(text) and is_task(text):
        reply = chat_reply(text)
        if reply["context"] is not None:
            return reply
    found = evidence(latest_message)
    kind, what = decide(found)
    if kind == "topic":
        return answer(what, quiz)
    if kind == "situation":
        reply = situations.advice(what)
        return {**reply, "text": _with_quiz_reminder(reply["text"], quiz)}
    if kind == "passage":
        return passage_answer(what[0], found["text"], what[1], quiz)
    if kind == "did_you_mean":
        return did_you_mean(what, quiz)
    if kind == "not_covered":
        return not_covered(found["text"], quiz, what or [])
    return not_sure(quiz)


NOTHING_TO_FOLLOW_UP = ("I don't have anything to follow up on yet. Ask me a question about "
                        "peer support work first, for example \"what are the peer values?\".")


def reply_to_follow_up(intent: str, latest_message: dict, context, quiz=None) -> dict:
    """A follow-up intent, unless the message names a subject of its own: then it is a new
    question ("tell me more about mutuality", "our peer keeps saying 'mutuality' - what's
    that about?"). Returns {"text", "buttons", "context" (None: keep the slot)}."""
    from bot.knowledge import routing, topics

    text = (latest_message or {}).get("text") or ""
    own = routing.subject_words(text)
    if own and (len(own) >= 3 or not isinstance(context, dict) or not context.get("title")
                or max(topics.similarities(text).values()) >= DID_YOU_MEAN_SCORE):
        return reply_to_question(latest_message, quiz)
    return {**follow_up(intent, context, quiz), "context": None}


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
        if context.get("support"):
            text = f"{context['support']}\n\n{text}"
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
