"""Boundary rehearsal: the assistant plays the other person, the peer replies, we coach.

State machine (the `rehearsal` slot holds the state, JSON-serialisable):
  start -> opening (turn 0) -> reply -> coaching -> escalation (turn 1) -> reply -> coaching
  -> debrief with the example reply (finished).
When the evaluator can't tell whether a reply holds the boundary, the coach asks the scenario's
one follow-up question ("Did you mean you'd keep it between you?") and coaches the reply once
the peer answers it.
Inside a rehearsal every message is the peer's reply, except a message that is, as a whole,
one of the control commands of content/rehearsal_controls.yml (hint, show me a good answer,
skip, stop, repeat, another scenario): `handle` decides which. Every function returns a Step:
the messages to send, the new state, whether the rehearsal is finished, and the `context`
(shared follow-up contract) to set, if any.
"""
import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from bot import CONTENT_DIR, reply_evaluator, sources

MAX_REPLY_CHARS = 2000
START_PAYLOAD = "practice a boundary scenario"
CONTROL_BUTTONS = [
    {"title": "Hint", "payload": "hint"},
    {"title": "Show me a good answer", "payload": "show me a good answer"},
    {"title": "Skip", "payload": "skip"},
    {"title": "Stop", "payload": "stop"},
]
POINT_NAMES = {
    "held_boundary": "held the boundary",
    "warm": "warm and non-judgmental",
    "named_value": "named the value or role",
    "offered_alternative": "offered what a peer can do instead",
    "disclosure_ok": "kept any self-disclosure brief and about them",
}
# Words in a request that pick a theme ("practice a money scenario").
THEME_WORDS = {
    "money": r"money|cash|loan|lend|borrow|dollar|rent\b|bills?\b|couch|housing|resources?",
    "self_disclosure": r"self[- ]?disclos|disclos|my story|diagnos|relapse",
    "co_optation": r"co[- ]?opt|urine|screen|compl(y|iance)|filing|paperwork|pathway",
    "dual_relationships": r"dual|friend|sponsor|relationship|dinner|case ?manager",
    "confidentiality": r"confiden|privacy|private|secret|records?\b|chart",
    "doing_for": r"doing (things )?for|do (it|things) for|forms?\b|advice|meds|medication",
}


@dataclass
class Step:
    messages: list = field(default_factory=list)  # [{"text": ..., "buttons": [...]}]
    state: dict = None
    done: bool = False
    context: dict = None


@lru_cache(maxsize=1)
def bank() -> dict:
    with open(CONTENT_DIR / "scenarios.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def scenarios() -> list:
    return bank()["scenarios"]


def scenario(scenario_id: str):
    return next((s for s in scenarios() if s["id"] == scenario_id), None)


@lru_cache(maxsize=1)
def controls() -> dict:
    with open(CONTENT_DIR / "rehearsal_controls.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def _normalise(text: str) -> str:
    """Lower-case words without punctuation or apostrophes ("I'm stuck!" -> "im stuck")."""
    text = (text or "").lower().replace("’", "'").replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9/ ]+", " ", text).replace("/", " ").split())


def _without_filler(words: str) -> str:
    for filler in sorted(controls()["filler"], key=len, reverse=True):
        words = re.sub(rf"(^| ){re.escape(filler)}(?= |$)", " ", words)
    return " ".join(words.split())


@lru_cache(maxsize=1)
def _command_phrases() -> dict:
    return {_normalise(phrase): command for command, phrases in controls()["commands"].items()
            for phrase in phrases}


def control_command(text: str):
    """"hint", "good_answer", "skip", "stop", "repeat", "restart" when the whole message is that
    command (politeness words aside), else None: then the message is the peer's reply."""
    words = _normalise(text)
    phrases = _command_phrases()
    return phrases.get(words) or phrases.get(_without_filler(words))


def follow_up_answer(text: str):
    """"yes" / "no" for a short answer to the follow-up question, else None (a longer answer is
    read together with the reply it clarifies)."""
    words = _without_filler(_normalise(text))
    if not words or len(words.split()) > 6:
        return None
    for answer, phrases in controls()["answers"].items():
        for phrase in sorted((_normalise(p) for p in phrases), key=len, reverse=True):
            if words == phrase or words.startswith(phrase + " "):
                return answer
    return None


def theme_from_text(text: str):
    lowered = (text or "").lower()
    for theme, pattern in THEME_WORDS.items():
        if re.search(pattern, lowered):
            return theme
    return None


def _theme_label(theme: str) -> str:
    return bank()["themes"].get(theme, theme.replace("_", " "))


def _rubric(sc: dict, point: str) -> dict:
    """A scenario's rubric point with the shared defaults filled in."""
    merged = dict(bank()["defaults"][point])
    merged.update((sc.get("rubric") or {}).get(point) or {})
    return merged


def _short_name(sc: dict, speaker: str = None) -> str:
    return _in_sentence((speaker or sc["speaker"]).split(",")[0].split(" (")[0])


def _in_sentence(name: str) -> str:
    """"Your supervisor" reads "your supervisor" mid-sentence; names keep their capital."""
    return name[0].lower() + name[1:] if name.startswith(("Your ", "A ", "An ")) else name


def _escalation(sc: dict, state: dict) -> dict:
    escalations = sc["escalations"]
    return escalations[state.get("escalation", 0) % len(escalations)]


def _current_line(sc: dict, state: dict):
    """(speaker, line) the peer is answering now."""
    if state.get("turn", 0) == 0:
        return sc["speaker"], sc["opening"]
    esc = _escalation(sc, state)
    return esc.get("speaker", sc["speaker"]), esc["line"]


def is_running(state) -> bool:
    return bool(isinstance(state, dict) and state.get("active") and scenario(state.get("scenario", "")))


def _context(sc: dict, why: str = None) -> dict:
    return {
        "title": f"Rehearsal: {sc['title']}",
        "source": sources.source_line(sc["sources"]),
        "more": " ".join(sc["values"]),
        "example": sc["good_reply"],
        "why": why or " ".join(sc["values"]),
    }


def _another_buttons(theme: str = None) -> list:
    buttons = [{"title": "Another scenario", "payload": START_PAYLOAD}]
    if theme:
        buttons.append({"title": f"Another on {_theme_label(theme)}",
                        "payload": f"practice a {_theme_label(theme)} scenario"})
    buttons.append({"title": "What can you do?", "payload": "what can you do?"})
    return buttons


# ---------------------------------------------------------------- start and prompts

def pick(theme: str = None, done=()) -> dict:
    """The first scenario of the theme (or of the whole bank) not practised yet; wraps around."""
    pool = [s for s in scenarios() if theme is None or s["theme"] == theme] or scenarios()
    fresh = [s for s in pool if s["id"] not in set(done)]
    return (fresh or pool)[0]


def scenario_named_in(text: str):
    """The scenario whose id a button payload names (/start_rehearsal{"scenario_id": "<id>"})."""
    found = re.search(r'"scenario_id"\s*:\s*"([a-z0-9_]+)"', text or "")
    return scenario(found.group(1)) if found else None


def start(text: str = "", previous=None) -> Step:
    previous = previous if isinstance(previous, dict) else {}
    done = [d for d in previous.get("done", []) if isinstance(d, str)]
    theme = theme_from_text(text)
    sc = scenario_named_in(text) or pick(theme, done)
    state = {
        "scenario": sc["id"],
        "active": True,
        "turn": 0,
        "asked": -1,
        "escalation": len(done) % len(sc["escalations"]),
        "labels": [],
        "points": [],
        "hints": 0,
        "done": done[-50:],
    }
    intro = (f"Let's practise. Scenario: {sc['title']} ({_theme_label(sc['theme'])}). {sc['setting']} "
             f"I'll play {_in_sentence(sc['speaker'])}; you answer as you would on the job.")
    return Step([{"text": intro}], state)


def prompt(state) -> Step:
    """What the other person says now (the form's question). Repeats the line if asked again."""
    if not is_running(state):
        return Step([{"text": "There's no scenario running right now.", "buttons": _another_buttons()}], state)
    sc = scenario(state["scenario"])
    state = dict(state)
    if state.get("pending"):
        return Step([{"text": f"{_follow_up_question(sc)} (yes or no - or say what you meant)",
                      "buttons": CONTROL_BUTTONS}], state)
    speaker, line = _current_line(sc, state)
    if state.get("asked") == state["turn"]:
        name = _short_name(sc, speaker)
        text = f"Still your turn. {name[0].upper() + name[1:]} said: \"{line}\" How do you reply?"
    elif state["turn"] == 0:
        text = f"{speaker}: \"{line}\"\nHow do you reply? Type it as you'd say it."
    else:
        lead = ("Let's replay it as if you had held the line. " if state["labels"][-1:] == ["boundary_broken"]
                else "")
        who = _short_name(sc, speaker)
        who = who[0].upper() + who[1:]  # starts a sentence
        text = f"{lead}{who} pushes back: \"{line}\"\nYour reply?"
    state["asked"] = state["turn"]
    return Step([{"text": text, "buttons": CONTROL_BUTTONS}], state)


# ---------------------------------------------------------------- replies and coaching

VERDICTS = {"good": "held the line", "boundary_broken": "crossed the line",
            "cold_judgmental": "held the line but sounded cold", "over_disclosing": "shared too much",
            "unclear": "left me unsure whether you'd hold the line"}


def _checklist(points: dict) -> str:
    marks = []
    for point, name in POINT_NAMES.items():
        value = points.get(point)
        marks.append(("? " if value is None else "✓ " if value else "✗ ") + name)
    return " · ".join(marks)


def _met_and_missed(points: dict) -> str:
    """"met: ...; missed: ..." in words, for the debrief."""
    groups = [("met", [n for p, n in POINT_NAMES.items() if points.get(p) is True]),
              ("missed", [n for p, n in POINT_NAMES.items() if points.get(p) is False]),
              ("unclear", [n for p, n in POINT_NAMES.items() if points.get(p) is None])]
    return "; ".join(f"{word}: {', '.join(names)}" for word, names in groups if names)


def _follow_up_question(sc: dict) -> str:
    return _rubric(sc, "held_boundary")["ask"]


def coach(sc: dict, evaluation) -> tuple:
    """(coaching text, sources used, why) for one evaluated reply. Praise only when the reply
    is read as holding the boundary (the evaluator's "good" needs that)."""
    name = _short_name(sc)
    points = evaluation.points
    used = []
    if evaluation.label == "good":
        head = f"Nice - that holds the line and keeps {name} with you."
        missing = [p for p in ("named_value", "offered_alternative") if points.get(p) is False]
    elif evaluation.label == "boundary_broken":
        head = "That reply crosses the line. " + _rubric(sc, "held_boundary")["coach"]
        used.append("held_boundary")
        missing = []
    elif evaluation.label == "cold_judgmental":
        head = "You held the line, but it may land as cold or judging. " + _rubric(sc, "warm")["coach"]
        used.append("warm")
        missing = [p for p in ("named_value", "offered_alternative") if points.get(p) is False]
    elif evaluation.label == "over_disclosing":
        head = "That's a lot of your own story for this moment. " + _rubric(sc, "disclosure_ok")["coach"]
        used.append("disclosure_ok")
        missing = []
    else:  # still unclear after the follow-up question
        head = ("I still can't tell whether that holds the line, so no verdict on it. "
                f"What holds it here: {_rubric(sc, 'held_boundary')['does']} " + _rubric(sc, "held_boundary")["coach"])
        used.append("held_boundary")
        missing = []
    parts = [head]
    if missing:
        parts.append("To make it stronger: " + _rubric(sc, missing[0])["coach"])
        used.append(missing[0])
    parts.append("Checklist: " + _checklist(points) + ".")
    cited = []
    for point in used:
        for s in _rubric(sc, point)["sources"]:
            if s not in cited:
                cited.append(s)
    cited = cited or sc["sources"]
    why = " ".join(parts[:2])
    return "\n".join(parts) + "\n" + sources.source_line(cited), cited, why


def _debrief(sc: dict, labels: list, points: list) -> str:
    name = _short_name(sc)
    said = ", then ".join(VERDICTS.get(label, label) for label in labels)
    if len(labels) == 2 and labels[0] == labels[1]:
        said = "both " + VERDICTS.get(labels[0], labels[0])
    if labels and labels[-1] == "good" and any(label not in ("good", "unclear") for label in labels[:-1]):
        credit = "Credit where it's due: you turned it around on the second reply - that's the skill."
    elif labels and all(label == "good" for label in labels):
        credit = f"Credit: both replies held the line and stayed warm with {name}."
    elif labels and labels[-1] == "good":
        credit = "Credit: your last reply held the line."
    else:
        credit = "Worth another try: compare your replies with the example below."
    lines = [f"Debrief - {sc['title']}: your replies {said}. {credit}"]
    for number, marks in enumerate(points, start=1):
        lines.append(f"Reply {number} - {_met_and_missed(marks)}.")
    lines.append(f"An example reply: \"{sc['good_reply']}\"")
    lines.append(sources.source_line(sc["sources"]))
    return "\n".join(lines)


def _evaluate(state: dict, sc: dict, text: str):
    """The evaluation of a reply, or of the reply a follow-up answer clarifies."""
    pending = state.pop("pending", None)
    if not pending:
        return reply_evaluator.evaluate(text, sc)
    answer = follow_up_answer(text)
    if answer:  # the question asks whether they meant to give in
        return reply_evaluator.evaluate(pending, sc, held=answer == "no")
    return reply_evaluator.evaluate(f"{pending} {text}", sc)


def reply(state, text: str) -> Step:
    """Evaluate the peer's reply to the current line (or their answer to the follow-up
    question), coach, and move on (or finish)."""
    if not is_running(state):
        return Step([{"text": "I lost track of the scenario, sorry. Let's start a fresh one when you're ready.",
                      "buttons": _another_buttons()}], state if isinstance(state, dict) else None, done=True)
    sc = scenario(state["scenario"])
    text = (text or "").strip()[:MAX_REPLY_CHARS]
    state = dict(state)
    if not text:
        return Step([{"text": "I didn't catch a reply. Type what you'd say, or ask for a hint."}], state)
    following_up = bool(state.get("pending"))
    evaluation = _evaluate(state, sc, text)
    if evaluation.unclear and not following_up:
        state["pending"] = text  # prompt() asks the follow-up question next
        return Step([{"text": "Before I coach you, one thing I can't read for sure: whether that holds "
                              "the boundary."}], state)
    coaching, _, why = coach(sc, evaluation)
    state["labels"] = list(state.get("labels", [])) + [evaluation.label]
    state["points"] = list(state.get("points", [])) + [evaluation.points]
    messages = [{"text": coaching}]
    if state["turn"] == 0:
        state["turn"] = 1
        return Step(messages, state, context=_context(sc, why))
    state.update(turn=2, active=False, done=list(state.get("done", [])) + [sc["id"]])
    messages.append({"text": _debrief(sc, state["labels"], state["points"]),
                     "buttons": _another_buttons(sc["theme"])})
    return Step(messages, state, done=True, context=_context(sc, why))


def handle(state, text: str) -> Step:
    """One message typed inside a rehearsal: a control command when the whole message is one,
    otherwise the peer's reply. Step.done means the rehearsal is over."""
    command = "restart" if scenario_named_in(text) else control_command(text)
    if command == "restart":
        previous = dict(state) if is_running(state) else state
        if is_running(state):  # "another scenario": not this one again
            previous["done"] = list(state.get("done", [])) + [state["scenario"]]
        return start(text, previous)
    if command == "repeat":
        return Step([], state)  # the form asks again, and prompt() repeats the line
    handlers = {"hint": hint, "good_answer": good_answer, "skip": skip, "stop": stop}
    if command in handlers:
        return handlers[command](state)
    return reply(state, text)


# ---------------------------------------------------------------- hint, good answer, skip, stop

def _last_scenario(state):
    if isinstance(state, dict):
        return scenario(state.get("scenario", ""))
    return None


def hint(state) -> Step:
    if not is_running(state):
        return Step([{"text": "There's no scenario running, so nothing to hint at yet. "
                              "Want to practise one?", "buttons": _another_buttons()}], state)
    sc = scenario(state["scenario"])
    state = dict(state, hints=int(state.get("hints", 0)) + 1)
    text = f"Hint: {sc['hint']}\nWhat's at stake: {sc['values'][0]}\n{sources.source_line(sc['sources'])}"
    return Step([{"text": text}], state)


def good_answer(state) -> Step:
    sc = _last_scenario(state)
    if sc is None:
        return Step([{"text": "There's no scenario yet, so no answer to show. Want to practise one?",
                      "buttons": _another_buttons()}], state)
    does = "; ".join(_rubric(sc, p)["does"].rstrip(".") for p in
                     ("held_boundary", "warm", "named_value", "offered_alternative"))
    text = (f"One good reply: \"{sc['good_reply']}\"\nWhy it works: {does}.\n"
            f"{sources.source_line(sc['sources'])}")
    if is_running(state):
        text += "\nTry it in your own words - or say skip."
    return Step([{"text": text}], state, context=_context(sc))


def skip(state) -> Step:
    if not is_running(state):
        return Step([{"text": "There's no scenario running to skip.", "buttons": _another_buttons()}], state,
                    done=True)
    sc = scenario(state["scenario"])
    state = dict(state, active=False, done=list(state.get("done", [])) + [sc["id"]])
    text = (f"Skipped \"{sc['title']}\". For next time, one way to answer it: \"{sc['good_reply']}\"\n"
            f"{sources.source_line(sc['sources'])}")
    return Step([{"text": text, "buttons": _another_buttons(sc["theme"])}], state, done=True,
                context=_context(sc))


def stop(state) -> Step:
    if not is_running(state):
        return Step([{"text": "No rehearsal is running. Come back to practise any time.",
                      "buttons": _another_buttons()}], state, done=True)
    labels = state.get("labels", [])
    held = sum(1 for marks in state.get("points", []) if marks.get("held_boundary") is True)
    summary = (f"You replied {len(labels)} time{'s' if len(labels) != 1 else ''}; "
               f"{held} of those replies held the line." if labels else "You stopped before replying.")
    state = dict(state, active=False)
    return Step([{"text": f"Rehearsal stopped. {summary} Pick it up again whenever you like.",
                  "buttons": _another_buttons()}], state, done=True)
