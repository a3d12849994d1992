"""Results store, schema 0002: personal invites, trainer accounts, reopen/delete; and the chat
side of a personal code (bot.quiz.open_code starts the quiz with the invite's name).
Runs on SQLite and PostgreSQL like tests/test_store.py (same fixtures)."""
import re
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import PROJECT_ROOT, quiz
from bot import store as store_module
from bot.store import (AssignmentClosed, InvalidName, InviteRequired, StoreError, Trainer, UnknownCode, new_code,
                       normalise_code)
from tests.test_store import CODE_RE, TASKS, db_url, empty_url, store, take  # noqa: F401 (fixtures)


def test_invites_get_personal_codes_and_repeat_names_keep_theirs(store):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    first = store.add_invites(code, ["Ana Ruiz", " ben  okafor ", "ANA RUIZ"])
    assert [(i["name"], i["new"]) for i in first] == [("Ana Ruiz", True), ("ben okafor", True)]
    assert all(CODE_RE.match(i["code"]) and i["code"][:3] == code[:3] and i["code"] != code for i in first)
    again = store.add_invites(code, ["ana ruiz", "Cy Li"])
    assert again[0] == dict(first[0], new=False) and again[1]["new"]
    assert len({i["code"] for i in store.invites(code)}) == 3
    with pytest.raises(InvalidName):
        store.add_invites(code, ["   "])
    with pytest.raises(UnknownCode):
        store.add_invites("NOP-2345", ["Ana"])


def test_a_personal_code_carries_the_name_and_resumes(store):
    code = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    personal = store.add_invites(code, ["Ana Ruiz"])[0]["code"]
    info = store.lookup(personal.lower().replace("-", ""))
    assert (info["code"], info["trainee"], info["invite_code"]) == (code, "Ana Ruiz", personal)
    assert "trainee" not in store.lookup(code)

    attempt = store.start_or_resume_attempt(personal, "Somebody Else")  # the typed name is ignored
    store.record_answer(attempt.attempt_id, "b1", "in_role", "in_role", True)
    again = store.start_or_resume_attempt(personal)
    assert again.attempt_id == attempt.attempt_id and again.answered == {"b1": True}
    assert [a["trainee"] for a in store.report(code)["attempts"]] == ["Ana Ruiz"]


def test_the_shared_code_refuses_an_invited_name_but_serves_others(store):
    code = store.create_assignment("Week 1", item_ids=["b1"])
    store.add_invites(code, ["Ana Ruiz"])
    with pytest.raises(InviteRequired, match="personal link"):
        store.start_or_resume_attempt(code, "  ana   RUIZ ")
    assert store.start_or_resume_attempt(code, "Ben Okafor").attempt_number == 1


def test_closed_assignment_refuses_personal_codes_until_reopened(store):
    code = store.create_assignment("Week 1", item_ids=["b1"])
    personal = store.add_invites(code, ["Ana Ruiz"])[0]["code"]
    store.close_assignment(code)
    with pytest.raises(AssignmentClosed):
        store.lookup(personal)
    with pytest.raises(AssignmentClosed):
        store.start_or_resume_attempt(personal)
    store.reopen_assignment(code)
    assert store.lookup(personal)["status"] == "open"
    assert store.start_or_resume_attempt(personal).attempt_number == 1


def test_delete_trainee_also_removes_their_invites(store):
    one = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    two = store.create_assignment("Week 2", item_ids=["r1"])
    store.add_invites(one, ["Ana Ruiz", "Ben"])
    store.add_invites(two, ["Ana Ruiz"])
    take(store, store.invites(one)[0]["code"], None, {"b1": ("in role", True)})
    assert store.delete_trainee("ana ruiz", code=one) == 3  # 1 answer + 1 attempt + 1 invite
    assert [i["name"] for i in store.invites(one)] == ["Ben"]
    assert store.delete_trainee("Ana Ruiz") == 1            # the invite in Week 2
    assert store.invites(two) == []


def test_delete_assignment_removes_everything_of_it(store):
    keep = store.create_assignment("Keep", item_ids=["b1"])
    gone = store.create_assignment("Gone", item_ids=["b1", "b2"])
    store.add_invites(gone, ["Ana Ruiz"])
    take(store, gone, "Ben", {"b1": ("in role", True), "b2": ("in role", False)})
    take(store, keep, "Ben", {"b1": ("in role", True)})
    assert store.delete_assignment(gone) == 1 + 1 + 2 + 1  # assignment, invite, answers, attempt
    with pytest.raises(UnknownCode):
        store.report(gone)
    assert [a["code"] for a in store.list_assignments()] == [keep]
    assert store.item_tallies() == {"b1": {"right": 1, "answered": 1}}


def test_item_tallies_count_every_assignment(store):
    one = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    two = store.create_assignment("Week 2", item_ids=["b1"])
    take(store, one, "Ana", {"b1": ("in role", True), "b2": ("in role", False)})
    take(store, two, "Ana", {"b1": ("out of role", False)})
    assert store.item_tallies() == {"b1": {"right": 1, "answered": 2}, "b2": {"right": 0, "answered": 1}}


def test_personal_codes_are_read_by_the_chat_like_shared_codes():
    """Generated codes are found by bot.quiz.find_code and match the NLU regexes in data/nlu/quiz.yml."""
    nlu = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "quiz.yml").read_text())["nlu"]
    patterns = [re.compile(line.lstrip("- ").strip(), re.IGNORECASE)
                for block in nlu if block.get("regex") == "quiz_code"
                for line in block["examples"].splitlines() if line.strip()]
    assert patterns
    for _ in range(300):
        code = new_code("BND")
        assert quiz.find_code(code) == code == normalise_code(code.lower())
        assert any(p.search(code) for p in patterns), code


# ---------------------------------------------------------------- trainer accounts

def test_trainer_password_is_an_argon2_hash_and_checks(store, db_url):
    assert store.add_trainer("  Trainer@Agency.ORG ") == "trainer@agency.org"
    with pytest.raises(StoreError, match="exists already"):
        store.add_trainer("trainer@agency.org")
    assert store.check_trainer_password("trainer@agency.org", "anything at all") is None  # no password yet
    with pytest.raises(StoreError, match="at least 12"):
        store.set_password("trainer@agency.org", "short")
    store.set_password("trainer@agency.org", "correct horse battery")
    with Session(store_module.engine_for(db_url)) as session:
        stored = session.execute(select(Trainer.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert store.check_trainer_password("trainer@agency.org", "wrong horse battery") is None
    assert store.check_trainer_password("nobody@agency.org", "correct horse battery") is None
    assert store.check_trainer_password("not an email", "correct horse battery") is None
    ok = store.check_trainer_password("TRAINER@agency.org", "correct horse battery")
    assert ok["email"] == "trainer@agency.org" and store.trainer_by_id(ok["id"]) == ok
    assert store.list_trainers()[0]["last_sign_in_at"] is not None
    with pytest.raises(StoreError, match="not an email"):
        store.add_trainer("no-at-sign")


def test_set_password_token_is_one_time_and_expires(store, monkeypatch):
    store.add_trainer("t@agency.org")
    token = store.issue_password_token("t@agency.org")
    assert store.password_token_email(token) == "t@agency.org"
    assert store.password_token_email(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.set_password_with_token(token, "a long enough password") == "t@agency.org"
    assert store.password_token_email(token) is None
    with pytest.raises(StoreError, match="not valid any more"):
        store.set_password_with_token(token, "another long password")
    assert store.check_trainer_password("t@agency.org", "a long enough password")

    newer = store.issue_password_token("t@agency.org", valid_for=timedelta(hours=24))
    later = store_module.utcnow() + timedelta(hours=24, seconds=1)
    monkeypatch.setattr(store_module, "utcnow", lambda: later)
    assert store.password_token_email(newer) is None


def test_removed_trainer_cannot_sign_in(store):
    store.add_trainer("t@agency.org")
    store.set_password("t@agency.org", "correct horse battery")
    trainer_id = store.check_trainer_password("t@agency.org", "correct horse battery")["id"]
    assert store.remove_trainer("T@agency.org") is True
    assert store.remove_trainer("t@agency.org") is False
    assert store.trainer_by_id(trainer_id) is None
    assert store.check_trainer_password("t@agency.org", "correct horse battery") is None


# ---------------------------------------------------------------- the chat side (bot.quiz)

class _Task:
    def __init__(self, item):
        self.__dict__.update(item, sources=[{"doc": "x", "section": "y"}], values=(), instead=None)


def test_open_code_with_a_personal_code_starts_without_asking_a_name(store):
    bank = {t["id"]: _Task(t) for t in TASKS}
    code = store.create_assignment("Week 1", item_ids=["b1", "b2"])
    personal = store.add_invites(code, ["Ana Ruiz"])[0]["code"]

    turn, shared = quiz.open_code(lambda: store, personal, None, None, bank=bank)
    assert shared is None  # no name form
    assert turn.state["status"] == "active" and turn.state["trainee"] == "Ana Ruiz"
    assert turn.state["invite_code"] == personal and turn.state["code"] == code
    assert "Thanks, Ana Ruiz" in turn.messages[0]["text"]
    assert turn.messages[1]["text"].startswith("Scenario 1 of 2")

    stopped = quiz.stop(turn.state, bank)
    assert f"open your personal link again (or type your personal code {personal})" in stopped.messages[0]["text"]

    turn, shared = quiz.open_code(lambda: store, code, None, None, bank=bank)  # the shared code asks a name
    assert shared == code and turn.state["status"] == "pending"
    refused = quiz.begin_assignment(lambda: store, code, "ana ruiz", bank, previous=turn.state)
    assert "personal link" in refused.messages[0]["text"] and refused.state["status"] == "stopped"


# ---------------------------------------------------------------- the account commands

@pytest.fixture
def cli(db_url, monkeypatch, capsys):  # noqa: F811
    from bot.__main__ import main

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("TRAINER_PUBLIC_URL", "https://training.agency.example/")

    def run(*argv):
        capsys.readouterr()
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err
    return run


def test_add_trainer_without_a_terminal_prints_a_one_time_link(cli, db_url):
    status, out, _ = cli("add-trainer", "Coordinator@Agency.example")  # pytest's stdin is no TTY
    assert status == 0 and "Created trainer coordinator@agency.example" in out
    token = re.search(r"https://training\.agency\.example/trainer/set-password\?token=(\S+)", out).group(1)
    store = store_module.Store(db_url)
    assert store.password_token_email(token) == "coordinator@agency.example"
    status, _, err = cli("add-trainer", "coordinator@agency.example")
    assert status == 1 and "exists already" in err

    status, out, _ = cli("reset-trainer", "coordinator@agency.example")
    newer = re.search(r"token=(\S+)", out).group(1)
    assert status == 0 and store.password_token_email(token) is None and store.password_token_email(newer)

    status, out, _ = cli("trainers")
    assert status == 0 and "coordinator@agency.example" in out and "link pending" in out
    assert cli("remove-trainer", "coordinator@agency.example")[0] == 0
    status, _, err = cli("remove-trainer", "coordinator@agency.example")
    assert status == 1 and "no trainer" in err
    status, _, err = cli("add-trainer", "not-an-email")
    assert status == 1 and "is not an email address" in err


def test_add_trainer_on_a_terminal_asks_for_the_password_twice(cli, db_url, monkeypatch):
    import bot.store_cli as store_cli

    answers = iter(["short", "a long enough password", "a long enough password"])
    monkeypatch.setattr(store_cli.getpass, "getpass", lambda prompt="": next(answers))
    monkeypatch.setattr(store_cli.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(store_cli.sys.stdout, "isatty", lambda: True, raising=False)
    status, out, err = cli("add-trainer", "t@agency.example")
    assert status == 0 and "at least 12 characters" in err and "they can sign in at" in out
    assert store_module.Store(db_url).check_trainer_password("t@agency.example", "a long enough password")


def test_the_start_code_action_with_a_personal_code_starts_the_quiz_without_the_name_form(tmp_path, monkeypatch):
    from tests.test_quiz_actions import assign, enter_code, one_of_each, slot

    url = f"sqlite:///{tmp_path / 'results.db'}"
    store_module.migrate(url)
    monkeypatch.setenv("DATABASE_URL", url)
    store = store_module.Store(url)
    tasks = one_of_each()
    code = assign(store, tasks)
    personal = store.add_invites(code, ["Ana Ruiz"])[0]["code"]

    events, messages = enter_code(personal, personal)
    assert slot(events, "quiz_code") is None
    assert not any(e["event"] == "active_loop" for e in events)  # no name question
    state = slot(events, "quiz")
    assert state["status"] == "active" and state["trainee"] == "Ana Ruiz" and state["invite_code"] == personal
    assert messages[0]["text"].startswith("Thanks, Ana Ruiz.")
    assert messages[1]["text"].startswith(f"Scenario 1 of 3: {tasks[0].text}")
