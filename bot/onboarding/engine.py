"""The onboarding path, free of Rasa: pre-check, six lessons each ending in a check, post-check.

The learner's place (`position`) lives in the results store (bot.onboarding.progress) and
is saved after every step, so "continue onboarding" in a new conversation, or after a
server restart, carries on where they stopped. The chat keeps only who the learner is and
whether a review session is running (the `onboarding` slot):
    {"learner_id", "name", "code", "active": bool, "review": {"items": [...], "done": [...]} | None}

position: {"phase": "pre" | "lesson" | "check" | "post" | "done", "lesson": i, "step": j, "item": k}
- pre / post: item k of the pre- or post-check is waiting for an answer;
- lesson: message j of lesson i has been shown; "next" shows j + 1, then the checks;
- check: check item k of lesson i is waiting for an answer.

Every function takes `progress` (a bot.onboarding.progress.Progress, or anything with its
methods) and `now`, and returns a Turn (new slot state, messages, follow-up context).
"""
import re
from dataclasses import dataclass, field
from typing import Optional

from bot.onboarding import lessons as content
from bot.quiz import VERDICT_LABELS, parse_answer

NEXT = {"title": "Next", "payload": "next"}
MORE = {"title": "Tell me more", "payload": "tell me more"}
STOP = {"title": "Stop for now", "payload": "stop onboarding"}
SKIP = {"title": "Skip", "payload": "skip"}
CONTINUE = {"title": "Continue onboarding", "payload": "continue onboarding"}
# The NLU's skip and ask_more intents also catch "next" and "go on": in a lesson those mean
# "next step", so only these words make them a skip, or a "go on" instead of "tell me more".
SKIP_WORDS = re.compile(r"\b(skip|pass|don'?t know|dunno|no idea|not sure)\b", re.I)
GO_ON = re.compile(r"^\s*(continue|go on|keep going|and\??|next|carry on|ok(ay)?,? (next|go on))\s*[.!]?\s*$", re.I)


def asks_to_skip(text: str) -> bool:
    return bool(SKIP_WORDS.search(text or ""))


def means_go_on(text: str) -> bool:
    return bool(GO_ON.match(text or ""))
START = {"title": "Start onboarding", "payload": "start onboarding"}
PROGRESS = {"title": "My progress", "payload": "my progress"}
REVIEW = {"title": "Review", "payload": "review"}
TASK_BUTTONS = [{"title": "In role", "payload": "in role"}, {"title": "Out of role", "payload": "out of role"},
                {"title": "Depends", "payload": "it depends"}]
LETTERS = "abcdefgh"
SKIPPED = "skipped"
REVIEW_LENGTH = 5
AWAY_FOR_REVIEW_OFFER_DAYS = 1


@dataclass
class Turn:
    state: Optional[dict]
    messages: list = field(default_factory=list)  # [{"text": str, "buttons": [...]}]
    context: Optional[dict] = None


def _msg(text, buttons=None):
    return {"text": text, "buttons": list(buttons or [])}


def is_active(state) -> bool:
    return bool(state) and bool(state.get("active"))


def in_review(state) -> bool:
    return bool(state) and bool(state.get("review"))


def awaiting_answer(state, progress) -> bool:
    """Is the learner's next message an answer to a path or review question?"""
    if in_review(state):
        return True
    if not is_active(state):
        return False
    return progress.learner(state["learner_id"])["position"].get("phase") in ("pre", "check", "post")


def pending_item(progress, state):
    """The question waiting for an answer (see awaiting_answer)."""
    if in_review(state):
        return _review_item(state)[0]
    path = _path()
    position = progress.learner(state["learner_id"])["position"]
    return path.items[_item_ids(path, position)[position["item"]]]


# ---------------------------------------------------------------- reading answers

_LETTER = re.compile(r"^\s*(?:(?:option|answer|choice|it'?s|it is|i think|i'd say|i would say|my answer is|"
                     r"the answer is)\s*)*\(?([a-h])\s*[).:]?\s*$", re.I)


def parse_choice(text: str, item) -> Optional[int]:
    """"b", "B)", "option c", "2", or the text of a choice -> index; None when unclear."""
    t = (text or "").strip().lower().replace("’", "'")
    m = _LETTER.match(t)
    if m and LETTERS.index(m.group(1)) < len(item.choices):
        return LETTERS.index(m.group(1))
    if re.fullmatch(r"\d", t) and 1 <= int(t) <= len(item.choices):
        return int(t) - 1
    norm = lambda s: re.sub(r"[^a-z0-9 ]+", " ", s.lower()).split()
    words = norm(t)
    if not words:
        return None
    hits = [i for i, c in enumerate(item.choices) if norm(c) == words or (len(words) >= 2 and
            " ".join(words) in " ".join(norm(c)))]
    return hits[0] if len(hits) == 1 else None


def grade(item, text: str):
    """(given answer as stored, correct?) or None when the answer can't be read."""
    if item.kind == "task":
        verdict = parse_answer(text)
        return None if verdict is None else (verdict, verdict == item.answer)
    index = parse_choice(text, item)
    return None if index is None else (LETTERS[index], index == item.answer)


def _right_answer(item) -> str:
    if item.kind == "task":
        return VERDICT_LABELS[item.answer]
    return f"{LETTERS[item.answer].upper()}. {item.choices[item.answer]}"


def question_message(item, heading: str) -> dict:
    if item.kind == "task":
        return _msg(f"{heading}\n{item.question}\nIn a peer's role, out of role, or does it depend?",
                    TASK_BUTTONS + [SKIP])
    lines = [heading, item.question] + [f"{LETTERS[i].upper()}. {c}" for i, c in enumerate(item.choices)]
    buttons = [{"title": f"{LETTERS[i].upper()}. {c}", "payload": LETTERS[i]} for i, c in enumerate(item.choices)]
    return _msg("\n".join(lines), buttons + [SKIP])


def _item_context(item) -> dict:
    return {"title": item.question, "source": item.source(), "more": None, "example": None,
            "why": item.explanation}


# ---------------------------------------------------------------- showing the path

def _path():
    return content.load()


def _lesson_heading(path, i) -> str:
    return f"Lesson {i + 1} of {len(path.lessons)}: {path.lessons[i].title}"


def lesson_message(path, i, j) -> dict:
    lesson = path.lessons[i]
    message = lesson.messages[j]
    head = f"{_lesson_heading(path, i)} ({j + 1}/{len(lesson.messages)})"
    buttons = [NEXT] + ([MORE] if message.more else []) + [STOP]
    return _msg(f"{head}\n\n{message.text}\n\n{content.source_line(message.sources)}", buttons)


def _message_context(path, i, j) -> dict:
    message = path.lessons[i].messages[j]
    source = content.source_line(message.sources)
    if message.quote:
        source += f"\nThe passage: \"{' '.join(message.quote.split())}\""
    return {"title": path.lessons[i].title, "source": source, "more": message.more, "example": None, "why": None}


def current_prompt(path, position) -> tuple:
    """(message, context) for where the learner is now."""
    phase = position.get("phase")
    if phase in ("pre", "post"):
        ids = path.pre_check if phase == "pre" else path.post_check
        k = position["item"]
        label = "Pre-check" if phase == "pre" else "Post-check"
        item = path.items[ids[k]]
        return question_message(item, f"{label}, question {k + 1} of {len(ids)}:"), None
    if phase == "check":
        lesson = path.lessons[position["lesson"]]
        k = position["item"]
        item = path.items[lesson.checks[k]]
        return question_message(item, f"Check for lesson {position['lesson'] + 1}, question {k + 1} of "
                                      f"{len(lesson.checks)}:"), None
    if phase == "lesson":
        i, j = position["lesson"], position["step"]
        return lesson_message(path, i, j), _message_context(path, i, j)
    return _msg("You've finished the onboarding path.", [PROGRESS, REVIEW]), None


def _lessons_done(position, path) -> int:
    phase = position.get("phase")
    if phase in ("post", "done"):
        return len(path.lessons)
    if phase in ("lesson", "check"):
        return position["lesson"]
    return 0


def _save(progress, state, position, now, finished=False):
    progress.save_position(state["learner_id"], position, now, finished=finished)


# ---------------------------------------------------------------- starting and resuming

INTRO = ("The onboarding path has three parts: a short pre-check (5 questions, just to see where you "
         "start), six short lessons that each end with 2-3 check "
         "questions, and a post-check on the same ideas. Reading takes about {minutes} minutes; answering "
         "the questions takes a few more. Your progress is saved as you go.\n"
         "Say \"next\" to go on, \"tell me more\" for more on a point, or ask me any question on the way: "
         "I'll answer it and the lesson waits for you. \"Stop onboarding\" pauses; \"continue onboarding\" "
         "(with the same name) picks up where you left off, even days later. If you came with a trainer's "
         "code, your trainer sees which lessons you've done, the check questions you missed and your "
         "pre- and post-check scores.")


def begin(progress, name, code, intent, now, previous=None, practice_misses=()) -> Turn:
    """After the learner gave their name (and code): start, continue, review or show progress.
    `intent` is what they asked for: "start" | "continue" | "review" | "progress"."""
    from bot.store import StoreError

    path = _path()
    notes = []
    try:
        learner = progress.find_learner(name, code, now, create=intent == "start")
        if learner is None and intent == "continue":
            learner = progress.find_learner(name, code, now, create=True)
            notes.append(_msg(f"I found no onboarding record for \"{learner['name']}\" (check the spelling, and the "
                              "code, if you started before), so we start from the beginning."))
    except StoreError as error:
        return Turn(previous, [_msg(str(error), [START])])
    if learner is None:
        whose = f" with the code {code}" if code else ""
        return Turn(previous, [_msg(f"I have no onboarding record for \"{name}\"{whose}. Check the spelling "
                                    "(and the code, if your trainer gave you one), or start the path.", [START])])
    state = {"learner_id": learner["id"], "name": learner["name"], "code": learner["code"],
             "active": False, "review": None}
    if intent == "review":
        return start_review(progress, state, now, practice_misses)
    if intent == "progress":
        return my_progress(progress, state)
    turn = _enter_path(progress, state, learner, now, path)
    turn.messages[:0] = notes
    return turn


def _enter_path(progress, state, learner, now, path) -> Turn:
    position = learner["position"]
    name = learner["name"]
    messages = []
    if not position:
        position = {"phase": "pre", "item": 0}
        _save(progress, state, position, now)
        words = content.reading_words(path)
        messages.append(_msg(f"Welcome, {name}. " + INTRO.format(minutes=round(words["minutes"]))))
        messages.append(_msg("First the pre-check. Answer as well as you can; it's fine not to know yet."))
    elif position.get("phase") == "done":
        messages.append(_msg(f"Welcome back, {name}. You've already finished the onboarding path.",
                             [PROGRESS, REVIEW]))
        return Turn(dict(state, active=False), messages + _review_offer(progress, state, learner, now, force=True))
    else:
        done = _lessons_done(position, path)
        messages.append(_msg(f"Welcome back, {name}. You've done {done} of {len(path.lessons)} lessons; "
                             f"let's carry on where you stopped."))
        offer = _review_offer(progress, state, learner, now)
        if offer:
            return Turn(dict(state, active=True), messages + offer)
    prompt, context = current_prompt(path, position)
    return Turn(dict(state, active=True), messages + [prompt], context)


def _review_offer(progress, state, learner, now, force=False, practice_misses=()) -> list:
    """After a day or more away, offer a review of the items that are due."""
    progress.add_quiz_misses(learner, now, practice_misses)
    away = now - learner["last_seen_at"]
    if not force and away.days < AWAY_FOR_REVIEW_OFFER_DAYS:
        return []
    due = progress.due_items(state["learner_id"], now, limit=REVIEW_LENGTH)
    if not due:
        return []
    n = len(due)
    return [_msg(f"You have {n} item{'s' if n != 1 else ''} you missed before that {'are' if n != 1 else 'is'} "
                 "due for a quick review. Review now, or carry on?", [REVIEW, CONTINUE])]


def resume(progress, state, now) -> Turn:
    """"continue onboarding" / "next" when the learner is known in this conversation."""
    learner = progress.learner(state["learner_id"])
    if not learner["position"]:
        return _enter_path(progress, state, learner, now, _path())
    path = _path()
    if learner["position"].get("phase") == "done":
        return _enter_path(progress, state, learner, now, path)
    prompt, context = current_prompt(path, learner["position"])
    progress.save_position(state["learner_id"], learner["position"], now)
    return Turn(dict(state, active=True, review=None), [prompt], context)


# ---------------------------------------------------------------- moving through the path

def next_step(progress, state, now) -> Turn:
    if in_review(state):
        return _review_prompt(state, "Let's finish the review first (or say \"stop\").")
    if not state or not state.get("learner_id"):
        return _not_started()
    if not is_active(state):
        return resume(progress, state, now)
    path = _path()
    position = progress.learner(state["learner_id"])["position"]
    phase = position.get("phase")
    if phase in ("pre", "check", "post"):
        prompt, _ = current_prompt(path, position)
        return Turn(state, [_msg("This one needs an answer first (or say \"skip\")."), prompt])
    if phase != "lesson":
        return resume(progress, state, now)
    i, j = position["lesson"], position["step"]
    lesson = path.lessons[i]
    if j + 1 < len(lesson.messages):
        position = {"phase": "lesson", "lesson": i, "step": j + 1}
        messages = []
    else:
        position = {"phase": "check", "lesson": i, "item": 0}
        messages = [_msg(f"That's the end of lesson {i + 1}. Now {len(lesson.checks)} quick check questions.")]
    _save(progress, state, position, now)
    prompt, context = current_prompt(path, position)
    return Turn(state, messages + [prompt], context)


def tell_more(progress, state, now) -> Optional[Turn]:
    """"tell me more" in a lesson; None when the learner isn't reading a lesson (the normal
    follow-up answers it)."""
    if not is_active(state) or in_review(state):
        return None
    path = _path()
    position = progress.learner(state["learner_id"])["position"]
    if position.get("phase") != "lesson":
        return None
    message = path.lessons[position["lesson"]].messages[position["step"]]
    text = message.more or "That's all this lesson has on this point."
    return Turn(state, [_msg(f"{text}\n\n{content.source_line(message.sources)}", [NEXT, STOP])],
                _message_context(path, position["lesson"], position["step"]))


def answer(progress, state, text, now) -> Turn:
    if in_review(state):
        return review_answer(progress, state, text, now)
    if not is_active(state):
        return Turn(state, [_msg("There's no onboarding question waiting for an answer.", [CONTINUE])])
    path = _path()
    position = progress.learner(state["learner_id"])["position"]
    phase = position.get("phase")
    if phase not in ("pre", "check", "post"):
        return Turn(state, [_msg("There's no question to answer right now: say \"next\" to go on with the lesson.",
                                 [NEXT])])
    item = path.items[_item_ids(path, position)[position["item"]]]
    graded = grade(item, text)
    if graded is None:
        prompt, _ = current_prompt(path, position)
        how = "In role, out of role, or depends?" if item.kind == "task" else \
            f"Please answer with a letter (A to {LETTERS[len(item.choices) - 1].upper()})."
        return Turn(state, [_msg(f"I didn't catch an answer there. {how} (Or say \"skip\".)"), prompt])
    return _record_and_move(progress, state, path, position, item, graded, now)


def skip(progress, state, now) -> Turn:
    if in_review(state):
        return review_answer(progress, state, None, now)
    if not is_active(state):
        return Turn(state, [_msg("There's nothing to skip in onboarding right now.", [CONTINUE])])
    path = _path()
    position = progress.learner(state["learner_id"])["position"]
    if position.get("phase") not in ("pre", "check", "post"):
        return next_step(progress, state, now)
    item = path.items[_item_ids(path, position)[position["item"]]]
    return _record_and_move(progress, state, path, position, item, (SKIPPED, False), now)


def _item_ids(path, position):
    phase = position["phase"]
    if phase == "pre":
        return path.pre_check
    if phase == "post":
        return path.post_check
    return path.lessons[position["lesson"]].checks


def _stage(path, position) -> str:
    phase = position["phase"]
    return phase if phase in ("pre", "post") else f"check:{path.lessons[position['lesson']].id}"


def _record_and_move(progress, state, path, position, item, graded, now) -> Turn:
    given, correct = graded
    phase = position["phase"]
    progress.record_answer(state["learner_id"], _stage(path, position), item.id, given, correct, now)
    if phase in ("check", "post"):
        progress.schedule_review(state["learner_id"], item.id, correct, now)
    messages = []
    if phase == "pre":
        messages.append(_msg("Noted." if given != SKIPPED else "Skipped."))
    else:
        lead = "Right" if correct else ("Skipped" if given == SKIPPED else "Not quite")
        lead += f": the answer is {_right_answer(item)}."
        tail = "" if correct else "\nThis one will come back in a review later."
        messages.append(_msg(f"{lead} {item.explanation}\n{item.source()}{tail}"))
    ids = _item_ids(path, position)
    k = position["item"] + 1
    finished = False
    if k < len(ids):
        new = dict(position, item=k)
    elif phase == "pre":
        new = {"phase": "lesson", "lesson": 0, "step": 0}
        messages.append(_msg("That's the pre-check. The answers come in the lessons; at the end, a post-check on "
                             "the same ideas shows what you've learned."))
    elif phase == "check" and position["lesson"] + 1 < len(path.lessons):
        new = {"phase": "lesson", "lesson": position["lesson"] + 1, "step": 0}
        messages.append(_msg(f"Lesson {position['lesson'] + 1} done."))
    elif phase == "check":
        new = {"phase": "post", "item": 0}
        messages.append(_msg("All six lessons done. Last part: the post-check, on the same ideas as the pre-check "
                             "with different questions."))
    else:
        new = {"phase": "done"}
        finished = True
    _save(progress, state, new, now, finished=finished)
    if finished:
        messages.append(gain_message(progress.answers(state["learner_id"]), path))
        return Turn(dict(state, active=False), messages, _item_context(item))
    prompt, context = current_prompt(path, new)
    return Turn(state, messages + [prompt], context or _item_context(item))


def stop(progress, state, now) -> Turn:
    if in_review(state):
        return Turn(dict(state, review=None), [_msg("Review stopped. Missed items stay in your review.",
                                                    [CONTINUE, PROGRESS])])
    if not is_active(state):
        return Turn(state, [_msg("Onboarding isn't running, so there's nothing to stop.", [CONTINUE, START])])
    who = f" with the same name ({state['name']})" + (f" and your code {state['code']}" if state.get("code") else "")
    return Turn(dict(state, active=False), [_msg(
        f"OK, paused. Your progress is saved. To pick up where you stopped, say \"continue onboarding\"{who}, "
        "in this chat or a new one.", [CONTINUE, PROGRESS])])


REPEAT = {"title": "Show the question again", "payload": "repeat"}


def waiting_note(progress, state) -> list:
    """After a question answered mid-path: a line saying the lesson (or question) waits."""
    if in_review(state):
        return [_msg("(Your review question is still waiting for an answer.)", [REPEAT])]
    if not is_active(state):
        return []
    position = progress.learner(state["learner_id"])["position"]
    if position.get("phase") == "lesson":
        return [_msg(f"(Lesson {position['lesson'] + 1} waits where you were: say \"next\" to go on.)", [NEXT])]
    if position.get("phase") in ("pre", "check", "post"):
        return [_msg("(Your onboarding question is still waiting for an answer.)", [REPEAT])]
    return []


def _not_started() -> Turn:
    return Turn(None, [_msg("You haven't started onboarding in this chat. Say \"start onboarding\", or "
                            "\"continue onboarding\" if you started before.", [START, CONTINUE])])


# ---------------------------------------------------------------- progress and gain

def scores(answers, path) -> dict:
    """Pre- and post-check scores from saved answers: {"pre": (right, answered), "post": ..., "by_principle"}."""
    first = {}
    for a in answers:
        if a["stage"] in ("pre", "post"):
            first.setdefault((a["stage"], a["item_id"]), a["correct"])
    out = {}
    for stage, ids in (("pre", path.pre_check), ("post", path.post_check)):
        given = [first[(stage, i)] for i in ids if (stage, i) in first]
        out[stage] = (sum(given), len(given))
    out["by_principle"] = [
        {"principle": path.items[p].principle, "pre": first.get(("pre", p)), "post": first.get(("post", q))}
        for p, q in zip(path.pre_check, path.post_check)]
    return out


PRINCIPLE_LABELS = {"support_types": "the four kinds of peer support", "is_is_not": "the Is/Is-not table",
                    "dual_relationships": "dual relationships", "self_disclosure": "self-disclosure",
                    "co_optation": "co-optation"}


def gain_message(answers, path) -> dict:
    s = scores(answers, path)
    pre, post = s["pre"], s["post"]
    lines = [f"You've finished the onboarding path. Pre-check: {pre[0]} of {len(path.pre_check)} right. "
             f"Post-check: {post[0]} of {len(path.post_check)} right."]
    now_right = [PRINCIPLE_LABELS.get(r["principle"], r["principle"]) for r in s["by_principle"]
                 if r["post"] and not r["pre"]]
    still = [PRINCIPLE_LABELS.get(r["principle"], r["principle"]) for r in s["by_principle"] if not r["post"]]
    if now_right:
        lines.append("What you now get right: " + ", ".join(now_right) + ".")
    elif post[0] >= pre[0] and post[0] == len(path.post_check):
        lines.append("You got every idea right both times.")
    if still:
        lines.append("Worth another look: " + ", ".join(still) + ".")
    lines.append("Items you missed will come back in short reviews: say \"review\" when you're back.")
    return _msg("\n".join(lines), [PROGRESS, REVIEW])


def my_progress(progress, state) -> Turn:
    if not state or not state.get("learner_id"):
        return _not_started()
    path = _path()
    learner = progress.learner(state["learner_id"])
    position = learner["position"]
    done = _lessons_done(position, path)
    lines = [f"{learner['name']}, your onboarding progress:"]
    for i, lesson in enumerate(path.lessons):
        mark = "done" if i < done else ("in progress" if i == done and position.get("phase") in ("lesson", "check")
                                        else "to do")
        lines.append(f"- Lesson {i + 1}, {lesson.title}: {mark}")
    s = scores(progress.answers(state["learner_id"]), path)
    if s["pre"][1]:
        lines.append(f"Pre-check: {s['pre'][0]} of {len(path.pre_check)} right.")
    if position.get("phase") == "done":
        lines.append(f"Post-check: {s['post'][0]} of {len(path.post_check)} right.")
    elif not position or position.get("phase") == "pre":
        lines.append("You're at the pre-check.")
    buttons = [REVIEW] if position.get("phase") == "done" else [CONTINUE, REVIEW]
    return Turn(state, [_msg("\n".join(lines), buttons)])


# ---------------------------------------------------------------- review sessions

def start_review(progress, state, now, practice_misses=()) -> Turn:
    """A short review of due items; `practice_misses`: task ids missed in this chat's practice quiz."""
    if not state or not state.get("learner_id"):
        return _not_started()
    learner = progress.learner(state["learner_id"])
    progress.add_quiz_misses(learner, now, practice_misses)
    due = progress.due_items(state["learner_id"], now, limit=REVIEW_LENGTH)
    if not due:
        return Turn(dict(state, review=None), [_msg(
            "Nothing is due for review right now. Items you miss in lesson checks and quizzes come back here "
            "when they're due.", [CONTINUE, PROGRESS])])
    state = dict(state, review={"items": due, "done": [], "right": 0})
    n = len(due)
    return _review_prompt(state, f"Review: {n} item{'s' if n != 1 else ''} you missed before.")


def _review_item(state):
    review = state["review"]
    k = len(review["done"])
    return content.item(review["items"][k]), k


def _review_prompt(state, lead=None) -> Turn:
    item, k = _review_item(state)
    message = question_message(item, f"Review {k + 1} of {len(state['review']['items'])}:")
    return Turn(state, ([_msg(lead)] if lead else []) + [message])


def review_answer(progress, state, text, now) -> Turn:
    item, k = _review_item(state)
    if text is None:
        graded = (SKIPPED, False)
    else:
        graded = grade(item, text)
        if graded is None:
            return _review_prompt(state, "I didn't catch an answer there. (Or say \"skip\".)")
    given, correct = graded
    progress.record_answer(state["learner_id"], "review", item.id, given, correct, now)
    progress.schedule_review(state["learner_id"], item.id, correct, now)
    review = dict(state["review"], done=state["review"]["done"] + [item.id],
                  right=state["review"]["right"] + int(correct))
    lead = ("Right" if correct else "Not quite") + f": the answer is {_right_answer(item)}."
    messages = [_msg(f"{lead} {item.explanation}\n{item.source()}")]
    state = dict(state, review=review)
    if len(review["done"]) < len(review["items"]):
        return Turn(state, messages + _review_prompt(state).messages, _item_context(item))
    messages.append(_msg(f"Review done: {review['right']} of {len(review['items'])} right. Items you get right "
                         "come back less often, and stop once you've got them right twice in a row.",
                         [CONTINUE, PROGRESS]))
    return Turn(dict(state, review=None), messages, _item_context(item))


def greeting_offer(progress, state, now, practice_misses=()) -> list:
    """Extra lines for the greeting when a known learner comes back after a day or more."""
    if not state or not state.get("learner_id"):
        return []
    learner = progress.learner(state["learner_id"])
    offer = _review_offer(progress, state, learner, now, practice_misses=practice_misses)
    if offer:
        return [_msg(f"Welcome back, {learner['name']}.")] + offer
    if learner["position"].get("phase") not in (None, "done"):
        return [_msg(f"Welcome back, {learner['name']}. Your onboarding is waiting where you left it.", [CONTINUE])]
    return []


# ---------------------------------------------------------------- trainer report

def report(rows: dict) -> dict:
    """Per learner: lessons done, check items missed, pre/post score and gain; group gain."""
    path = _path()
    learners = []
    for learner in rows["learners"]:
        s = scores(learner["answers"], path)
        finished = learner["position"].get("phase") == "done"
        missed = []
        for a in learner["answers"]:
            if a["stage"].startswith("check:") and not a["correct"] and a["item_id"] not in missed:
                missed.append(a["item_id"])
        learners.append({
            "name": learner["name"], "lessons_done": _lessons_done(learner["position"], path),
            "lessons_total": len(path.lessons), "finished": finished, "missed": missed,
            "pre": s["pre"][0] if s["pre"][1] == len(path.pre_check) else None,
            "post": s["post"][0] if finished else None,
            "started_at": learner["started_at"], "last_seen_at": learner["last_seen_at"]})
    for row in learners:
        row["gain"] = row["post"] - row["pre"] if row["post"] is not None and row["pre"] is not None else None
    gains = [r for r in learners if r["gain"] is not None]
    group = None
    if gains:
        n = len(gains)
        group = {"learners": n, "pre_mean": sum(r["pre"] for r in gains) / n,
                 "post_mean": sum(r["post"] for r in gains) / n, "gain_mean": sum(r["gain"] for r in gains) / n,
                 "items": len(path.pre_check)}
    return {"assignment": rows["assignment"], "learners": learners, "group": group}
