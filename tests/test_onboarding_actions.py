"""Onboarding actions (actions/onboarding.py) with rasa_sdk trackers, on a real SQLite store and
an injected clock (ONBOARDING_CLOCK_FILE)."""
import os
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from actions import onboarding as actions
from actions.quiz import ActionStartCodeQuiz
from bot import store as store_module
from bot.onboarding import lessons
from bot.onboarding.progress import Progress
from bot.store import migrate
from tests.conftest import make_tracker, run_action

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PATH = lessons.load()


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'results.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    clock = tmp_path / "clock"
    clock.write_text(T0.isoformat())
    monkeypatch.setenv("ONBOARDING_CLOCK_FILE", str(clock))
    yield {"url": url, "clock": clock}
    engine = store_module._engines.pop((url, os.getpid()), None)
    if engine is not None:
        engine.dispose()


class Chat:
    """One conversation: slots carried from action to action as Rasa would."""

    def __init__(self):
        self.slots = {}

    def run(self, action, text="", intent="", entities=None, active_loop=None):
        tracker = make_tracker(text, intent, slots=dict(self.slots), entities=entities, active_loop=active_loop)
        events, messages = run_action(action, tracker)
        for e in events:
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
        return events, "\n".join(m.get("text") or "" for m in messages), messages

    def begin(self, name, intent="start_onboarding", text="start onboarding", code=None):
        events, _, _ = self.run(actions.ActionOnboardingStart(), text, intent)
        assert ActiveLoop("learner_form") in events
        _, asked, _ = self.run(actions.ActionAskLearnerName())
        assert "What's your name" in asked
        validated = actions.ValidateLearnerForm().validate_learner_name(
            name, None, make_tracker(name, "nlu_fallback", slots=self.slots), {})
        self.slots.update(validated)
        return self.run(actions.ActionOnboardingBegin())


def answer_for(item, right=True):
    if item.kind == "task":
        verdicts = ["in_role", "out_of_role", "depends"]
        verdict = item.answer if right else next(v for v in verdicts if v != item.answer)
        return {"in_role": "in role", "out_of_role": "out of role", "depends": "it depends"}[verdict], "quiz_answer"
    index = item.answer if right else (item.answer + 1) % len(item.choices)
    return "abcd"[index], "onboarding_answer"


def pending(chat):
    from bot.onboarding import engine

    return engine.pending_item(Progress(), chat.slots["onboarding"])


def test_start_asks_name_then_begins_with_the_pre_check(db):
    chat = Chat()
    events, text, messages = chat.begin("Dana Reyes")
    assert "Welcome, Dana Reyes" in text and "Pre-check, question 1 of 5" in text
    assert SlotSet("onboarding_active", True) in events and SlotSet("onboarding_known", True) in events
    assert messages[-1]["buttons"]


def test_name_with_code_and_bad_names(db):
    code = Progress().create_assignment("Week 1", T0)
    checked = actions.ValidateLearnerForm().validate_learner_name(f"Dana Reyes {code}", None, make_tracker(), {})
    assert checked == {"onboarding_code": code, "learner_name": "Dana Reyes"}
    problem = actions.ValidateLearnerForm()
    from rasa_sdk.executor import CollectingDispatcher
    dispatcher = CollectingDispatcher()
    assert problem.validate_learner_name("what is a peer?", dispatcher, make_tracker(), {}) == {"learner_name": None}
    assert "progress under" in dispatcher.messages[0]["text"]
    assert problem.validate_learner_name("stop", dispatcher, make_tracker(), {}) == {"learner_name": None}


def test_mid_lesson_question_next_more_and_a_missed_check(db):
    chat = Chat()
    chat.begin("Dana Reyes")
    for _ in PATH.pre_check:
        text, intent = answer_for(pending(chat))
        _, reply, _ = chat.run(actions.ActionOnboardingAnswer(), text, intent)
    assert "Lesson 1 of 6" in reply
    # "tell me more" shows the lesson's extra; "continue" (same intent) means next.
    _, reply, _ = chat.run(actions.ActionOnboardingMore(), "tell me more", "ask_more")
    assert "lived experience brings" in reply
    _, reply, _ = chat.run(actions.ActionOnboardingMore(), "continue", "ask_more")
    assert "(2/4)" in reply
    # The NLU is sometimes unsure of a bare "continue" (nlu_fallback): it still means next.
    _, reply, _ = chat.run(actions.ActionOnboardingAnswer(), "continue", "nlu_fallback")
    assert "(3/4)" in reply and "In role" not in reply
    # "next" (the skip intent) goes on; in a lesson it never records a skip.
    while "check questions" not in reply:
        _, reply, _ = chat.run(actions.ActionOnboardingNext(), "next", "skip")
    item = pending(chat)
    text, intent = answer_for(item, right=False)
    _, reply, _ = chat.run(actions.ActionOnboardingAnswer(), text, intent)
    assert "Not quite" in reply and "come back in a review" in reply
    # Stop and resume in a new conversation with the same name.
    events, reply, _ = chat.run(actions.ActionOnboardingStop(), "stop", "stop")
    assert SlotSet("onboarding_active", False) in events and "continue onboarding" in reply
    chat2 = Chat()
    _, reply, _ = chat2.begin("dana reyes", "continue_onboarding", "continue onboarding")
    assert "Welcome back" in reply and "Check for lesson 1, question 2" in reply


def test_a_question_while_a_check_waits_is_answered_and_the_check_waits(db, monkeypatch):
    chat = Chat()
    chat.begin("Dana Reyes")
    from actions import faq

    async def fake_answer(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="(the normal answer)")
        return []

    monkeypatch.setattr(faq.ActionAnswerQuestion, "run", fake_answer)
    _, reply, _ = chat.run(actions.ActionOnboardingAnswer(), "what is co-optation exactly?", "nlu_fallback")
    assert "(the normal answer)" in reply and "still waiting" in reply
    assert Progress().answers(chat.slots["onboarding"]["learner_id"]) == []


def test_review_the_next_day_shows_the_missed_item(db):
    chat = Chat()
    chat.begin("Dana Reyes")
    progress = Progress()
    learner_id = chat.slots["onboarding"]["learner_id"]
    progress.schedule_review(learner_id, "task:coopt_observe_urine", False, T0)
    _, reply, _ = chat.run(actions.ActionOnboardingStart(), "review", "review")
    assert "Nothing is due" in reply
    db["clock"].write_text((T0 + timedelta(days=1)).isoformat())
    # The greeting offers it, then the review shows it and takes the answer.
    _, greeting, _ = chat.run(actions.ActionOnboardingGreet(), "hi", "greet")
    assert "due for a quick review" in greeting
    _, reply, _ = chat.run(actions.ActionOnboardingStart(), "review", "review")
    assert lessons.item("task:coopt_observe_urine").question in reply
    _, reply, _ = chat.run(actions.ActionOnboardingAnswer(), "out of role", "quiz_answer")
    assert "Review done: 1 of 1 right" in reply


def test_my_progress_and_review_ask_who_you_are_in_a_new_chat(db):
    Chat().begin("Dana Reyes")
    chat = Chat()
    _, reply, _ = chat.begin("Dana Reyes", "my_progress", "my progress")
    assert "Lesson 1, What peer support is" in reply and "to do" in reply


def test_an_onboarding_code_typed_as_a_quiz_code_hands_over(db):
    code = Progress().create_assignment("Week 1", T0)
    chat = Chat()
    events, reply, _ = chat.run(ActionStartCodeQuiz(), code, "enter_quiz_code",
                                entities=[{"entity": "quiz_code", "value": code}])
    assert ActiveLoop("learner_form") in events and SlotSet("onboarding_code", code) in events
    assert "Onboarding code" in reply and "Week 1" in reply
    _, reply, _ = chat.run(actions.ActionAskLearnerName())
    assert code in reply
    chat.slots["learner_name"] = "Sam Lee"
    _, reply, _ = chat.run(actions.ActionOnboardingBegin())
    assert "Welcome, Sam Lee" in reply
    report = Progress().report_rows(code)
    assert [r["name"] for r in report["learners"]] == ["Sam Lee"]


def test_a_quiz_code_still_starts_a_quiz(db):
    from bot.store import Store

    code = Store().create_assignment("Boundaries", item_ids=["bound_dating"])
    events, reply, _ = Chat().run(ActionStartCodeQuiz(), code, "enter_quiz_code",
                                  entities=[{"entity": "quiz_code", "value": code}])
    assert ActiveLoop("trainee_form") in events and "Boundaries" in reply


def test_nothing_running_replies(db):
    chat = Chat()
    _, reply, _ = chat.run(actions.ActionOnboardingNext(), "next", "skip")
    assert "haven't started onboarding" in reply
    _, reply, _ = chat.run(actions.ActionOnboardingAnswer(), "b", "onboarding_answer")
    assert "no onboarding question" in reply


def test_every_onboarding_action_registers():
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    for name in ("action_onboarding_start", "action_ask_learner_name", "validate_learner_form",
                 "action_onboarding_begin", "action_onboarding_next", "action_onboarding_more",
                 "action_onboarding_answer", "action_onboarding_skip", "action_onboarding_repeat",
                 "action_onboarding_stop", "action_onboarding_greet", "action_onboarding_nudge"):
        assert name in executor.actions, name


def test_the_lesson_waits_after_a_question(db):
    chat = Chat()
    chat.begin("Dana Reyes")
    _, reply, messages = chat.run(actions.ActionOnboardingNudge(), "what is co-optation?", "faq")
    assert "still waiting" in reply and messages[0]["buttons"][0]["payload"] == "repeat"
    for _ in PATH.pre_check:
        text, intent = answer_for(pending(chat))
        chat.run(actions.ActionOnboardingAnswer(), text, intent)
    _, reply, messages = chat.run(actions.ActionOnboardingNudge(), "what is co-optation?", "faq")
    assert "Lesson 1 waits" in reply and messages[0]["buttons"][0]["payload"] == "next"
    chat.run(actions.ActionOnboardingStop(), "stop", "stop")
    _, reply, messages = chat.run(actions.ActionOnboardingNudge(), "what is co-optation?", "faq")
    assert messages == []


def test_practice_quiz_misses_in_this_chat_come_back_in_review(db):
    chat = Chat()
    chat.begin("Dana Reyes")
    chat.slots["quiz"] = {"status": "finished", "mode": "practice", "items": ["bound_dating", "coopt_observe_urine"],
                          "results": [{"id": "bound_dating", "answer": "in_role", "expected": "out_of_role",
                                       "correct": False},
                                      {"id": "coopt_observe_urine", "answer": "out_of_role",
                                       "expected": "out_of_role", "correct": True}]}
    _, reply, _ = chat.run(actions.ActionOnboardingStart(), "review", "review")
    assert "Nothing is due" in reply  # just missed: FSRS brings it back later, not at once
    db["clock"].write_text((T0 + timedelta(days=1)).isoformat())
    chat.slots["quiz"] = None  # a new conversation the next day: the card is in the store
    _, reply, _ = chat.run(actions.ActionOnboardingStart(), "review", "review")
    assert "Review 1 of 1" in reply and lessons.item("task:bound_dating").question in reply
