"""The onboarding pages of the trainer app (issue 15, "Trainers"): list and create onboarding
codes, and per code the same figures as `python -m bot onboarding-report CODE`, behind the
same sign-in, session and CSRF checks as every other page."""
import html
from datetime import datetime, timezone

import pytest

from bot.onboarding import engine, lessons
from bot.onboarding.cli import format_report, onboarding_report
from bot.onboarding.progress import Progress
from tests.test_onboarding import current_item, position, right_answer, wrong_answer
from tests.test_store import db_url, empty_url  # noqa: F401 (fixtures)
from tests.test_trainer_app import client, csrf, sign_in, signed_in, signed_in_on, store  # noqa: F401 (fixtures)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PATH = lessons.load()


def create_onboarding(client, title="New staff, March"):
    token = csrf(client, "/trainer/onboarding")
    response = client.post("/trainer/onboarding", data={"title": title, "csrftoken": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def walk(progress, name, code, pre_right, until_lesson=None, miss_first_check=False):
    """A learner through the engine: the pre-check with `pre_right` right answers, then the
    lessons (the first check item of lesson 1 wrong if asked) up to lesson `until_lesson`
    (0-based, stopping as it starts) or to the end of the post-check (all right)."""
    state = engine.begin(progress, name, code, "start", T0).state
    for k, _ in enumerate(PATH.pre_check):
        item = current_item(progress, state)
        engine.answer(progress, state, right_answer(item) if k < pre_right else wrong_answer(item), T0)
    missed = None
    while position(progress, state)["phase"] != "done":
        pos = position(progress, state)
        if pos["phase"] == "lesson":
            if until_lesson is not None and pos["lesson"] == until_lesson:
                return missed
            engine.next_step(progress, state, T0)
            continue
        item = current_item(progress, state)
        if pos["phase"] == "check" and miss_first_check and missed is None:
            missed = item
            engine.answer(progress, state, wrong_answer(item), T0)
        else:
            engine.answer(progress, state, right_answer(item), T0)
    return missed


# ---------------------------------------------------------------- no session, no page; no token, no post

@pytest.mark.parametrize("path", ["/trainer/onboarding", "/trainer/onboarding/ONB-2345"])
def test_onboarding_pages_without_a_session_redirect_to_sign_in(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/trainer/sign-in?next=")


def test_creating_without_a_session_or_without_a_csrf_token_is_refused(store, client):
    progress = Progress(store.url)
    anonymous = client.post("/trainer/onboarding", data={"title": "X", "csrftoken": csrf(client)},
                            follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/trainer/sign-in")
    assert sign_in(client).status_code == 303
    client.get("/trainer/onboarding")  # has the CSRF cookie, leaves the form field out
    assert client.post("/trainer/onboarding", data={"title": "No token"}, follow_redirects=False).status_code == 403
    forged = {"title": "Forged", "csrftoken": "bm90LWEtdG9rZW4.forged"}
    assert client.post("/trainer/onboarding", data=forged, follow_redirects=False).status_code == 403
    assert progress.list_assignments() == []


# ---------------------------------------------------------------- create and list

def test_create_shows_the_code_and_chat_link_and_lists_it(store, signed_in):
    code = create_onboarding(signed_in, "New staff, <March>")
    assert code.startswith("ONB-")
    assert Progress(store.url).lookup(code)["title"] == "New staff, <March>"
    page = signed_in.get(f"/trainer/onboarding/{code}")
    assert page.status_code == 200 and f"Created onboarding {code}." in page.text
    assert f"http://127.0.0.1:5005/chat/?code={code}" in page.text  # web/static/app.js sends ?code= as the first message
    assert "New staff, &lt;March&gt;" in page.text and "<March>" not in page.text
    assert "Nobody has started yet." in page.text
    listing = signed_in.get("/trainer/onboarding").text
    assert f'href="/trainer/onboarding/{code}"' in listing and f"/chat/?code={code}" in listing


def test_home_and_nav_link_to_onboarding(signed_in):
    home = signed_in.get("/trainer/").text
    assert 'href="/trainer/onboarding"' in home


def test_a_bad_title_is_shown_again_with_the_reason(store, signed_in):
    token = csrf(signed_in, "/trainer/onboarding")
    response = signed_in.post("/trainer/onboarding", data={"title": "   ", "csrftoken": token})
    assert response.status_code == 400 and "needs a title" in response.text
    assert Progress(store.url).list_assignments() == []


def test_an_unknown_or_quiz_code_is_not_found(store, signed_in):
    assert signed_in.get("/trainer/onboarding/ONB-ZZZZ").status_code == 404
    quiz = store.create_assignment("Boundaries", topics=["boundaries"], length=3)
    assert signed_in.get(f"/trainer/onboarding/{quiz}").status_code == 404


# ---------------------------------------------------------------- a learner's progress

def test_learners_lessons_misses_and_gain_as_in_the_cli_report(store, signed_in):
    code = create_onboarding(signed_in)
    progress = Progress(store.url)
    missed = walk(progress, "Dana Reyes", code, pre_right=2, miss_first_check=True)  # finishes: post 5/5
    walk(progress, "Lee Park", code, pre_right=4, until_lesson=2)  # lessons 1-2 done, stops at lesson 3
    engine.begin(progress, "Sam Ode", "", "start", T0)  # no code: not in this group

    page = signed_in.get(f"/trainer/onboarding/{code}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    rows = {name: text.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0] for name in ("Dana Reyes", "Lee Park")}
    assert "Sam Ode" not in text

    dana, lee = rows["Dana Reyes"], rows["Lee Park"]
    assert "finished" in dana and f"{len(PATH.lessons)}/{len(PATH.lessons)}" in dana
    assert missed is not None and " ".join(missed.question.split()) in dana and missed.id in dana
    assert '<td class="num pre">2</td>' in dana and '<td class="num post">5</td>' in dana
    assert '<td class="num gain">+3</td>' in dana

    assert "in progress" in lee and f"2/{len(PATH.lessons)}" in lee
    done, to_do = lee.split('class="lessons done">', 1)[1], lee.split('class="lessons to-do">', 1)[1]
    assert all(lesson.title in done.split("</ul>")[0] for lesson in PATH.lessons[:2])
    assert all(lesson.title in to_do.split("</ul>")[0] for lesson in PATH.lessons[2:])
    assert PATH.lessons[2].title not in done.split("</ul>")[0]
    assert '<td class="num pre">4</td>' in lee and '<td class="num gain">–</td>' in lee and ">none<" in lee

    group = " ".join(text.split('id="group">', 1)[1].split("</p>", 1)[0].split())
    assert "Learners 2 · finished 1" in group and "pre 2.0 → post 5.0 of 5, mean gain +3.0" in group

    # The same figures as `python -m bot onboarding-report CODE` (one shared function).
    report = onboarding_report(code, progress)
    cli = format_report(report, PATH)
    assert "mean gain +3.0" in cli and missed.id in cli
    assert [(r["name"], r["lessons_done"], r["pre"], r["post"], r["gain"]) for r in report["learners"]] == \
        [("Dana Reyes", 6, 2, 5, 3), ("Lee Park", 2, 4, None, None)]

    listing = html.unescape(signed_in.get("/trainer/onboarding").text)
    row = listing.split(f"<code>{code}</code>", 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">2</td>' in row and '<td class="num">1</td>' in row  # 2 learners, 1 finished


def test_onboarding_pages_on_sqlite_and_postgresql(db_url, monkeypatch):  # noqa: F811 (db_url: both databases)
    with signed_in_on(db_url, monkeypatch) as (_, client):
        code = create_onboarding(client)
        walk(Progress(db_url), "Dana Reyes", code, pre_right=1, miss_first_check=True)
        text = html.unescape(client.get(f"/trainer/onboarding/{code}").text)
        assert "Dana Reyes" in text and '<td class="num gain">+4</td>' in text and "mean gain +4.0" in " ".join(text.split())
