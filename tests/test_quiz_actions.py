"""Quiz actions (actions/quiz.py) with rasa_sdk Trackers, the real task bank and a temp SQLite store."""
import asyncio
import json

import pytest
import yaml

from actions import quiz as quiz_actions
from actions.quiz import (ActionBeginAssignment, ActionMyResult, ActionQuizAnswer, ActionRepeat, ActionSkip,
                          ActionStartCodeQuiz, ActionStartQuiz, ActionStop, ValidateTraineeForm)
from bot import PROJECT_ROOT, quiz
from bot.store import Store, migrate
from bot.tasks import tasks_by_id
from tests.conftest import make_tracker, run_action

BANK = tasks_by_id()
with open(PROJECT_ROOT / "domain.yml", encoding="utf-8") as f:
    DOMAIN = yaml.safe_load(f)


def slot(events, name):
    values = [e["value"] for e in events if e["event"] == "slot" and e["name"] == name]
    assert values, f"no SlotSet for {name} in {events}"
    return values[-1]


def texts(messages):
    return [m["text"] for m in messages]


def one_of_each():
    """Three real bank items, one per verdict, in a fixed order."""
    by_verdict = {}
    for task in BANK.values():
        by_verdict.setdefault(task.verdict, task)
    return [by_verdict["out_of_role"], by_verdict["in_role"], by_verdict["depends"]]


def practice_state(tasks):
    ids = [t.id for t in tasks]
    return {"status": "active", "mode": "practice", "topic": None, "items": ids, "results": [], "seen": ids}


# ---------------------------------------------------------------- practice quiz

def test_start_quiz_sets_state_and_shows_first_scenario_with_buttons():
    events, messages = run_action(ActionStartQuiz(), make_tracker("quiz me on boundaries, 3 questions", "start_quiz"))
    state = slot(events, "quiz")
    assert state["status"] == "active" and len(state["items"]) == 3 == len(set(state["items"]))
    assert all(BANK[i].topic == "boundaries" for i in state["items"])
    json.dumps(state)
    assert messages[0]["text"].startswith("Here's a 3-question quiz on boundaries.")
    first = BANK[state["items"][0]]
    assert messages[1]["text"] == f"Scenario 1 of 3: {first.text}\nIn role, out of role, or does it depend?"
    assert [b["payload"] for b in messages[1]["buttons"]] == ["in role", "out of role", "it depends"]


def test_answer_grades_explains_sets_context_and_moves_on():
    tasks = one_of_each()
    state = practice_state(tasks)
    events, messages = run_action(ActionQuizAnswer(), make_tracker("no, that's not their job", "quiz_answer",
                                                                   slots={"quiz": state}))
    assert messages[0]["text"].startswith("Correct: this is out of role.")
    assert tasks[0].rationale in messages[0]["text"] and f"In role instead: {tasks[0].instead}" in messages[0]["text"]
    assert messages[0]["text"].splitlines()[-1] == quiz.source_line(tasks[0].sources)
    assert messages[1]["text"].startswith(f"Scenario 2 of 3: {tasks[1].text}")
    new_state = slot(events, "quiz")
    assert new_state["results"] == [{"id": tasks[0].id, "answer": "out_of_role", "expected": "out_of_role",
                                     "correct": True}]
    context = slot(events, "context")
    assert context["why"] == tasks[0].rationale and context["source"].startswith("Source: ")
    assert set(context) == {"title", "source", "more", "example", "why"}


def test_full_practice_quiz_ends_with_summary():
    tasks = one_of_each()
    state = practice_state(tasks)
    for answer in ("out of role", "out of role", "it depends"):
        events, messages = run_action(ActionQuizAnswer(), make_tracker(answer, "quiz_answer", slots={"quiz": state}))
        state = slot(events, "quiz")
    assert state["status"] == "finished"
    summary = messages[-1]["text"]
    assert summary.startswith("Quiz finished: 2 of 3 right.")
    assert f"- {tasks[1].text} -> in role" in summary


def test_unreadable_answer_is_reasked_and_state_unchanged():
    state = practice_state(one_of_each())
    events, messages = run_action(ActionQuizAnswer(), make_tracker("hmm", "quiz_answer", slots={"quiz": state}))
    assert events == []
    assert "didn't catch an answer" in messages[0]["text"] and messages[1]["text"].startswith("Scenario 1 of 3")


def test_answer_with_no_quiz_gets_a_pointer_and_no_events():
    events, messages = run_action(ActionQuizAnswer(), make_tracker("out of role", "quiz_answer"))
    assert events == []
    assert "no quiz running" in messages[0]["text"] and messages[0]["buttons"] == [quiz.START_BUTTON]


def test_skip_repeat_stop_mid_quiz():
    tasks = one_of_each()
    state = practice_state(tasks)
    events, messages = run_action(ActionRepeat(), make_tracker("repeat", "repeat", slots={"quiz": state}))
    assert events == [] and messages[0]["text"].startswith(f"Scenario 1 of 3: {tasks[0].text}")

    events, messages = run_action(ActionSkip(), make_tracker("skip", "skip", slots={"quiz": state}))
    assert messages[0]["text"].startswith("Skipped. For the record, that one is out of role")
    assert messages[1]["text"].startswith("Scenario 2 of 3")
    state = slot(events, "quiz")

    events, messages = run_action(ActionStop(), make_tracker("stop the quiz", "stop", slots={"quiz": state}))
    assert slot(events, "quiz")["status"] == "stopped"
    assert texts(messages)[0] == "OK, quiz stopped." and texts(messages)[1].startswith("So far: 0 of 1 right (1 skipped).")


@pytest.mark.parametrize("action", [ActionSkip(), ActionRepeat(), ActionStop()])
def test_commands_with_nothing_running_get_a_pointer(action):
    events, messages = run_action(action, make_tracker("skip", "skip", slots={"quiz": {"status": "finished"}}))
    assert events == [] and messages[0]["buttons"] == [quiz.START_BUTTON]


def test_my_result_of_a_practice_quiz_and_of_nothing():
    events, messages = run_action(ActionMyResult(), make_tracker("show my result", "my_result"))
    assert events == [] and "haven't taken one yet" in messages[0]["text"]
    state = practice_state(one_of_each())
    state["results"] = [{"id": state["items"][0], "answer": "in_role", "expected": "out_of_role", "correct": False}]
    events, messages = run_action(ActionMyResult(), make_tracker("show my result", "my_result", slots={"quiz": state}))
    assert messages[0]["text"].startswith("So far: 0 of 1 right.")


def test_action_errors_become_an_apology(monkeypatch):
    def broken():
        raise RuntimeError("bank file missing")
    monkeypatch.setattr(quiz_actions, "_tasks", broken)
    events, messages = run_action(ActionStartQuiz(), make_tracker("start a quiz", "start_quiz"))
    assert events == [] and texts(messages) == [quiz_actions.SORRY]


# ---------------------------------------------------------------- assigned quizzes, on a temp SQLite store

@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'results.db'}"
    migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    return Store(url)


def assign(store, tasks, **options):
    return store.create_assignment("Week 1 roles", item_ids=[t.id for t in tasks], **options)


def enter_code(text, code_entity=None, quiz_state=None):
    entities = [{"entity": "quiz_code", "value": code_entity}] if code_entity else []
    return run_action(ActionStartCodeQuiz(), make_tracker(text, "enter_quiz_code", entities=entities,
                                                          slots={"quiz": quiz_state}))


def begin(code, name, state):
    return run_action(ActionBeginAssignment(), make_tracker(name, "", slots={
        "quiz": state, "quiz_code": code, "trainee_name": name}))


def test_valid_code_starts_the_name_form(store):
    code = assign(store, one_of_each())
    events, messages = enter_code(f"I have a quiz code {code}", code)
    assert slot(events, "quiz_code") == code and slot(events, "trainee_name") is None
    assert slot(events, "quiz") == {"status": "pending", "mode": "assignment", "code": code,
                                    "title": "Week 1 roles", "seen": []}
    assert (events[-1]["event"], events[-1]["name"]) == ("active_loop", "trainee_form")
    assert messages[0]["text"].startswith(f"Quiz code {code}: \"Week 1 roles\", 3 scenarios.")


def test_code_typed_alone_in_lower_case_without_entity(store):
    code = assign(store, one_of_each())
    events, _ = enter_code(code.lower().replace("-", ""))
    assert slot(events, "quiz_code") == code


@pytest.mark.parametrize("setup, expected", [
    (lambda s, code: None, "I don't know the quiz code"),
    (lambda s, code: s.close_assignment(code), "is closed"),
])
def test_bad_or_closed_code_gets_a_clear_message_and_no_form(store, setup, expected):
    code = assign(store, one_of_each())
    setup(store, code)
    asked = "XYZ-2345" if expected.startswith("I don't know") else code
    events, messages = enter_code(f"my code is {asked}", asked)
    assert expected in messages[0]["text"]
    assert slot(events, "quiz_code") is None
    assert not [e for e in events if e["event"] == "active_loop"]


def test_no_code_in_message_asks_for_it(store):
    events, messages = enter_code("I have a quiz code")
    assert "looks like BND-7K4Q" in messages[0]["text"] and slot(events, "quiz_code") is None


def validate_name(value):
    tracker = make_tracker(value, "", slots={"trainee_name": value, "requested_slot": "trainee_name"},
                           events=[{"event": "user", "text": value},
                                   {"event": "slot", "name": "trainee_name", "value": value}],
                           active_loop={"name": "trainee_form"})
    return run_action(ValidateTraineeForm(), tracker, DOMAIN)


def test_name_form_accepts_a_name_and_rejects_garbage():
    events, messages = validate_name("my name is Maria Lopez")
    assert slot(events, "trainee_name") == "Maria Lopez" and messages == []
    for bad in ("", "x" * 300, "start a quiz", "what is co-optation?", "12345"):
        events, messages = validate_name(bad)
        assert slot(events, "trainee_name") is None and messages, bad


def test_assigned_quiz_saves_each_answer_and_resumes_after_a_restart(store):
    tasks = one_of_each()
    code = assign(store, tasks)
    events, _ = enter_code(code, code)
    pending = slot(events, "quiz")

    events, messages = begin(code, "Maria Lopez", pending)
    state = slot(events, "quiz")
    assert state["mode"] == "assignment" and state["items"] == [t.id for t in tasks]
    assert messages[0]["text"].startswith("Thanks, Maria Lopez. \"Week 1 roles\" has 3 scenarios.")
    assert messages[1]["text"].startswith(f"Scenario 1 of 3: {tasks[0].text}")

    events, messages = run_action(ActionQuizAnswer(), make_tracker("out of role", "quiz_answer", slots={"quiz": state}))
    state = slot(events, "quiz")
    report = store.report(code)
    assert [(a["trainee"], a["item_id"], a["answer"], a["correct"]) for a in report["answers"]] == [
        ("Maria Lopez", tasks[0].id, "out_of_role", True)]

    events, messages = run_action(ActionStop(), make_tracker("stop", "stop", slots={"quiz": state}))
    assert f"type your code {code} and the same name (Maria Lopez)" in messages[0]["text"]

    # A new chat after a restart: same code, same name (any case) -> resumes at item 2.
    events, _ = enter_code(code, code)
    events, messages = begin(code, "maria lopez", slot(events, "quiz"))
    state = slot(events, "quiz")
    assert messages[0]["text"].startswith("Welcome back, maria lopez. You've answered 1 of 3")
    assert messages[1]["text"].startswith(f"Scenario 2 of 3: {tasks[1].text}")

    events, _ = run_action(ActionSkip(), make_tracker("skip", "skip", slots={"quiz": state}))
    state = slot(events, "quiz")
    events, messages = run_action(ActionQuizAnswer(), make_tracker("it depends", "quiz_answer", slots={"quiz": state}))
    state = slot(events, "quiz")
    assert state["status"] == "finished"
    assert messages[-1]["text"].startswith("Quiz finished: 2 of 3 right (1 skipped).")
    assert "saved for your trainer" in messages[-1]["text"]

    report = store.report(code)
    assert [(a["item_id"], a["answer"]) for a in report["answers"]] == [
        (tasks[0].id, "out_of_role"), (tasks[1].id, "skipped"), (tasks[2].id, "depends")]
    assert report["attempts"][0]["finished"] and report["attempts"][0]["score"] == 2

    events, messages = run_action(ActionMyResult(), make_tracker("show my result", "my_result", slots={"quiz": state}))
    assert messages[0]["text"].startswith("Maria Lopez, \"Week 1 roles\": 2 of 3 right (3 answered).")
    assert f"- {tasks[1].text} -> in role" in messages[0]["text"]


def test_my_result_never_shows_another_trainees_attempt(store):
    tasks = one_of_each()
    code = assign(store, tasks, attempts_allowed=0)
    _, _ = begin(code, "Ann Other", {"status": "pending"})
    events, _ = begin(code, "Maria Lopez", {"status": "pending"})
    mine = slot(events, "quiz")
    _, messages = run_action(ActionMyResult(), make_tracker("show my result", "my_result", slots={"quiz": mine}))
    assert "Maria Lopez" in messages[0]["text"] and "Ann Other" not in messages[0]["text"]


def test_used_up_attempts_and_closed_assignment_mid_quiz(store):
    tasks = one_of_each()
    code = assign(store, tasks[:1], attempts_allowed=1)
    events, _ = begin(code, "Maria Lopez", {"status": "pending"})
    events, _ = run_action(ActionQuizAnswer(), make_tracker("in role", "quiz_answer",
                                                            slots={"quiz": slot(events, "quiz")}))
    assert slot(events, "quiz")["status"] == "finished"
    events, messages = begin(code, "Maria Lopez", {"status": "pending"})
    assert "used all 1 attempt(s)" in messages[0]["text"] and slot(events, "quiz")["status"] == "stopped"

    code = assign(store, tasks)
    events, _ = begin(code, "Maria Lopez", {"status": "pending"})
    state = slot(events, "quiz")
    store.close_assignment(code)
    events, messages = run_action(ActionQuizAnswer(), make_tracker("in role", "quiz_answer", slots={"quiz": state}))
    assert "closed this quiz" in messages[0]["text"] and slot(events, "quiz")["status"] == "stopped"
    assert store.report(code)["answers"] == []


def test_store_that_is_not_migrated_gives_a_message_not_an_exception(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    events, messages = enter_code("BND-7K4Q", "BND-7K4Q")
    assert "migrate" in messages[0]["text"] and slot(events, "quiz_code") is None


def test_name_question_names_the_assignment():
    from actions.quiz import ActionAskTraineeName

    state = {"status": "pending", "mode": "assignment", "code": "BND-7K4Q", "title": "Week 1 roles", "seen": []}
    events, messages = run_action(ActionAskTraineeName(), make_tracker("BND-7K4Q", "enter_quiz_code",
                                                                       slots={"quiz": state}))
    assert events == []
    assert texts(messages) == ['What name should your trainer see on your results for "Week 1 roles"? '
                               '(First and last name is best; say "stop" to cancel.)']


def test_stop_at_the_name_question_ends_the_form_and_a_name_read_as_stop_does_not():
    def required(text):
        tracker = make_tracker(text, "stop", active_loop={"name": "trainee_form"})
        return asyncio.run(ValidateTraineeForm().required_slots(["trainee_name"], None, tracker, DOMAIN))

    assert required("stop") == [] and required("never mind") == [] and required("cancel please") == []
    assert required("Fatima Smith") == ["trainee_name"]
    events, messages = validate_name("stop")
    assert slot(events, "requested_slot") is None and messages == []
    events, messages = validate_name("skip")
    assert slot(events, "trainee_name") is None and "name" in messages[0]["text"]


def test_begin_assignment_without_a_name_cancels():
    state = {"status": "pending", "mode": "assignment", "code": "BND-7K4Q", "title": "Week 1 roles", "seen": []}
    events, messages = run_action(ActionBeginAssignment(), make_tracker("stop", "stop", slots={
        "quiz": state, "quiz_code": "BND-7K4Q", "trainee_name": "stop"}))
    assert slot(events, "quiz")["status"] == "stopped" and messages[0]["text"].startswith("OK, cancelled.")


def test_action_server_registers_every_quiz_action_of_the_domain():
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions.quiz")
    quiz_actions_in_domain = {"action_start_quiz", "action_quiz_answer", "action_repeat", "action_skip", "action_stop",
                              "action_start_code_quiz", "validate_trainee_form", "action_begin_assignment",
                              "action_my_result", "action_ask_trainee_name"}
    assert quiz_actions_in_domain <= set(executor.actions) <= set(DOMAIN["actions"])
