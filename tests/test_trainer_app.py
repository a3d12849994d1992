"""The trainer web app (trainer/) through Starlette's TestClient, on a temp SQLite store with
the real task bank. The browser test (tests/browser/test_trainer.py) covers the same flow in
Chromium together with the chat."""
import csv
import html
import io
import re
from contextlib import contextmanager

import pytest
from starlette.testclient import TestClient

from bot.store import AssignmentClosed, Store, migrate, task_bank
from bot.store_cli import CSV_COLUMNS, csv_rows
from bot.tasks import tasks_by_id
from tests.test_store import db_url, empty_url, forget_engine  # noqa: F401 (fixtures)
from trainer.app import create_app

EMAIL, PASSWORD = "trainer@agency.org", "correct horse battery"
BASE = "http://127.0.0.1:5002"
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'results.db'}"
    migrate(url)
    store = Store(url)
    store.add_trainer(EMAIL)
    store.set_password(EMAIL, PASSWORD)
    yield store
    forget_engine(url)


@pytest.fixture
def client(store, monkeypatch):
    monkeypatch.delenv("TRAINER_CHAT_URL", raising=False)
    monkeypatch.setenv("TRAINER_PORT", "5002")
    monkeypatch.setenv("RASA_PORT", "5005")
    with TestClient(create_app(store=store, secret="x" * 64), base_url=BASE) as client:
        yield client


def csrf(client, path="/trainer/sign-in"):
    return TOKEN.search(client.get(path).text).group(1)


def sign_in(client, email=EMAIL, password=PASSWORD, next_path="/trainer/"):
    return client.post("/trainer/sign-in", data={"email": email, "password": password, "next": next_path,
                                                 "csrftoken": csrf(client)}, follow_redirects=False)


@pytest.fixture
def signed_in(client):
    assert sign_in(client).status_code == 303
    return client


def create(client, title="Boundaries, week 1", topics=("boundaries",), length="3", invitees="Ana Ruiz\nBen Okafor, Cy Li"):
    token = csrf(client, "/trainer/")
    response = client.post("/trainer/assignments", data={"title": title, "topics": list(topics), "length": length,
                                                         "attempts": "1", "due": "", "invitees": invitees,
                                                         "csrftoken": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def take(store, personal_code, answers):
    """answers: list of booleans (right or wrong) for the first items; wrong answers say 'depends'
    unless that is right, then 'in_role'."""
    bank = tasks_by_id()
    attempt = store.start_or_resume_attempt(personal_code)
    for item_id, right in zip(attempt.item_ids, answers):
        expected = bank[item_id].verdict
        given = expected if right else ("depends" if expected != "depends" else "in_role")
        store.record_answer(attempt.attempt_id, item_id, given, expected, right)
    if len(answers) == len(attempt.item_ids):
        store.finish_attempt(attempt.attempt_id)
    return attempt


# ---------------------------------------------------------------- no session, no page

@pytest.mark.parametrize("path", ["/trainer/", "/trainer/a/BND-2345", "/trainer/a/BND-2345/results.csv",
                                  "/trainer/a/BND-2345/delete", "/trainer/trainee/delete?name=Ana"])
def test_every_page_without_a_session_redirects_to_sign_in(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/trainer/sign-in?next=")


@pytest.mark.parametrize("path", ["/trainer/assignments", "/trainer/a/BND-2345/close", "/trainer/a/BND-2345/invites",
                                  "/trainer/trainee/delete", "/trainer/sign-out"])
def test_posts_without_a_session_go_nowhere(client, path):
    response = client.post(path, data={"csrftoken": csrf(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/trainer/sign-in")
    assert client.post(path, data={}, follow_redirects=False).status_code == 403  # and no token: CSRF


def test_sign_in_sets_a_signed_httponly_samesite_session(client):
    response = sign_in(client, next_path="/trainer/a/BND-2345")
    assert response.status_code == 303 and response.headers["location"] == "/trainer/a/BND-2345"
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("trainer_session="))
    assert "httponly" in session.lower() and "samesite=lax" in session.lower() and "path=/trainer;" in session
    assert client.get("/trainer/").status_code == 200


def test_wrong_password_and_unknown_account_are_refused_alike(client):
    wrong = sign_in(client, password="wrong horse battery")
    unknown = sign_in(client, email="nobody@agency.org")
    assert wrong.status_code == unknown.status_code == 401
    assert "match an account" in wrong.text and "match an account" in unknown.text
    assert client.get("/trainer/", follow_redirects=False).status_code == 303


def test_sign_in_without_or_with_a_forged_csrf_token_is_refused(client):
    data = {"email": EMAIL, "password": PASSWORD, "next": "/trainer/"}
    client.get("/trainer/sign-in")  # has the CSRF cookie, leaves the form field out
    assert client.post("/trainer/sign-in", data=data, follow_redirects=False).status_code == 403
    forged = dict(data, csrftoken="bm90LWEtdG9rZW4.forged")
    assert client.post("/trainer/sign-in", data=forged, follow_redirects=False).status_code == 403
    assert client.get("/trainer/", follow_redirects=False).status_code == 303


def test_failed_sign_ins_are_rate_limited_per_email(client):
    for _ in range(5):
        assert sign_in(client, password="wrong horse battery").status_code == 401
    limited = sign_in(client)  # even the right password now waits
    assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text


def test_failed_sign_ins_are_rate_limited_per_ip(client):
    for n in range(20):
        assert sign_in(client, email=f"guess{n}@agency.org").status_code == 401
    assert sign_in(client).status_code == 429


def test_next_cannot_send_a_trainer_to_another_site(client):
    for target in ["//evil.example/", "https://evil.example/trainer/", "/\\evil.example"]:
        assert sign_in(client, next_path=target).headers["location"] == "/trainer/"
        client.cookies.clear()


def test_sign_out_ends_the_session(signed_in):
    token = csrf(signed_in, "/trainer/")
    assert signed_in.post("/trainer/sign-out", data={"csrftoken": token}, follow_redirects=False).status_code == 303
    assert signed_in.get("/trainer/", follow_redirects=False).status_code == 303


def test_a_removed_trainer_or_changed_password_ends_sessions(store, signed_in):
    store.set_password(EMAIL, "a brand new password")
    assert signed_in.get("/trainer/", follow_redirects=False).status_code == 303
    assert sign_in(signed_in, password="a brand new password").status_code == 303
    store.remove_trainer(EMAIL)
    assert signed_in.get("/trainer/", follow_redirects=False).status_code == 303


def test_set_password_link_works_once(store, client):
    store.add_trainer("new@agency.org")
    token = store.issue_password_token("new@agency.org")
    page = client.get(f"/trainer/set-password?token={token}")
    assert page.status_code == 200 and "new@agency.org" in page.text
    form = {"password": "a fine long password", "confirm": "a fine long password",
            "csrftoken": TOKEN.search(page.text).group(1)}
    assert client.post(f"/trainer/set-password?token={token}", data=dict(form, confirm="different"),
                       follow_redirects=False).status_code == 400
    assert client.post(f"/trainer/set-password?token={token}", data=form, follow_redirects=False).status_code == 303
    assert client.get(f"/trainer/set-password?token={token}").status_code == 404
    assert sign_in(client, email="new@agency.org", password="a fine long password").status_code == 303


def test_pages_send_security_headers(client):
    headers = client.get("/trainer/sign-in").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


# ---------------------------------------------------------------- assignments and results

def test_home_lists_topics_with_item_counts(signed_in):
    page = signed_in.get("/trainer/").text
    counts = {}
    for task in tasks_by_id().values():
        counts[task.topic] = counts.get(task.topic, 0) + 1
    assert f'value="boundaries"' in page
    assert f"({counts['boundaries']} items)" in page


def test_create_with_invites_shows_codes_and_personal_links(store, signed_in):
    code = create(signed_in)
    page = signed_in.get(f"/trainer/a/{code}").text
    assert code in page and "Boundaries, week 1" in page
    invites = store.invites(code)
    assert [i["name"] for i in invites] == ["Ana Ruiz", "Ben Okafor", "Cy Li"]
    for invite in invites:
        assert f"http://127.0.0.1:5005/chat/?code={invite['code']}" in page
    assert page.count("not started") == 3


def test_bad_assignment_form_is_shown_again_with_the_reason(signed_in):
    token = csrf(signed_in, "/trainer/")
    response = signed_in.post("/trainer/assignments", data={"title": "", "length": "x", "csrftoken": token})
    assert response.status_code == 400 and "must be a whole number" in response.text
    response = signed_in.post("/trainer/assignments", data={"title": "T", "length": "3", "topics": ["nope"],
                                                            "csrftoken": token})
    assert response.status_code == 400 and "Unknown topics: nope" in response.text


def test_close_reopen_and_delete_with_confirmation(store, signed_in):
    code = create(signed_in)
    token = csrf(signed_in, f"/trainer/a/{code}")
    personal = store.invites(code)[0]["code"]
    signed_in.post(f"/trainer/a/{code}/close", data={"csrftoken": token})
    assert store.list_assignments()[0]["status"] == "closed"
    with pytest.raises(AssignmentClosed):
        store.lookup(personal)
    signed_in.post(f"/trainer/a/{code}/reopen", data={"csrftoken": token})
    assert store.list_assignments()[0]["status"] == "open" and store.lookup(personal)["trainee"] == "Ana Ruiz"
    confirm = signed_in.get(f"/trainer/a/{code}/delete")
    assert confirm.status_code == 200 and "can't be undone" in confirm.text
    assert store.list_assignments()  # nothing deleted by looking
    signed_in.post(f"/trainer/a/{code}/delete", data={"csrftoken": token})
    assert store.list_assignments() == []
    assert signed_in.get(f"/trainer/a/{code}").status_code == 404


def test_results_scores_items_charts_and_csv(store, signed_in):
    code = create(signed_in)
    ana, ben, _ = store.invites(code)
    take(store, ana["code"], [True, True, False])
    take(store, ben["code"], [False, True])  # stopped after two
    page = signed_in.get(f"/trainer/a/{code}").text
    assert re.search(r"Ana Ruiz</td>\s*<td>finished</td>\s*<td class=\"num\">2/3 \(67%\)", page)
    assert re.search(r"Ben Okafor</td>\s*<td>in progress</td>\s*<td class=\"num\">1/3 \(33%\)", page)
    assert "Invited 3 · started 2 · finished 1 · mean score 67%" in page

    report = store.report(code)
    bank = tasks_by_id()
    items = re.search(r'<table class="list items" id="items">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", items, re.S)[1:]
    assert len(rows) == 3
    for row, item, right in zip(rows, report["items"], ["50% (1/2)", "100% (2/2)", "0% (0/1)"]):
        task = bank[item["item_id"]]
        assert right in row
        assert task.rationale[:40].replace("'", "&#39;").replace('"', "&#34;") in row and "Source:" in row
        if right != "100% (2/2)":  # the one wrong answer given: "depends", or "in role" when depends is right
            assert ("in role (1)" if task.verdict == "depends" else "depends (1)") in row

    score_svg = re.search(r'<figure id="score-chart">(.*?)</figure>', page, re.S).group(1)
    item_svg = re.search(r'<figure id="item-chart">(.*?)</figure>', page, re.S).group(1)
    assert score_svg.count('class="bar"') == 1   # one finished attempt: one bar (score 2/3)
    assert ">2/3</text>" in score_svg
    right = [r["right"] for r in report["items"]]
    assert item_svg.count('class="bar"') == sum(1 for r in right if r)  # a bar for each item someone got right
    assert item_svg.count('class="value"') == 3  # every item was answered: each shows its % right

    download = signed_in.get(f"/trainer/a/{code}/results.csv")
    assert download.headers["content-disposition"] == f'attachment; filename="{code}-results.csv"'
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    expected = [[str(c) for c in row] for row in csv_rows(report, task_bank())]
    assert rows[1:] == expected and len(expected) == 5


def test_team_weakest_values_principles_and_topics_across_assignments(store, signed_in):
    from trainer.results import principle_of

    one, two = create(signed_in), create(signed_in, title="Week 2", topics=("co_optation",))
    take(store, store.invites(one)[0]["code"], [False, False, False])
    take(store, store.invites(two)[0]["code"], [True, True, True])
    page = signed_in.get("/trainer/").text
    assert "Where the team is weakest" in page
    topics = re.search(r"<h3>Topics</h3>(.*?)</table>", page, re.S).group(1)
    assert re.search(r"<td>boundaries</td><td>0%</td><td>3</td>", topics)
    assert re.search(r"<td>co optation</td><td>100%</td><td>3</td>", topics)
    assert topics.index("boundaries") < topics.index("co optation")  # weakest first
    bank = tasks_by_id()
    answered = [r["item_id"] for code in (one, two) for r in store.report(code)["items"]]
    expected = {principle_of(bank[i].text, bank[i].verdict) for i in answered} - {None}
    principles = re.search(r'<div id="weak-principles">(.*?)</table>', page, re.S).group(1)
    shown = {html.unescape(name) for name in re.findall(r"<tr><td>([^<]+)</td>", principles)}
    assert shown <= expected and len(shown) == min(5, len(expected))


def test_delete_a_trainee_after_confirming(store, signed_in):
    code = create(signed_in)
    ana = store.invites(code)[0]
    take(store, ana["code"], [True, False])
    confirm = signed_in.get(f"/trainer/trainee/delete?name=ana+ruiz&code={code}")
    assert confirm.status_code == 200 and "Delete the results of" in confirm.text
    assert len(store.report(code)["attempts"]) == 1
    token = TOKEN.search(confirm.text).group(1)
    done = signed_in.post("/trainer/trainee/delete", data={"name": "ana ruiz", "code": code, "csrftoken": token})
    assert "Deleted 4 rows" in done.text  # 2 answers, 1 attempt, 1 personal link
    assert store.report(code)["attempts"] == [] and [i["name"] for i in store.invites(code)] == ["Ben Okafor", "Cy Li"]


def test_invite_more_names_later(store, signed_in):
    code = create(signed_in, invitees="")
    token = csrf(signed_in, f"/trainer/a/{code}")
    page = signed_in.post(f"/trainer/a/{code}/invites", data={"invitees": "Dee Park; Eli Stone", "csrftoken": token})
    assert "2 new personal link(s)" in page.text
    assert [i["name"] for i in store.invites(code)] == ["Dee Park", "Eli Stone"]


def test_html_in_names_and_titles_is_escaped(store, signed_in):
    code = create(signed_in, title="<script>alert(1)</script>", invitees="Ana <b>Ruiz</b>")
    page = signed_in.get(f"/trainer/a/{code}").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>Ruiz</b>" not in page


def test_secret_file_is_made_once_private_and_refused_when_readable(tmp_path, monkeypatch):
    from trainer.security import load_secret

    monkeypatch.delenv("TRAINER_SECRET", raising=False)
    path = tmp_path / "trainer_secret"
    secret = load_secret(path)
    assert len(secret) == 64 and (path.stat().st_mode & 0o777) == 0o600
    assert load_secret(path) == secret
    path.chmod(0o644)
    with pytest.raises(SystemExit, match="chmod 600"):
        load_secret(path)
    monkeypatch.setenv("TRAINER_SECRET", "too short")
    with pytest.raises(SystemExit, match="at least 32"):
        load_secret(path)
    monkeypatch.setenv("TRAINER_SECRET", "y" * 40)
    assert load_secret(path) == "y" * 40


def test_only_pages_set_the_csrf_cookie(client):
    """Static files and paths outside /trainer/ set no cookie: the browser fetches them while it
    stores the page's cookie, and a second token would replace the one in the page's forms."""
    for path in ["/trainer/static/style.css", "/favicon.ico", "/"]:
        response = client.get(path, follow_redirects=False)
        assert "trainer_csrf" not in response.headers.get("set-cookie", ""), path
    page = client.get("/trainer/sign-in")
    cookie = re.search(r"trainer_csrf=([^;]+)", page.headers["set-cookie"]).group(1)
    assert TOKEN.search(page.text).group(1) == cookie


@contextmanager
def signed_in_on(db_url, monkeypatch):
    """(store, client): a trainer signed in to the app on the results store at db_url."""
    store = Store(db_url)
    store.add_trainer(EMAIL)
    store.set_password(EMAIL, PASSWORD)
    monkeypatch.setenv("TRAINER_PORT", "5002")
    with TestClient(create_app(store=store, secret="x" * 64), base_url=BASE) as client:
        assert sign_in(client).status_code == 303
        yield store, client


def test_the_whole_flow_on_sqlite_and_postgresql(db_url, monkeypatch):  # noqa: F811 (db_url: both databases)
    """Create with invites, take, read results, export, delete a trainee: on each backend."""
    with signed_in_on(db_url, monkeypatch) as (store, client):
        code = create(client)
        ana = store.invites(code)[0]
        take(store, ana["code"], [True, False, True])
        page = client.get(f"/trainer/a/{code}").text
        assert "2/3 (67%)" in page and page.count('class="bar"') >= 2
        rows = list(csv.reader(io.StringIO(client.get(f"/trainer/a/{code}/results.csv").content.decode("utf-8-sig"))))
        assert len(rows) == 4 and {r[0] for r in rows[1:]} == {"Ana Ruiz"}
        token = csrf(client, f"/trainer/a/{code}")
        done = client.post("/trainer/trainee/delete", data={"name": "Ana Ruiz", "code": code, "csrftoken": token})
        assert "Deleted 5 rows" in done.text and store.report(code)["answers"] == []


def test_deleting_a_trainee_everywhere_also_removes_onboarding_progress(store, signed_in):
    """The page does what `python -m bot delete-trainee NAME` does (bot.store_cli.delete_trainee_records)."""
    from datetime import datetime, timezone

    from bot.onboarding.progress import Progress

    progress = Progress(store.url)
    progress.find_learner("Ana Ruiz", now=datetime.now(timezone.utc), create=True)
    code = create(signed_in, invitees="Ana Ruiz")
    take(store, store.invites(code)[0]["code"], [True])
    confirm = signed_in.get("/trainer/trainee/delete?name=Ana+Ruiz")
    assert "all assignments" in confirm.text and "onboarding-path record" in confirm.text
    done = signed_in.post("/trainer/trainee/delete", data={"name": "Ana Ruiz",
                                                           "csrftoken": TOKEN.search(confirm.text).group(1)})
    assert "Deleted 4 rows" in done.text  # 1 answer, 1 attempt, 1 personal link, 1 onboarding record
    assert progress.find_learner("ana ruiz") is None and store.invites(code) == []
