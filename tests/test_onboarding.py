"""Onboarding path (bot/onboarding): content, engine, progress in a real SQLite results store,
spaced review with an injected clock, trainer report and CLI."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from bot.onboarding import engine, lessons, review
from bot.onboarding.progress import Progress
from bot.store import Store, migrate
from tests.test_store import PG_URL, forget_engine, postgres_or_skip

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PATH = lessons.load()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A migrated results store: a temp SQLite file, or a fresh PostgreSQL schema (as in
    tests/test_store.py: skipped locally without a server, required under CI=true)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'results.db'}"
        migrate(url)
        yield url
        forget_engine(url)
        return
    admin = postgres_or_skip()
    schema = f"onboarding_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        migrate(url)
        yield url
    finally:
        forget_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def progress(db_url):
    return Progress(db_url)


def texts(turn):
    return "\n".join(m["text"] for m in turn.messages)


def right_answer(item):
    if item.kind == "task":
        return {"in_role": "in role", "out_of_role": "out of role", "depends": "it depends"}[item.answer]
    return "abcdefgh"[item.answer]


def wrong_answer(item):
    if item.kind == "task":
        return "it depends" if item.answer != "depends" else "in role"
    return "abcdefgh"[(item.answer + 1) % len(item.choices)]


def position(progress, state):
    return progress.learner(state["learner_id"])["position"]


def current_item(progress, state):
    pos = position(progress, state)
    return PATH.items[engine._item_ids(PATH, pos)[pos["item"]]]


# ---------------------------------------------------------------- content

def test_path_has_six_lessons_with_two_or_three_checks_and_parallel_pre_post():
    assert len(PATH.lessons) == 6
    for lesson in PATH.lessons:
        assert 2 <= len(lesson.checks) <= 3
        assert all(m.sources and m.quote for m in lesson.messages)
    assert 4 <= len(PATH.pre_check) == len(PATH.post_check) <= 5
    for pre, post in zip(PATH.pre_check, PATH.post_check):
        assert pre != post and PATH.items[pre].principle == PATH.items[post].principle
    assert not set(PATH.pre_check + PATH.post_check) & {i for l in PATH.lessons for i in l.checks}


def test_every_quote_in_lessons_occurs_in_its_cited_section():
    import yaml

    from bot import CONTENT_DIR, documents

    raw = yaml.safe_load(open(CONTENT_DIR / "lessons.yml", encoding="utf-8"))
    quotes = [q for lesson in raw["lessons"] for m in lesson["messages"] for q in m["quotes"]]
    quotes += [q for item in raw["choice_items"].values() for q in item["quotes"]]
    assert len(quotes) > 60
    assert [documents.check(q) for q in quotes if documents.check(q)] == []


def test_reading_time_is_counted():
    words = lessons.reading_words()
    assert set(words["lessons"]) == {l.id for l in PATH.lessons}
    assert words["minutes"] == pytest.approx(words["total"] / 200)


def test_bad_content_is_refused():
    tasks = {}
    raw = {"lessons": [{"id": "x", "title": "X", "messages": [{"text": "no quotes"}]}]}
    with pytest.raises(lessons.LessonError):
        lessons.parse(raw, tasks)


@pytest.mark.parametrize("text,index", [("b", 1), ("B)", 1), ("option c", 2), ("I think it's a", 0), ("2", 1),
                                        ("Voluntary", 1), ("hmm", None), ("e", None)])
def test_parse_choice(text, index):
    item = PATH.items["choice:l2_voluntary"]
    assert engine.parse_choice(text, item) == index


# ---------------------------------------------------------------- the path

def start(progress, name="Dana Reyes", code=None, now=T0):
    return engine.begin(progress, name, code, "start", now)


def test_full_path_with_a_miss_stop_resume_and_gain(progress, db_url):
    turn = start(progress)
    assert "pre-check" in texts(turn).lower() and turn.state["active"]
    state = turn.state
    # Pre-check: all wrong.
    for _ in PATH.pre_check:
        turn = engine.answer(progress, state, wrong_answer(current_item(progress, state)), T0)
    assert "Lesson 1 of 6" in texts(turn)
    assert position(progress, state) == {"phase": "lesson", "lesson": 0, "step": 0}

    # Read lesson 1, with "tell me more" on the way.
    more = engine.tell_more(progress, state, T0)
    assert more is not None and "Source:" in texts(more)
    while position(progress, state)["phase"] == "lesson":
        turn = engine.next_step(progress, state, T0)
    assert "check questions" in texts(turn)
    # "next" at a question asks for an answer first.
    assert "needs an answer" in texts(engine.next_step(progress, state, T0))
    # Miss the first check item, get the rest right.
    missed = current_item(progress, state)
    turn = engine.answer(progress, state, wrong_answer(missed), T0)
    assert "Not quite" in texts(turn) and "review" in texts(turn)
    while position(progress, state)["phase"] == "check":
        turn = engine.answer(progress, state, right_answer(current_item(progress, state)), T0)
    assert "Lesson 2 of 6" in texts(turn)

    # Stop, then a "new conversation" (no slot state) and a restarted process resume it.
    turn = engine.stop(progress, state, T0)
    assert "continue onboarding" in texts(turn) and not turn.state["active"]
    forget_engine(db_url)
    fresh = Progress(db_url)
    turn = engine.begin(fresh, "  dana REYES ", None, "continue", T0 + timedelta(hours=2))
    assert "Welcome back" in texts(turn) and "1 of 6 lessons" in texts(turn)
    assert "Lesson 2 of 6" in texts(turn)
    state = turn.state

    # Finish: read every lesson, answer every check and the post-check right.
    while position(fresh, state)["phase"] != "done":
        phase = position(fresh, state)["phase"]
        if phase == "lesson":
            turn = engine.next_step(fresh, state, T0 + timedelta(hours=2))
        else:
            turn = engine.answer(fresh, state, right_answer(current_item(fresh, state)), T0 + timedelta(hours=2))
    assert "Pre-check: 0 of 5 right. Post-check: 5 of 5 right." in texts(turn)
    assert "What you now get right" in texts(turn)
    assert not turn.state["active"]
    assert fresh.learner(state["learner_id"])["finished_at"] is not None

    # Progress shows all lessons done.
    report = texts(engine.my_progress(fresh, state))
    assert report.count(": done") == 6 and "Post-check: 5 of 5" in report

    # The next day: the greeting offers a review, and the review shows the missed item.
    tomorrow = T0 + timedelta(days=1, hours=3)
    offer = engine.greeting_offer(fresh, state, tomorrow)
    assert any("due for a quick review" in m["text"] for m in offer)
    turn = engine.start_review(fresh, state, tomorrow)
    assert missed.question in texts(turn)
    turn = engine.answer(fresh, turn.state, right_answer(missed), tomorrow)
    assert "Review done: 1 of 1 right" in texts(turn) and turn.state["review"] is None


def test_unreadable_answers_are_asked_again_without_penalty(progress):
    state = start(progress).state
    turn = engine.answer(progress, state, "what do you mean?", T0)
    assert "didn't catch" in texts(turn)
    assert position(progress, state) == {"phase": "pre", "item": 0}
    assert progress.answers(state["learner_id"]) == []


def test_skip_counts_as_missed_and_is_reviewed(progress):
    state = start(progress).state
    for _ in PATH.pre_check:
        engine.skip(progress, state, T0)
    for _ in PATH.lessons[0].messages[1:]:
        engine.next_step(progress, state, T0)
    engine.next_step(progress, state, T0)  # to the checks
    item = current_item(progress, state)
    turn = engine.skip(progress, state, T0)
    assert "Skipped" in texts(turn)
    assert progress.due_items(state["learner_id"], T0 + timedelta(days=1)) == [item.id]


def test_same_name_with_and_without_a_code_are_different_learners(progress):
    code = progress.create_assignment("Week 1 onboarding", T0)
    a = start(progress, "Sam Lee", code).state
    b = start(progress, "Sam Lee").state
    assert a["learner_id"] != b["learner_id"] and a["code"] == code and b["code"] is None
    again = engine.begin(progress, "sam lee", code.lower().replace("-", ""), "continue", T0).state
    assert again["learner_id"] == a["learner_id"]


def test_unknown_code_and_unknown_learner(progress):
    turn = engine.begin(progress, "Sam Lee", "ZZZ-2345", "start", T0)
    assert "don't know the onboarding code" in texts(turn) and turn.state is None
    turn = engine.begin(progress, "Nobody Here", None, "progress", T0)
    assert "no onboarding record" in texts(turn)
    turn = engine.begin(progress, "New Person", None, "continue", T0)
    assert "start from the beginning" in texts(turn) and turn.state["active"]


def test_nothing_running(progress):
    assert "haven't started" in texts(engine.next_step(progress, None, T0))
    assert "isn't running" in texts(engine.stop(progress, {"learner_id": 1, "active": False}, T0))
    assert engine.tell_more(progress, None, T0) is None


# ---------------------------------------------------------------- spaced review

def test_missed_item_comes_back_until_right_twice_in_a_row(progress):
    learner = progress.find_learner("Ana Ruiz", None, T0, create=True)
    item = "task:coopt_observe_urine"
    progress.schedule_review(learner["id"], item, False, T0)
    assert progress.due_items(learner["id"], T0) == []            # due again in a minute, not now
    assert progress.due_items(learner["id"], T0 + timedelta(days=1)) == [item]
    t = T0 + timedelta(days=1)
    progress.schedule_review(learner["id"], item, True, t)
    card = progress.cards(learner["id"])[0]
    assert card["right_in_a_row"] == 1 and not card["retired"]
    t = card["due_at"]
    progress.schedule_review(learner["id"], item, False, t)       # wrong again: the streak restarts
    assert progress.cards(learner["id"])[0]["right_in_a_row"] == 0
    for _ in range(2):
        t = max(progress.cards(learner["id"])[0]["due_at"], t) + timedelta(minutes=1)
        progress.schedule_review(learner["id"], item, True, t)
    assert progress.cards(learner["id"])[0]["retired"]
    assert progress.due_items(learner["id"], t + timedelta(days=365)) == []


def test_right_answers_create_no_cards(progress):
    learner = progress.find_learner("Ana Ruiz", None, T0, create=True)
    progress.schedule_review(learner["id"], "task:coopt_observe_urine", True, T0)
    assert progress.cards(learner["id"]) == []


def test_review_rate_needs_aware_time():
    with pytest.raises(ValueError):
        review.rate({"card": review.new_card(), "right_in_a_row": 0}, True, datetime(2026, 1, 1))


def test_quiz_misses_of_the_same_name_come_back_in_review(progress, db_url):
    store = Store(db_url)
    code = store.create_assignment("Boundaries", item_ids=["bound_dating", "coopt_observe_urine"])
    attempt = store.start_or_resume_attempt(code, "Ana Ruiz")
    store.record_answer(attempt.attempt_id, "bound_dating", "in_role", "out_of_role", False)
    store.record_answer(attempt.attempt_id, "coopt_observe_urine", "out_of_role", "out_of_role", True)
    state = start(progress, "ana ruiz").state
    later = datetime.now(timezone.utc) + timedelta(days=1)
    turn = engine.start_review(progress, state, later)
    assert "Review 1 of 1" in texts(turn)
    assert lessons.item("task:bound_dating").question in texts(turn)


# ---------------------------------------------------------------- trainer report and CLI

def test_report_per_learner_and_group_gain(progress):
    code = progress.create_assignment("Cohort A", T0)
    for name, pre_right in (("A One", 1), ("B Two", 3)):
        state = start(progress, name, code).state
        for k, _ in enumerate(PATH.pre_check):
            item = current_item(progress, state)
            engine.answer(progress, state, right_answer(item) if k < pre_right else wrong_answer(item), T0)
    # B Two finishes; one check item wrong.
    first_miss = None
    while position(progress, state)["phase"] != "done":
        pos = position(progress, state)
        if pos["phase"] == "lesson":
            engine.next_step(progress, state, T0)
            continue
        item = current_item(progress, state)
        if pos["phase"] == "check" and first_miss is None:
            first_miss = item.id
            engine.answer(progress, state, wrong_answer(item), T0)
        else:
            engine.answer(progress, state, right_answer(item), T0)
    result = engine.report(progress.report_rows(code))
    rows = {r["name"]: r for r in result["learners"]}
    assert rows["A One"]["lessons_done"] == 0 and rows["A One"]["pre"] == 1 and rows["A One"]["gain"] is None
    assert rows["B Two"]["finished"] and rows["B Two"]["missed"] == [first_miss]
    assert (rows["B Two"]["pre"], rows["B Two"]["post"], rows["B Two"]["gain"]) == (3, 5, 2)
    assert result["group"]["learners"] == 1 and result["group"]["gain_mean"] == 2


def test_cli_assign_and_report(db_url, monkeypatch, capsys):
    from bot.__main__ import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["assign-onboarding", "--title", "New staff, March"]) == 0
    code = capsys.readouterr().out.strip()
    assert code.startswith("ONB-")
    start(Progress(db_url), "Lee Park", code)
    assert main(["onboarding-report", code]) == 0
    out = capsys.readouterr().out
    assert "New staff, March" in out and "Lee Park" in out and "0/6" in out
    assert main(["onboarding-report", "ONB-ZZZZ"]) == 1
