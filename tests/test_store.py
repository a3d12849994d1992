"""Results store (bot/store.py) on real databases: a temp SQLite file and PostgreSQL.

PostgreSQL: 127.0.0.1:5432, database `test` (TEST_POSTGRES_URL overrides); each test gets a
fresh schema, dropped afterwards. Without a server the PostgreSQL cases skip with the
reason, except under CI=true where they fail.
"""
import functools
import multiprocessing
import os
import re
import threading
import uuid
import warnings
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from bot import store as store_module
from bot.store import (Answer, AssignmentClosed, AssignmentExpired, AttemptFinished, AttemptsUsedUp, InvalidName,
                       Store, StoreError, UnknownCode, migrate)

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

TASKS = [
    {"id": "b1", "text": "Share your own recovery story when it helps", "verdict": "in_role", "topic": "boundaries",
     "rationale": "b1 rationale", "sources": []},
    {"id": "b2", "text": "Lend a participant money", "verdict": "out_of_role", "topic": "boundaries",
     "rationale": "b2 rationale", "sources": []},
    {"id": "b3", "text": "Drive a participant home", "verdict": "depends", "topic": "boundaries",
     "rationale": "b3 rationale", "sources": []},
    {"id": "r1", "text": "Observe urine drops", "verdict": "out_of_role", "topic": "roles",
     "rationale": "r1 rationale", "sources": []},
    {"id": "r2", "text": "Co-facilitate a recovery group", "verdict": "in_role", "topic": "roles",
     "rationale": "r2 rationale", "sources": []},
    {"id": "r3", "text": "Diagnose a participant", "verdict": "out_of_role", "topic": "roles",
     "rationale": "r3 rationale", "sources": []},
]
CODE_RE = re.compile(r"^[A-Z]{3}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}$")


@functools.lru_cache(maxsize=1)
def _postgres():
    """(engine, None) when the server answers, else (None, reason); asked once per run."""
    engine = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return engine, None
    except Exception as error:  # any connection failure means: no server to test against
        engine.dispose()
        reason = f"no PostgreSQL at {PG_URL}: {str(error).strip().splitlines()[0]}"
        if os.environ.get("CI") != "true":
            warnings.warn(f"PostgreSQL store tests skipped: {reason}")  # shows in the summary without -rs
        return None, reason


def postgres_or_skip():
    """Fail under CI=true, skip locally, when no PostgreSQL server answers."""
    engine, reason = _postgres()
    if engine is None:
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true requires it)")
        pytest.skip(reason)
    return engine


def forget_engine(url):
    """Drop the cached engine and schema check, as a restarted process would start."""
    engine = store_module._engines.pop((url, os.getpid()), None)
    if engine is not None:
        engine.dispose()
    store_module._checked.discard(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A database URL with no schema yet."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'results.db'}"
        yield url
        forget_engine(url)
        return
    admin = postgres_or_skip()
    schema = f"store_test_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        forget_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def db_url(empty_url):
    migrate(empty_url)
    return empty_url


@pytest.fixture
def store(db_url):
    return Store(db_url, tasks=TASKS)


def answer_rows(url, attempt_id=None):
    with Session(store_module.engine_for(url)) as session:
        query = select(func.count(Answer.id))
        if attempt_id is not None:
            query = query.where(Answer.attempt_id == attempt_id)
        return session.execute(query).scalar_one()


# ---------------------------------------------------------------- schema

def test_migration_head_is_the_revision_the_code_expects():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot import PROJECT_ROOT
    assert ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_current_head() \
        == store_module.SCHEMA_REVISION


def test_store_refuses_an_unmigrated_database_and_migrate_is_idempotent(empty_url):
    with pytest.raises(StoreError, match="python -m bot migrate"):
        Store(empty_url, tasks=TASKS)
    assert migrate(empty_url) == (None, store_module.SCHEMA_REVISION)
    assert migrate(empty_url) == (store_module.SCHEMA_REVISION, store_module.SCHEMA_REVISION)
    Store(empty_url, tasks=TASKS)


def test_default_url_is_sqlite_under_var(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert store_module.database_url() == f"sqlite:///{store_module.VAR_DIR / 'results.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:secret@db/x")
    assert store_module.database_url() == "postgresql://u:secret@db/x"
    assert "secret" not in store_module.safe_url(None)


# ---------------------------------------------------------------- assignments

def test_create_lookup_list_close(store):
    code = store.create_assignment("Week 1", topics=["boundaries"], length=2, attempts_allowed=2)
    assert CODE_RE.match(code) and code.startswith("BND-")
    info = store.lookup(code)
    assert info["code"] == code and info["title"] == "Week 1" and info["length"] == 2 and info["status"] == "open"
    for typed in (code.lower(), code.replace("-", ""), " " + code.lower().replace("-", " ") + " "):
        assert store.lookup(typed)["code"] == code
    assert [a["code"] for a in store.list_assignments()] == [code]

    store.close_assignment(code.lower())
    with pytest.raises(AssignmentClosed, match="closed"):
        store.lookup(code)
    assert store.list_assignments()[0]["status"] == "closed"


def test_codes_are_unique_and_prefixed_from_title_without_topics(store):
    codes = {store.create_assignment("Self-disclosure practice", length=3) for _ in range(40)}
    assert len(codes) == 40
    assert all(CODE_RE.match(c) and c.startswith("SFD-") for c in codes)


def test_items_come_from_topics_or_explicit_list_in_order(store):
    by_topic = store.lookup(store.create_assignment("Roles", topics=["roles"], length=10))
    assert by_topic["length"] == 3  # only three role tasks exist
    code = store.create_assignment("Picked", item_ids=["r3", "b1", "r1"])
    assert store.start_or_resume_attempt(code, "Ana").item_ids == ["r3", "b1", "r1"]
    with pytest.raises(StoreError, match="nope"):
        store.create_assignment("Bad", item_ids=["b1", "nope"])
    with pytest.raises(StoreError, match="Known topics: boundaries, roles"):
        store.create_assignment("Bad", topics=["astrology"])
    with pytest.raises(StoreError, match="title"):
        store.create_assignment("   ")
    with pytest.raises(StoreError, match="passed"):
        store.create_assignment("Late", due=date.today() - timedelta(days=3))


@pytest.mark.parametrize("code", ["", None, "XYZ-2345", "BND-0O1I", "'; DROP TABLE assignments;--", "B" * 10_000])
def test_bad_codes_are_unknown(store, code):
    store.create_assignment("Week 1", topics=["boundaries"])
    with pytest.raises(UnknownCode, match="check it with your trainer"):
        store.lookup(code)
    with pytest.raises(UnknownCode):
        store.start_or_resume_attempt(code, "Ana")
    assert len(store.list_assignments()) == 1


def test_due_date_is_inclusive_then_expires(store, monkeypatch):
    today = datetime.now(timezone.utc).date()
    code = store.create_assignment("Due today", topics=["roles"], due=today)
    assert store.lookup(code)["due"] == today.isoformat()
    info = store.start_or_resume_attempt(code, "Ana")

    later = datetime.now(timezone.utc) + timedelta(days=2)
    monkeypatch.setattr(store_module, "utcnow", lambda: later)
    with pytest.raises(AssignmentExpired, match="was due " + today.isoformat()):
        store.lookup(code)
    with pytest.raises(AssignmentExpired):
        store.start_or_resume_attempt(code, "Ana")
    assert store.list_assignments()[0]["status"] == "expired"
    # an attempt already under way may still record its answers until the trainer closes it
    assert store.record_answer(info.attempt_id, info.item_ids[0], "out of role", "out_of_role", True)


# ---------------------------------------------------------------- attempts and names

def test_attempt_limit_and_name_normalisation(store):
    code = store.create_assignment("Week 1", topics=["boundaries"], attempts_allowed=2)
    first = store.start_or_resume_attempt(code, "  Ana   Ruiz ")
    assert first.attempt_number == 1 and not first.finished
    assert store.start_or_resume_attempt(code, "ana ruiz").attempt_id == first.attempt_id  # same person, resumes
    store.finish_attempt(first.attempt_id)
    second = store.start_or_resume_attempt(code, "ANA RUIZ")
    assert second.attempt_number == 2 and second.attempt_id != first.attempt_id and second.answered == {}
    store.finish_attempt(second.attempt_id)
    with pytest.raises(AttemptsUsedUp, match="all 2 attempt"):
        store.start_or_resume_attempt(code, "Ana Ruiz")
    assert store.start_or_resume_attempt(code, "Ben Okafor").attempt_number == 1  # others unaffected

    unlimited = store.create_assignment("Practice", topics=["roles"], attempts_allowed=0)
    for n in range(1, 5):
        info = store.start_or_resume_attempt(unlimited, "Ana Ruiz")
        assert info.attempt_number == n
        store.finish_attempt(info.attempt_id)


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "x" * 81, "N" * 100_000, "Ana\x00Ruiz", "Ana\nRuiz",
                                  "Ana\x1b[31mRuiz", "\u202eziuR anA", "!!!", None, 42])
def test_invalid_names_are_refused(store, name):
    code = store.create_assignment("Week 1", topics=["roles"])
    with pytest.raises(InvalidName):
        store.start_or_resume_attempt(code, name)
    assert store.report(code)["attempts"] == []


@pytest.mark.parametrize("name", ["x" * 80, "Zoë O'Brien-Łukasz", "李小龙", "Ana 🌟", "Robert'); DROP TABLE attempts;--"])
def test_unusual_but_valid_names_are_kept_verbatim(store, name):
    code = store.create_assignment("Week 1", topics=["roles"])
    info = store.start_or_resume_attempt(code, name)
    assert store.attempt_result(info.attempt_id)["trainee"] == name
    assert store.report(code)["attempts"][0]["trainee"] == name


def test_resume_after_restart_keeps_order_and_answers(db_url):
    store = Store(db_url, tasks=TASKS)
    code = store.create_assignment("Week 1", topics=["boundaries", "roles"], length=6)
    info = store.start_or_resume_attempt(code, "Ana Ruiz")
    assert sorted(info.item_ids) == ["b1", "b2", "b3", "r1", "r2", "r3"]
    store.record_answer(info.attempt_id, info.item_ids[0], "in role", "in_role", True)
    store.record_answer(info.attempt_id, info.item_ids[1], "in role", "out_of_role", False)

    forget_engine(db_url)  # as if the server process were killed and started again
    again = Store(db_url, tasks=TASKS).start_or_resume_attempt(code.lower(), "ana ruiz")
    assert again.attempt_id == info.attempt_id and again.item_ids == info.item_ids
    assert again.answered == {info.item_ids[0]: True, info.item_ids[1]: False}
    assert not again.finished


# ---------------------------------------------------------------- answers

def test_record_answer_once_per_item(store, db_url):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    info = store.start_or_resume_attempt(code, "Ana")
    assert store.record_answer(info.attempt_id, "b1", "in role", "in_role", True) is True
    assert store.record_answer(info.attempt_id, "b1", "out of role", "in_role", False) is False
    assert answer_rows(db_url, info.attempt_id) == 1
    assert store.start_or_resume_attempt(code, "Ana").answered == {"b1": True}
    with pytest.raises(StoreError, match="not part of this quiz"):
        store.record_answer(info.attempt_id, "r1", "x", "in_role", False)
    with pytest.raises(StoreError, match="no longer exists"):
        store.record_answer(999_999, "b1", "x", "in_role", False)

    assert store.record_answer(info.attempt_id, "b2", "z" * 100_000, "out_of_role", False)
    assert len(store.report(code)["answers"][1]["answer"]) == store_module.MAX_ANSWER
    store.finish_attempt(info.attempt_id)
    assert store.record_answer(info.attempt_id, "b2", "again", "out_of_role", False) is False  # late duplicate


def test_finished_attempt_takes_no_new_answers(store):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    info = store.start_or_resume_attempt(code, "Ana")
    store.record_answer(info.attempt_id, "b1", "in role", "in_role", True)
    store.finish_attempt(info.attempt_id)
    with pytest.raises(AttemptFinished):
        store.record_answer(info.attempt_id, "b2", "out of role", "out_of_role", True)
    assert store.attempt_result(info.attempt_id)["answered"] == 1


def test_answer_after_assignment_closed_is_refused(store, db_url):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    info = store.start_or_resume_attempt(code, "Ana")
    assert store.record_answer(info.attempt_id, "b1", "in role", "in_role", True)
    store.close_assignment(code)
    with pytest.raises(AssignmentClosed, match="closed"):
        store.record_answer(info.attempt_id, "b2", "out of role", "out_of_role", True)
    assert answer_rows(db_url, info.attempt_id) == 1
    with pytest.raises(AssignmentClosed):
        store.start_or_resume_attempt(code, "Ana")
    assert store.attempt_result(info.attempt_id)["score"] == 1  # the trainee can still see the result


def test_same_item_from_many_threads_is_recorded_once(store, db_url):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2", "b3"])
    info = store.start_or_resume_attempt(code, "Ana")
    barrier = threading.Barrier(8)
    results = []

    def answer(n):
        barrier.wait()
        results.append(store.record_answer(info.attempt_id, "b2", f"chat {n}", "out_of_role", n % 2 == 0))

    threads = [threading.Thread(target=answer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert answer_rows(db_url, info.attempt_id) == 1


def _answer_all_in_process(url, attempt_id, item_ids, chat, barrier, results):
    """A second chat (another Rasa replica) answering the same attempt in its own process."""
    store = Store(url, tasks=TASKS)
    barrier.wait()
    for item_id in item_ids:
        results.put((chat, item_id, store.record_answer(attempt_id, item_id, f"chat {chat}", "in_role", True)))


def test_two_processes_answering_the_same_attempt_never_double_count(store, db_url):
    code = store.create_assignment("Week 1", topics=["boundaries", "roles"], length=6)
    info = store.start_or_resume_attempt(code, "Ana")
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_answer_all_in_process,
                         args=(db_url, info.attempt_id, info.item_ids, chat, barrier, results)) for chat in (1, 2)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in range(2 * len(info.item_ids))]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    for item_id in info.item_ids:
        assert sorted(ok for _, i, ok in outcomes if i == item_id) == [False, True]
    assert answer_rows(db_url, info.attempt_id) == len(info.item_ids)
    assert store.attempt_result(info.attempt_id)["answered"] == len(info.item_ids)


def test_two_chats_starting_the_same_name_at_once_share_one_attempt(store):
    code = store.create_assignment("Week 1", topics=["roles"])
    barrier = threading.Barrier(6)
    ids = []

    def start():
        barrier.wait()
        ids.append(store.start_or_resume_attempt(code, "Ana Ruiz").attempt_id)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 6 and len(set(ids)) == 1


# ---------------------------------------------------------------- results, report, deletion

def take(store, code, name, answers, finish=True):
    """answers: item_id -> (answer, correct); returns the attempt id."""
    info = store.start_or_resume_attempt(code, name)
    verdicts = {t["id"]: t["verdict"] for t in TASKS}
    for item_id, (answer, correct) in answers.items():
        assert store.record_answer(info.attempt_id, item_id, answer, verdicts[item_id], correct)
    if finish:
        store.finish_attempt(info.attempt_id)
    return info.attempt_id


def test_attempt_result_shows_only_that_attempt(store):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2", "r1"])
    ana = take(store, code, "Ana", {"b1": ("in role", True), "b2": ("in role", False), "r1": ("depends", False)})
    take(store, code, "Ben", {"b1": ("out of role", False)})
    result = store.attempt_result(ana)
    assert result == {"trainee": "Ana", "title": "Week 1", "attempt_number": 1, "score": 1, "total": 3,
                      "answered": 3, "finished": True,
                      "missed": [{"item_id": "b2", "answer": "in role", "expected": "out_of_role"},
                                 {"item_id": "r1", "answer": "depends", "expected": "out_of_role"}]}
    assert "Ben" not in str(result)


def test_report_scores_items_and_most_missed(store):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2", "r1"], attempts_allowed=2)
    take(store, code, "Ana", {"b1": ("in role", True), "b2": ("in role", False), "r1": ("depends", False)})
    take(store, code, "Ana", {"b1": ("in role", True), "b2": ("out of role", True), "r1": ("in role", False)})
    take(store, code, "Ben", {"b1": ("in role", True), "b2": ("depends", False)}, finish=False)
    report = store.report(code)

    assert [(a["trainee"], a["attempt_number"], a["score"], a["answered"], a["total"], a["finished"])
            for a in report["attempts"]] == [("Ana", 1, 1, 3, 3, True), ("Ana", 2, 2, 3, 3, True),
                                             ("Ben", 1, 1, 2, 3, False)]
    assert report["items"] == [{"item_id": "b1", "right": 3, "answered": 3},
                               {"item_id": "b2", "right": 1, "answered": 3},
                               {"item_id": "r1", "right": 0, "answered": 2}]
    # equal misses: the item with the lower share right comes first
    assert [(m["item_id"], m["wrong"]) for m in report["most_missed"]] == [("r1", 2), ("b2", 2)]
    assert len(report["answers"]) == 8
    assert all(a["answered_at"].tzinfo is not None and a["answered_at"].utcoffset() == timedelta(0)
               for a in report["answers"])
    store.close_assignment(code)
    assert store.report(code)["assignment"]["status"] == "closed"  # trainers still read closed ones


def test_delete_trainee_everywhere_or_in_one_assignment(store, db_url):
    one = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    two = store.create_assignment("Week 2", item_ids=["r1"])
    take(store, one, "Ana Ruiz", {"b1": ("in role", True), "b2": ("in role", False)})
    take(store, two, "Ana Ruiz", {"r1": ("out of role", True)})
    take(store, one, "Ben", {"b1": ("in role", True)})

    assert store.delete_trainee("ana ruiz", code=two) == 2  # 1 answer + 1 attempt
    assert store.report(two)["attempts"] == []
    assert [a["trainee"] for a in store.report(one)["attempts"]] == ["Ana Ruiz", "Ben"]
    assert store.delete_trainee("  ANA  RUIZ ") == 3
    assert store.delete_trainee("Ana Ruiz") == 0
    assert [a["trainee"] for a in store.report(one)["attempts"]] == ["Ben"]
    assert answer_rows(db_url) == 1
    with pytest.raises(UnknownCode):
        store.delete_trainee("Ben", code="NOP-2345")
    with pytest.raises(InvalidName):
        store.delete_trainee("")


def test_answers_racing_a_close_are_either_recorded_or_refused(store, db_url):
    code = store.create_assignment("Week 1", topics=["boundaries", "roles"], length=6)
    attempts = [store.start_or_resume_attempt(code, f"Trainee {n}") for n in range(4)]
    barrier = threading.Barrier(len(attempts) + 1)
    outcomes = []

    def answer_all(info):
        barrier.wait()
        for item_id in info.item_ids[:-1]:  # the last one is answered after the close
            try:
                outcomes.append((info.attempt_id, item_id,
                                 store.record_answer(info.attempt_id, item_id, "in role", "in_role", True)))
            except AssignmentClosed:
                outcomes.append((info.attempt_id, item_id, "closed"))

    threads = [threading.Thread(target=answer_all, args=(info,)) for info in attempts]
    for t in threads:
        t.start()
    barrier.wait()
    store.close_assignment(code)
    for t in threads:
        t.join()
    recorded = {(a["trainee"], a["item_id"]) for a in store.report(code)["answers"]}
    names = {info.attempt_id: f"Trainee {n}" for n, info in enumerate(attempts)}
    assert len(outcomes) == 4 * 5
    for attempt_id, item_id, outcome in outcomes:
        assert outcome in (True, "closed")
        assert ((names[attempt_id], item_id) in recorded) == (outcome is True)
    with pytest.raises(AssignmentClosed):
        store.record_answer(attempts[0].attempt_id, attempts[0].item_ids[-1], "x", "in_role", False)


def test_an_unreachable_database_is_a_store_error_not_a_crash():
    with pytest.raises(store_module.DatabaseUnavailable, match="isn't answering") as caught:
        Store("postgresql://nobody@127.0.0.1:1/none", tasks=TASKS)
    assert isinstance(caught.value, StoreError)
