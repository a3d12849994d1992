"""Trainer CLI (bot/store_cli.py): `python -m bot assign|assignments|close|report|delete-trainee|migrate`."""
import csv
import subprocess
import sys
import types

import pytest

from bot import PROJECT_ROOT
from bot.__main__ import main
from bot.store import Store
from tests.test_store import TASKS, db_url, empty_url, take  # noqa: F401  (fixtures)

PYTHON = str(PROJECT_ROOT / ".venv" / "bin" / "python")


@pytest.fixture
def cli(db_url, monkeypatch, capsys):  # noqa: F811
    """Run `python -m bot ARGS` in-process on the test database with the test task bank."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setitem(sys.modules, "bot.tasks", types.SimpleNamespace(load_tasks=lambda: TASKS))

    def run(*argv):
        capsys.readouterr()
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err
    return run


def test_assign_prints_the_code_first_and_assignments_lists_it(cli):
    status, out, err = cli("assign", "--title", "Boundaries week 1", "--topics", "boundaries",
                           "--attempts", "2", "--due", "2099-12-31")
    assert status == 0
    code = out.strip()  # only the code on stdout, for CODE=$(python -m bot assign ...)
    assert code.startswith("BND-") and len(code) == 8
    assert "3 items from topics boundaries, 2 attempt(s), due 2099-12-31" in err and code in err

    status, out, _ = cli("assignments")
    assert status == 0 and code in out and "Boundaries week 1" in out and "open" in out and "2099-12-31" in out


def test_errors_are_one_friendly_line_and_nonzero(cli):
    for argv, message in [
        (("report", "XYZ-2345"), "no assignment has the code 'XYZ-2345'"),
        (("close", "nope"), "no assignment has the code 'NOPE'"),
        (("assign", "--title", "T", "--topics", "astrology"), "Unknown topics: astrology"),
        (("assign", "--title", "T", "--items", "b1,zz9"), "Unknown task ids: zz9"),
        (("delete-trainee", "   "), "I need a name"),
    ]:
        status, out, err = cli(*argv)
        assert status == 1 and message in err and "Traceback" not in err, (argv, err)
    with pytest.raises(SystemExit):
        cli("assign", "--title", "T", "--due", "31/12/2099")  # argparse refuses the date format


def test_report_table_and_csv_show_every_answer(cli, db_url, tmp_path):  # noqa: F811
    status, out, _ = cli("assign", "--title", "Week 1", "--items", "b1,b2,r1")
    code = out.splitlines()[0]
    store = Store(db_url, tasks=TASKS)
    take(store, code, "Ana Ruiz", {"b1": ("in role", True), "b2": ("=HYPERLINK(\"x\")", False),
                                   "r1": ("out of role", True)})
    take(store, code, "Ben Okafor", {"b1": ("depends", False), "b2": ("in role", False)}, finish=False)

    csv_path = tmp_path / "week1.csv"
    status, out, _ = cli("report", code.lower(), "--csv", str(csv_path))
    assert status == 0
    table = out.splitlines()
    assert any(line.split()[:6] == ["Ana", "Ruiz", "1", "2/3", "3/3", "finished"] for line in table)
    assert any(line.split()[:7] == ["Ben", "Okafor", "1", "0/3", "2/3", "in", "progress"] for line in table)
    assert any(line.split()[:3] == ["b2", "0/2", "out"] and "Lend a participant money" in line for line in table)
    most_missed = out.split("Most missed:")[1]
    assert most_missed.index("b2: 2 of 2 wrong") < most_missed.index("b1: 1 of 2 wrong")
    assert "Why: b2 rationale" in most_missed and "r1" not in most_missed
    assert "Wrote 5 answers" in out

    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 5
    assert list(rows[0]) == ["trainee", "attempt", "item", "task", "answer", "expected", "correct", "answered_at_utc"]
    assert [(r["trainee"], r["item"], r["expected"], r["correct"]) for r in rows] == [
        ("Ana Ruiz", "b1", "in_role", "yes"), ("Ana Ruiz", "b2", "out_of_role", "no"),
        ("Ana Ruiz", "r1", "out_of_role", "yes"), ("Ben Okafor", "b1", "in_role", "no"),
        ("Ben Okafor", "b2", "out_of_role", "no")]
    assert rows[1]["task"] == "Lend a participant money"
    assert rows[1]["answer"] == "'=HYPERLINK(\"x\")"  # no formula runs when a trainer opens the file
    assert len(rows[0]["answered_at_utc"]) == 19


def test_close_then_delete_trainee(cli, db_url):  # noqa: F811
    code = cli("assign", "--title", "Week 1", "--items", "b1,b2")[1].splitlines()[0]
    store = Store(db_url, tasks=TASKS)
    take(store, code, "Ana Ruiz", {"b1": ("in role", True)})
    status, out, _ = cli("close", code)
    assert status == 0 and "Closed" in out
    assert "closed" in cli("assignments")[1]

    status, out, _ = cli("delete-trainee", "ana ruiz", "--code", code)
    assert status == 0 and "Deleted 2 rows" in out and '"ana ruiz"' in out
    status, out, _ = cli("delete-trainee", "Ana Ruiz")
    assert status == 0 and "No records" in out
    assert store.report(code)["attempts"] == []


def test_migrate_command_is_quiet_and_idempotent(empty_url, tmp_path):  # noqa: F811
    env = {"DATABASE_URL": empty_url, "PATH": "/usr/bin:/bin"}
    for expected in ("upgraded from empty", "already up to date"):
        done = subprocess.run([PYTHON, "-m", "bot", "migrate"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and expected in done.stdout, done.stderr
    done = subprocess.run([PYTHON, "-m", "bot", "migrate", "--quiet"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_unreachable_database_is_a_clear_error():
    env = {"DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([PYTHON, "-m", "bot", "assignments"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith("error: results database postgresql://nobody:***@127.0.0.1:1/none")
    assert "secret" not in done.stderr and "Traceback" not in done.stderr


def test_cli_modules_do_not_import_sqlalchemy_at_start():
    code = "import sys, bot.__main__, bot.store_cli; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([PYTHON, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_report_with_the_real_task_bank(db_url, monkeypatch, capsys):  # noqa: F811
    from bot.tasks import load_tasks

    monkeypatch.setenv("DATABASE_URL", db_url)
    assert main(["assign", "--title", "Boundaries", "--topics", "boundaries", "--length", "3"]) == 0
    code = capsys.readouterr().out.splitlines()[0]
    store = Store(db_url)
    info = store.start_or_resume_attempt(code, "Ana Ruiz")
    bank = {t.id: t for t in load_tasks()}
    assert all(bank[i].topic == "boundaries" for i in info.item_ids) and len(info.item_ids) == 3
    wrong = info.item_ids[0]
    store.record_answer(info.attempt_id, wrong, "skipped", bank[wrong].verdict, False)
    assert main(["report", code]) == 0
    out = capsys.readouterr().out
    assert f"1. {wrong}: 1 of 1 wrong" in out
    assert " ".join(bank[wrong].rationale.split())[:40] in " ".join(out.split())


def test_delete_trainee_also_removes_onboarding_progress(cli, db_url):  # noqa: F811
    from datetime import datetime, timezone

    from bot.onboarding.progress import Progress

    progress = Progress(db_url)
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    code = progress.create_assignment("New staff", now)
    assert progress.find_learner("Bea Lopez", code=code, now=now, create=True)
    status, out, _ = cli("delete-trainee", "bea lopez", "--code", code)
    assert status == 0 and "Deleted 1 rows" in out
    assert progress.find_learner("Bea Lopez", code=code, now=now) is None
