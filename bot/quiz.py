"""Scenario quiz engine, free of Rasa.

The whole quiz lives in one JSON-serialisable dict (the `quiz` slot), so it survives a
server restart when the tracker store is SQL. Every operation takes that dict and the
task bank ({id: Task}) and returns a Turn: the new state, the messages to show, the
`context` for follow-ups ("why?", "where is that from?") and, for assigned quizzes, the
answer to write to the results store.

State keys: status (active|finished|stopped|pending), mode (practice|assignment), topic,
items (ordered ids), results ([{id, answer, expected, correct}]), seen (ids shown in this
conversation, so a new practice quiz avoids them), and for assignments code, title,
attempt_id, trainee.
"""
import random
import re
from dataclasses import dataclass, field
from typing import Optional

from bot.sources import source_line

VERDICTS = ("in_role", "out_of_role", "depends")
VERDICT_LABELS = {"in_role": "in role", "out_of_role": "out of role", "depends": "it depends"}
ANSWER_BUTTONS = [
    {"title": "In role", "payload": "in role"},
    {"title": "Out of role", "payload": "out of role"},
    {"title": "Depends", "payload": "it depends"},
]
START_BUTTON = {"title": "Start a quiz", "payload": "start a quiz"}
SKIPPED = "skipped"

DEFAULT_LENGTH = 5
MAX_LENGTH = 20

TOPICS = ("roles", "values", "boundaries", "self_disclosure", "co_optation", "services", "job_duties")
TOPIC_LABELS = {
    "roles": "peer roles", "values": "peer values", "boundaries": "boundaries",
    "self_disclosure": "self-disclosure", "co_optation": "co-optation",
    "services": "peer services", "job_duties": "job duties",
}
# Words in a quiz request that name a topic; matched on the normalised text (see _norm).
TOPIC_WORDS = [
    ("self_disclosure", r"self ?disclos\w*|disclos\w*|sharing (my|your|their|one's) (own )?story|lived experience"),
    ("co_optation", r"co ?opt\w*"),
    ("boundaries", r"boundar\w*|dual relationships?|friendships?"),
    ("values", r"values?"),
    ("services", r"services?|billable"),
    ("job_duties", r"job duties|duties|job descriptions?|paperwork"),
    ("roles", r"roles?|is and is not|what peers do"),
]
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "a couple of": 2, "a few": 3,
}


@dataclass
class Turn:
    state: Optional[dict]
    messages: list = field(default_factory=list)  # [{"text": str, "buttons": [...]}]
    context: Optional[dict] = None
    record: Optional[dict] = None  # {item_id, answer, expected, correct} for the store


def _msg(text, buttons=None):
    return {"text": text, "buttons": buttons or []}


def _norm(text: str) -> str:
    """Lower case, "n't" -> " not", hyphens and punctuation -> spaces, single spaces."""
    text = (text or "").lower().replace("’", "'")
    text = re.sub(r"\bcan't\b|\bcannot\b", "can not", text)
    text = re.sub(r"\bwon't\b", "will not", text)
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- reading what users type

def parse_request(text: str) -> dict:
    """"quiz me on boundaries, 3 questions" -> {"topic": "boundaries", "length": 3}."""
    t = _norm(text)
    topic = None
    for name, pattern in TOPIC_WORDS:
        if re.search(rf"\b({pattern})\b", t):
            topic = name
            break
    length = None
    digits = re.search(r"\b(\d{1,3})\b", t)
    if digits:
        length = int(digits.group(1))
    else:
        for word, n in NUMBER_WORDS.items():
            if re.search(rf"\b{word}\b", t):
                length = n
                break
        else:
            if re.search(r"\b(short|quick)\b", t):
                length = 3
            elif re.search(r"\blong\b", t):
                length = 10
    if length is not None:
        length = max(1, min(length, MAX_LENGTH))
    return {"topic": topic, "length": length}


_WH_QUESTION = r"(what|why|how|where|who|when|which|tell me|can you|could you|explain)\b"
_UNSURE = r"\b(i do not know|do not know|dunno|no idea|not sure|no clue|unsure|idk)\b"
_DEPENDS = (r"\b(depend\w*|maybe|it varies|sometimes|case by case|gr[ae]y area|not always|either way|"
            r"ask (a |the |my |your |their )?(peer )?supervisor|check with (a |the |my )?supervisor)\b")
_ROLE = r"(the |their |a |his |her |my |our |your |peer'?s? |peer )*(role|job|lane|duties)"
_OUT_EXPLICIT = rf"\b(out ?of|outside( of)?|beyond|not( in| within| part of)?|never( in| part of)?) {_ROLE}\b"
_IN_EXPLICIT = rf"\b(in|within|part of|inside) {_ROLE}\b"
_OUT = (r"\b(co ?opt\w*|no|nope|nah|not (ok|okay|allowed|appropriate|acceptable|fine|right|"
        r"their (place|call|business))|inappropriate|should not|shouldn't|must not|can not|"
        r"may not|not supposed|wrong|drift\w*|violat\w*|crosses?( a| the)? (line|boundary)|"
        r"out of bounds|off limits|not a peer thing|absolutely not|definitely not|never|clinical|"
        r"not peer (work|support)|dual relationship|conflict of interest|boundary (issue|problem)|"
        r"(counselor|clinician|therapist|case manager|doctor|nurse|sponsor)'?s? (job|role|work))\b")
_IN = (r"\b(yes|yeah|yep|yup|sure|ok|okay|fine|allowed|appropriate|acceptable|can do|"
       r"could do|should do|of course|totally|definitely|absolutely|that's right|good|sounds right|"
       r"peer work|peer support|(their|a peer'?s?|the peer'?s?) (job|role)|what peers (do|are for))\b")


def parse_answer(text: str) -> Optional[str]:
    """A quiz answer in the user's words -> "in_role" | "out_of_role" | "depends" | None.

    Explicit role phrases win ("no, it's in role" -> in_role); then yes/no style cues,
    the earliest one deciding ("no, a peer can't" -> out_of_role). "Not sure" -> None.
    """
    t = _norm(text)
    if not t or re.search(_UNSURE, t) or re.match(_WH_QUESTION, t):
        return None
    if re.search(_DEPENDS, t):
        return "depends"
    if re.search(r"\bnot (out ?of|outside( of)?) " + _ROLE, t):
        return "in_role"
    if re.search(_OUT_EXPLICIT, t):
        return "out_of_role"
    if re.search(_IN_EXPLICIT, t):
        return "in_role"
    out_at = [m.start() for m in re.finditer(_OUT, t)]
    in_at = [m.start() for m in re.finditer(_IN, re.sub(_OUT, lambda m: " " * len(m.group()), t))]
    if out_at and (not in_at or out_at[0] <= in_at[0]):
        return "out_of_role"
    if in_at:
        return "in_role"
    return None


CODE_RE = re.compile(r"\b([a-z]{3})-?([a-z0-9]{4})\b", re.IGNORECASE)


def find_code(text: str, lenient: bool = False) -> Optional[str]:
    """The quiz code in a message ("my code is bnd7k4q" -> "BND-7K4Q"), or None.

    A code has a digit or is typed in capitals, so words like "quizzes" or "non-peer"
    are not codes. `lenient` (the user said they are giving a code) also accepts a
    lower-case code with its dash, or a message that is nothing but the code.
    """
    text = text or ""
    candidates = []
    for m in CODE_RE.finditer(text):
        raw = m.group(0)
        if any(c.isdigit() for c in raw) or raw.isupper():
            rank = 0
        elif lenient and ("-" in raw or raw.strip() == text.strip()):
            rank = 1
        else:
            continue
        candidates.append((rank, m.start(), f"{m.group(1)}-{m.group(2)}".upper()))
    return min(candidates)[2] if candidates else None


_NAME_PREFIX = re.compile(r"^(hi|hello|hey)?[\s,]*(my name is|my name's|name is|i am|i'm|it's|this is|call me)\s+", re.I)
_QUESTION_START = re.compile(r"^(what|how|why|when|where|who|which|is|are|can|could|do|does|should|would|will)\b", re.I)
# Words that show a message is a request, not a name ("start a quiz" typed when asked for one).
_NOT_NAME_WORDS = {"quiz", "start", "stop", "skip", "repeat", "help", "please", "the", "is", "me", "you",
                   "code", "result", "results", "peer", "peers", "role", "thanks", "hello", "hi", "want",
                   "a", "an", "my", "practice", "practise", "rehearse", "rehearsal", "scenario", "scenarios",
                   "boundary", "boundaries", "onboarding", "lesson", "lessons", "continue", "next", "task"}
MAX_NAME_LENGTH = 80


_CANCEL = re.compile(r"^\s*(stop|cancel|quit|exit|never ?mind|forget it)\b[\w\s]{0,20}[.!]?\s*$", re.I)


def is_cancel(text: str) -> bool:
    """A short 'stop' / 'cancel' / 'never mind' typed where a name was asked for."""
    return bool(_CANCEL.match(text or ""))


def clean_name(text: str):
    """(name, None) for a plausible person's name, else (None, message saying why not)."""
    name = re.sub(r"\s+", " ", (text or "")).strip().strip(".!")
    name = _NAME_PREFIX.sub("", name).strip()
    if not name:
        return None, "I didn't get a name. What name should your trainer see on your results?"
    if len(name) > MAX_NAME_LENGTH or len(name.split()) > 6:
        return None, "That's longer than a name. Please type just your first and last name."
    if "?" in name or _QUESTION_START.match(name):
        return None, ("That sounds like a question; I'll gladly answer it after the quiz. "
                      "First, what name should your trainer see on your results? (Or say \"stop\" to cancel.)")
    if set(name.lower().split()) & _NOT_NAME_WORDS:
        return None, ("That doesn't look like a name. What name should your trainer see on your results? "
                      "(Or say \"stop\" to cancel.)")
    if not re.fullmatch(r"[^\W\d_]+([ '.\-][^\W\d_]*)*", name):
        return None, "Names can only have letters, spaces, hyphens and apostrophes. What name should your trainer see?"
    return name, None


# ---------------------------------------------------------------- starting quizzes

def is_active(state) -> bool:
    return bool(state) and state.get("status") == "active"


def new_quiz(tasks, topic=None, length=None, seen=(), rng=None) -> dict:
    """A practice quiz: `length` tasks (of `topic` if given) in random order, unseen first."""
    rng = rng or random.Random()
    length = length or DEFAULT_LENGTH
    pool = [t for t in tasks if topic is None or t.topic == topic]
    seen = set(seen)
    fresh = [t.id for t in pool if t.id not in seen]
    again = [t.id for t in pool if t.id in seen]
    rng.shuffle(fresh)
    rng.shuffle(again)
    items = (fresh + again)[:length]
    return {
        "status": "active", "mode": "practice", "topic": topic, "items": items,
        "results": [], "seen": sorted(seen | set(items)),
    }


def start(tasks, text: str, previous=None, rng=None) -> Turn:
    """"start a quiz" / "quiz me on boundaries, 3 questions": a new practice quiz, first item."""
    request = parse_request(text)
    topic, length = request["topic"], request["length"] or DEFAULT_LENGTH
    notes = []
    if previous and previous.get("mode") == "assignment" and previous.get("status") == "active":
        notes.append(f"Your assigned quiz is paused and your answers are saved: type your code "
                     f"{previous.get('code')} again to continue it.")
    if topic and not any(t.topic == topic for t in tasks):
        notes.append(f"I have no scenarios on {TOPIC_LABELS[topic]} yet, so this quiz mixes all topics.")
        topic = None
    state = new_quiz(tasks, topic, length, (previous or {}).get("seen", []), rng)
    if not state["items"]:
        return Turn(previous, [_msg("Sorry, the scenario bank is empty, so I can't run a quiz right now.")])
    n = len(state["items"])
    about = f" on {TOPIC_LABELS[topic]}" if topic else ""
    intro = f"Here's a {n}-question quiz{about}."
    if n < length:
        intro = f"I have {n} scenario{'s' if n != 1 else ''}{about}, so the quiz has {n}."
    intro += (" For each scenario, say whether it's in a peer's role, out of role, or whether it depends. "
              "You can say \"skip\", \"repeat\", \"why?\" or \"stop the quiz\" at any time.")
    return Turn(state, [_msg(" ".join(notes + [intro])), current_prompt(state, _bank(tasks))])


def assignment_quiz(code, title, attempt, trainee, bank) -> dict:
    """The quiz for one stored attempt: its items in order, earlier answers counted."""
    answered = {str(k): bool(v) for k, v in (attempt.answered or {}).items()}
    results = [{"id": i, "answer": None, "expected": _verdict_of(bank, i), "correct": answered[i]}
               for i in attempt.item_ids if i in answered]
    items = [i for i in attempt.item_ids if i in bank or i in answered]
    state = {
        "status": "active", "mode": "assignment", "topic": None, "items": items,
        "results": results, "seen": [], "code": code, "title": title,
        "attempt_id": attempt.attempt_id, "trainee": trainee,
    }
    if _current_id(state) is None:
        state["status"] = "finished"
    return state


def _bank(tasks):
    return {t.id: t for t in tasks}


def _verdict_of(bank, item_id):
    task = bank.get(item_id)
    return task.verdict if task else None


# ---------------------------------------------------------------- during a quiz

def _current_id(state):
    done = {r["id"] for r in state.get("results", [])}
    return next((i for i in state.get("items", []) if i not in done), None)


def current_prompt(state, bank) -> dict:
    item_id = _current_id(state)
    task = bank[item_id]
    number = len(state["results"]) + 1
    return _msg(f"Scenario {number} of {len(state['items'])}: {task.text}\n"
                f"In role, out of role, or does it depend?", ANSWER_BUTTONS)


def _no_quiz(state, what) -> Turn:
    if state and state.get("status") == "pending":
        return Turn(state, [_msg("I need your name before the quiz starts, so it can't be skipped: it's how "
                                 "your trainer finds your answers.")])
    hint = {
        "answer": "There's no quiz running right now, so there's nothing to answer.",
        "skip": "There's nothing to skip: no quiz is running right now.",
        "repeat": "There's no quiz question to repeat right now.",
        "stop": "There's no quiz running, so there's nothing to stop.",
    }[what]
    return Turn(state, [_msg(f"{hint} Want to start one? Or describe a task and I'll tell you whether "
                             f"it's in a peer's role.", [START_BUTTON])])


def answer(state, text: str, bank) -> Turn:
    """Grade the user's answer to the current item, explain it, then show the next item
    or the summary. An answer we can't read is re-asked without penalty."""
    if not is_active(state):
        return _no_quiz(state, "answer")
    verdict = parse_answer(text)
    if verdict is None:
        prompt = current_prompt(state, bank)
        return Turn(state, [_msg("I didn't catch an answer there. Is this in a peer's role, out of role, "
                                 "or does it depend? (Or say \"skip\".)"), prompt])
    item_id = _current_id(state)
    task = bank[item_id]
    correct = verdict == task.verdict
    result = {"id": item_id, "answer": verdict, "expected": task.verdict, "correct": correct}
    state = _with_result(state, result)
    lead = ("Correct" if correct else "Not quite") + f": this is {VERDICT_LABELS[task.verdict]}."
    if not correct:
        lead = f"Not quite: you said {VERDICT_LABELS[verdict]}, but this is {VERDICT_LABELS[task.verdict]}."
    feedback = _msg("\n".join([f"{lead} {_explanation(task)}", source_line(task.sources)]))
    return Turn(state, [feedback] + _next(state, bank), context=context_for(task),
                record=_record(result))


def skip(state, bank) -> Turn:
    if not is_active(state):
        return _no_quiz(state, "skip")
    task = bank[_current_id(state)]
    result = {"id": task.id, "answer": SKIPPED, "expected": task.verdict, "correct": False}
    state = _with_result(state, result)
    text = (f"Skipped. For the record, that one is {VERDICT_LABELS[task.verdict]}: {_explanation(task)}\n"
            f"{source_line(task.sources)}")
    return Turn(state, [_msg(text)] + _next(state, bank), context=context_for(task), record=_record(result))


def repeat(state, bank) -> Turn:
    if not is_active(state):
        return _no_quiz(state, "repeat")
    return Turn(state, [current_prompt(state, bank)])


def stop(state, bank) -> Turn:
    if state and state.get("status") == "pending":
        return Turn(dict(state, status="stopped"),
                    [_msg("OK, cancelled. Type your quiz code again whenever you're ready.")])
    if not is_active(state):
        return _no_quiz(state, "stop")
    state = dict(state, status="stopped")
    messages = []
    if state["mode"] == "assignment":
        messages.append(_msg(f"OK, stopped. Your answers so far are saved. To continue later, "
                             f"{_how_to_resume(state)}."))
    else:
        messages.append(_msg("OK, quiz stopped."))
    if state["results"]:
        messages.append(summary_message(state, bank))
    return Turn(state, messages)


def halt(state, reason: str) -> Turn:
    """The store refused an answer (assignment closed, ...): stop with its message."""
    return Turn(dict(state, status="stopped"), [_msg(f"{reason} The quiz has stopped.", [START_BUTTON])])


def _with_result(state, result):
    state = dict(state, results=state["results"] + [result])
    if _current_id(state) is None:
        state["status"] = "finished"
    return state


def _next(state, bank):
    if state["status"] == "finished":
        return [summary_message(state, bank)]
    return [current_prompt(state, bank)]


def _record(result):
    return {"item_id": result["id"], "answer": result["answer"], "expected": result["expected"],
            "correct": result["correct"]}


def _explanation(task) -> str:
    text = task.rationale.strip()
    if task.verdict == "out_of_role" and getattr(task, "instead", None):
        text += f" In role instead: {task.instead.strip()}"
    principle = _principle_line(task)
    if principle:
        text += f"\n{principle}"
    return text


def warm_up(tasks) -> None:
    """Grade every bank task once, so no quiz answer waits for the grader (about 1.4 s)."""
    for task in tasks:
        _principle_line(task)


def _principle_line(task):
    """The principle the role-fit grader finds for this scenario, with its quote, when it
    agrees with the scenario's verdict (the chat grader and the quiz explain alike)."""
    from bot.grading import principle_line   # loads the meaning model on first use

    return principle_line(task)


def _values(task) -> list:
    values = getattr(task, "values", None) or []
    return [values] if isinstance(values, str) else list(values)


def context_for(task) -> dict:
    """The `context` slot after a graded item, for action_follow_up."""
    more = None
    if getattr(task, "instead", None):
        more = f"What a peer would do instead: {task.instead.strip()}"
    elif _values(task):
        more = "Peer values at stake: " + ", ".join(_values(task)) + "."
    return {"title": task.text, "source": source_line(task.sources), "more": more,
            "example": None, "why": task.rationale.strip()}


# ---------------------------------------------------------------- summaries

def summary(state, bank) -> dict:
    """Score and what to review: {score, answered, skipped, total, missed: [...], review_values, review_topics}."""
    results = state.get("results", [])
    missed = [r for r in results if not r["correct"]]
    values, topics = {}, {}
    for r in missed:
        task = bank.get(r["id"])
        if task is None:
            continue
        for v in _values(task):
            values[v] = values.get(v, 0) + 1
        topics[task.topic] = topics.get(task.topic, 0) + 1
    by_count = lambda counts: [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {
        "score": sum(1 for r in results if r["correct"]),
        "answered": sum(1 for r in results if r["answer"] != SKIPPED),
        "skipped": sum(1 for r in results if r["answer"] == SKIPPED),
        "total": len(state.get("items", [])),
        "missed": [{"id": r["id"], "text": bank[r["id"]].text if r["id"] in bank else r["id"],
                    "expected": r["expected"], "answer": r["answer"]} for r in missed],
        "review_values": by_count(values),
        "review_topics": by_count(topics),
    }


def summary_message(state, bank) -> dict:
    s = summary(state, bank)
    done = s["answered"] + s["skipped"]
    head = "Quiz finished" if state.get("status") == "finished" else "So far"
    lines = [f"{head}: {s['score']} of {done} right" + (f" ({s['skipped']} skipped)." if s["skipped"] else ".")]
    if s["missed"]:
        lines.append("To look at again:")
        for m in s["missed"][:8]:
            lines.append(f"- {m['text']} -> {VERDICT_LABELS.get(m['expected'], m['expected'])}")
        review = [f"the value \"{v}\"" for v in s["review_values"][:3]]
        review += [TOPIC_LABELS.get(t, t) for t in s["review_topics"][:2]]
        lines.append("Worth reviewing: " + ", ".join(review) + ".")
    elif done:
        lines.append("No misses. Well done!")
    if state.get("mode") == "assignment" and state.get("status") == "finished":
        lines.append("Your result is saved for your trainer. Say \"show my result\" to see it again.")
    buttons = [START_BUTTON]
    if s["review_topics"]:
        topic = s["review_topics"][0]
        buttons.append({"title": f"Quiz on {TOPIC_LABELS[topic]}", "payload": f"quiz me on {TOPIC_LABELS[topic]}"})
    return _msg("\n".join(lines), buttons)


# ---------------------------------------------------------------- assigned quizzes (bot.store)
# These take the results store as an argument, so practice quizzes never touch a database.

def open_code(get_store, text: str, entity_code=None, previous=None, bank=None):
    """A trainee gave a quiz code. Returns (turn, code); code is None unless the code is a valid,
    open shared code, in which case the state is "pending" until we have the trainee's name.
    A personal code (an invite) carries the name: the quiz starts or resumes at once, and code
    is None because no name is asked."""
    from bot.store import StoreError

    code = entity_code or find_code(text, lenient=True)
    if not code:
        return Turn(previous, [_msg("Please type the quiz code your trainer gave you; it looks like BND-7K4Q.")]), None
    try:
        info = get_store().lookup(code)
    except StoreError as error:
        return Turn(previous, [_msg(str(error), [START_BUTTON])]), None
    if info.get("invite_code"):
        if bank is None:
            from bot.tasks import tasks_by_id
            bank = tasks_by_id()
        return begin_assignment(get_store, info["invite_code"], info["trainee"], bank, previous), None
    due = f", due {info['due']}" if info.get("due") else ""
    text = (f"Quiz code {info['code']}: \"{info['title']}\", {info['length']} scenarios{due}. "
            f"Each answer is saved as you give it, so you can stop and come back with the same code and name.")
    if is_active(previous) and previous.get("mode") == "practice":
        text = "I've set your practice quiz aside. " + text
    state = {"status": "pending", "mode": "assignment", "code": info["code"], "title": info["title"],
             "seen": (previous or {}).get("seen", [])}
    return Turn(state, [_msg(text)]), info["code"]


def ask_name(state) -> Turn:
    """The name form's question (the form re-asks after a rejected name)."""
    title = (state or {}).get("title")
    about = f" for \"{title}\"" if title else ""
    return Turn(state, [_msg(f"What name should your trainer see on your results{about}? "
                             f"(First and last name is best; say \"stop\" to cancel.)")])


def begin_assignment(get_store, code, name, bank, previous=None) -> Turn:
    """Start or resume the trainee's attempt and show its first unanswered item."""
    from bot.store import StoreError

    if not name or is_cancel(name):  # the trainee cancelled at the name question
        return stop(previous, bank)
    if not code:
        return Turn(previous, [_msg("I don't have a quiz code for you yet: please type the code your "
                                    "trainer gave you (it looks like BND-7K4Q).")])
    try:
        store = get_store()
        info = store.lookup(code)
        attempt = store.start_or_resume_attempt(code, name)
    except StoreError as error:
        return Turn(dict(previous or {}, status="stopped"), [_msg(str(error))])
    state = assignment_quiz(info["code"], info["title"], attempt, info.get("trainee") or name, bank)
    name = state["trainee"]
    if info.get("invite_code"):
        state["invite_code"] = info["invite_code"]
    done, total = len(state["results"]), len(state["items"])
    if state["status"] == "finished":
        store.finish_attempt(attempt.attempt_id)
        return Turn(state, [_msg(f"{name}, you've already answered all {total} scenarios of \"{info['title']}\"."),
                            summary_message(state, bank)])
    if done:
        intro = f"Welcome back, {name}. You've answered {done} of {total}; let's continue where you stopped."
    else:
        intro = (f"Thanks, {name}. \"{info['title']}\" has {total} scenarios. For each, say whether it's in a "
                 f"peer's role, out of role, or whether it depends. You can say \"skip\", \"repeat\", \"why?\" "
                 f"or \"stop the quiz\" at any time.")
    return Turn(state, [_msg(intro), current_prompt(state, bank)])


def save(get_store, previous, turn: Turn) -> Turn:
    """Write an assigned quiz's answer to the store as it is given (and finish the attempt
    after the last one). If the store refuses it, the quiz halts with the store's reason.
    `get_store` is called only for assigned quizzes."""
    from bot.store import StoreError

    state = turn.state
    if not (turn.record and state and state.get("mode") == "assignment"):
        return turn
    try:
        store = get_store()
        fresh = store.record_answer(state["attempt_id"], **turn.record)
        if state["status"] == "finished":
            store.finish_attempt(state["attempt_id"])
    except StoreError as error:
        return halt(previous, str(error))
    if not fresh:
        note = _msg("(You had already answered this one in another chat; your first answer is the one saved.)")
        turn.messages.insert(1, note)
    return turn


def _how_to_resume(state) -> str:
    if state.get("invite_code"):
        return f"open your personal link again (or type your personal code {state['invite_code']})"
    return f"type your code {state['code']} and the same name ({state['trainee']})"


def my_result(get_store, state, bank) -> Turn:
    """The caller's own result: the attempt whose id is in their quiz state, or their practice quiz."""
    from bot.store import StoreError

    if state and state.get("attempt_id"):
        try:
            r = get_store().attempt_result(state["attempt_id"])
        except StoreError as error:
            return Turn(state, [_msg(str(error))])
        lines = [f"{r['trainee']}, \"{r['title']}\": {r['score']} of {r['total']} right "
                 f"({r['answered']} answered)."]
        if not r.get("finished"):
            lines.append(f"Not finished yet: to continue, {_how_to_resume(state)}.")
        if r["missed"]:
            lines.append("To look at again:")
            for m in r["missed"][:10]:
                task = bank.get(m["item_id"])
                text = task.text if task else m["item_id"]
                lines.append(f"- {text} -> {VERDICT_LABELS.get(m['expected'], m['expected'])}")
        return Turn(state, [_msg("\n".join(lines), [START_BUTTON])])
    if state and state.get("results"):
        return Turn(state, [summary_message(state, bank)])
    return Turn(state, [_msg("I only keep results of quizzes taken in this chat, and you haven't taken one yet. "
                             "If your trainer gave you a quiz code, type it; or start a practice quiz.",
                             [START_BUTTON])])
