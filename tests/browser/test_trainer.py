"""The trainer web app in headless Chromium, with two trainees taking the quiz in the real web
chat through their personal links. Run by scripts/browser_test.sh, which starts the chat,
the action server and the trainer app on a results store of their own and sets TRAINER_URL.

UPDATE_DOCS_SCREENSHOT=1 also writes docs/trainer.png (the README's screenshot)."""
import csv
import io
import os
import re
import subprocess
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from bot import PROJECT_ROOT
from bot.store_cli import CSV_COLUMNS
from bot.tasks import tasks_by_id
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_webchat import replies

TRAINER_URL = (os.environ.get("TRAINER_URL") or "").rstrip("/") + "/"
PASSWORD = "a long browser-test password"
INVITEES = ["Ana Ruiz", "Ben Okafor", "Cy Li"]
ANSWER = {"in_role": "In role", "out_of_role": "Out of role", "depends": "Depends"}
BY_TEXT = {task.text: task for task in tasks_by_id().values()}

pytestmark = pytest.mark.skipif(not os.environ.get("TRAINER_URL"), reason="run by scripts/browser_test.sh")


@pytest.fixture(scope="module")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def cli(*args):
    """python -m bot ... against the same results store as the servers (DATABASE_URL)."""
    env = dict(os.environ, TRAINER_PUBLIC_URL=TRAINER_URL.rsplit("/trainer/", 1)[0])
    result = subprocess.run([sys.executable, "-m", "bot", *args], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def no_session_redirects(browser, path):
    context = browser.new_context()
    try:
        response = context.request.get(TRAINER_URL + path, max_redirects=0)
        return response.status, response.headers.get("location", "")
    finally:
        context.close()


def take_quiz(page, link, plan):
    """Open a personal link and answer with the buttons: plan[i] True gives the bank's verdict for
    the i-th answer, False a wrong one; after the plan, stop the quiz if it is still running.
    Returns (right as the chat graded, answers given, the chat's last replies, its first replies)."""
    page.goto(link)
    first = "\n".join(r["text"] for r in replies(page))
    assert "What name" not in first, first  # the invite carries the name
    right = answered = 0
    while True:
        prompt = page.locator("#log .msg.bot").last
        scenario = re.search(r"Scenario \d+ of \d+: (.+)", prompt.inner_text())
        if scenario is None:  # finished: the summary has no scenario
            return right, answered, page.locator("#log").inner_text(), first
        if answered == len(plan):
            page.fill("#message", "stop the quiz")
            page.keyboard.press("Enter")
            return right, answered, "\n".join(r["text"] for r in replies(page)), first
        verdict = BY_TEXT[scenario.group(1).strip()].verdict
        choice = verdict if plan[answered] else next(v for v in ANSWER if v != verdict)
        prompt.locator(".quick-replies button", has_text=re.compile(f"^{ANSWER[choice]}$")).click()
        feedback = replies(page)[0]["text"].replace("Assistant:", "", 1).strip()  # minus the screen-reader label
        assert feedback.startswith("Correct" if plan[answered] else "Not quite"), feedback
        right += plan[answered]
        answered += 1


def test_trainer_signs_in_assigns_follows_results_and_exports(page, browser, screenshots):
    # Pages without a session redirect to sign-in.
    for path in ["", "a/BND-2345", "a/BND-2345/results.csv", "trainee/delete?name=Ana"]:
        status, location = no_session_redirects(browser, path)
        assert status == 303 and location.startswith("/trainer/sign-in?next="), (path, status, location)

    # An administrator creates the account; the one-time link sets the password.
    email = f"trainer-{uuid.uuid4().hex[:8]}@agency.example"
    out = cli("add-trainer", email, "--link")
    link = re.search(r"http://\S+/trainer/set-password\?token=\S+", out).group(0)
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Set your password")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator(".flash")).to_contain_text("Your password is set")
    page.goto(link)
    expect(page.locator(".error")).to_contain_text("not valid any more")  # one time only

    # A wrong password is refused; so is a sign-in without the CSRF token (same cookies, no field).
    page.goto(TRAINER_URL)
    assert "/trainer/sign-in" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "not the password at all")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("match an account")
    no_token = page.context.request.post(TRAINER_URL + "sign-in", form={"email": email, "password": PASSWORD},
                                         max_redirects=0)
    assert no_token.status == 403
    page.goto(TRAINER_URL)
    assert "/trainer/sign-in" in page.url  # still signed out

    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Assignments")

    # Create an assignment with three invitees.
    boundaries = page.locator("label.check", has=page.locator("input[value=boundaries]"))
    assert re.search(r"\(\d+ items\)", boundaries.inner_text())
    page.fill("input[name=title]", "Boundaries, browser test")
    boundaries.locator("input").check()
    page.fill("input[name=length]", "3")
    page.fill("input[name=due]", (date.today() + timedelta(days=7)).isoformat())
    page.fill("textarea[name=invitees]", "\n".join(INVITEES))
    page.click("#create button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Boundaries, browser test")
    code = page.locator("#shared-code").inner_text()
    links = {el.get_attribute("data-name"): el.inner_text() for el in page.locator("code.invite").all()}
    assert sorted(links) == sorted(INVITEES)
    for name, personal in links.items():
        assert re.fullmatch(r"http://\S+/chat/\?code=[A-Z]{3}-[A-Z0-9]{4}", personal), personal
        assert personal.rsplit("=", 1)[1] != code
    assignment_url = page.url

    # Two trainees take it in the web chat with their personal links; Ben stops and resumes.
    ana_ctx, ben_ctx = browser.new_context(), browser.new_context()
    try:
        ana_page = ana_ctx.new_page()
        ana_right, ana_answered, ana_log, ana_start = take_quiz(ana_page, links["Ana Ruiz"], [True, True, False])
        assert "Thanks, Ana Ruiz" in ana_start and ana_answered == 3 and "Quiz finished: 2 of 3 right" in ana_log
        ana_page.screenshot(path=str(screenshots / "trainer-invite-chat.png"))

        ben_page = ben_ctx.new_page()
        first_right, _, stopped, ben_start = take_quiz(ben_page, links["Ben Okafor"], [True])
        assert "Thanks, Ben Okafor" in ben_start
        assert "open your personal link again" in stopped, stopped
        more_right, more_answered, ben_log, resumed = take_quiz(ben_page, links["Ben Okafor"], [False, False])
        assert "Welcome back, Ben Okafor. You've answered 1 of 3" in resumed, resumed
        assert more_answered == 2 and "Quiz finished: 1 of 3 right" in ben_log
        ben_right = first_right + more_right
    finally:
        ana_ctx.close()
        ben_ctx.close()

    # The trainer sees both results, the charts and the items.
    page.goto(assignment_url)
    rows = {r.locator("td").first.inner_text(): r.locator("td").all_inner_texts()
            for r in page.locator("#trainees tr.trainee").all()}
    assert rows["Ana Ruiz"][1] == "finished" and rows["Ana Ruiz"][2].startswith(f"{ana_right}/3")
    assert rows["Ben Okafor"][1] == "finished" and rows["Ben Okafor"][2].startswith(f"{ben_right}/3")
    assert rows["Cy Li"][1] == "not started"
    expect(page.locator(".summary")).to_contain_text("Invited 3 · started 2 · finished 2")
    score_chart, item_chart = page.locator("#score-chart svg"), page.locator("#item-chart svg")
    expect(score_chart).to_be_visible()
    expect(item_chart).to_be_visible()
    assert (ana_right, ben_right) == (2, 1)
    assert score_chart.locator("rect.bar").count() == 2  # one trainee at 1/3, one at 2/3
    # Item 1: both right; item 2: Ana right, Ben wrong; item 3: both wrong.
    assert item_chart.locator("text.value").all_text_contents() == ["100%", "50%", "0%"]
    box = score_chart.locator("rect.bar").first.bounding_box()
    assert box and box["height"] > 10 and box["width"] > 4  # really drawn
    assert page.locator("#items tbody tr").count() == 3
    expect(page.locator("#items")).to_contain_text("Source:")

    page.screenshot(path=str(screenshots / "trainer-results.png"), full_page=True)
    page.set_viewport_size({"width": 1100, "height": 1250})
    page.evaluate("() => window.scrollTo(0, 0)")
    docs_shot = screenshots / "trainer.png"
    page.screenshot(path=str(docs_shot))
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        from PIL import Image

        # 64 colours keep the PNG small for the repository (well under 200 kB).
        Image.open(docs_shot).convert("RGB").quantize(colors=64).save(PROJECT_ROOT / "docs" / "trainer.png",
                                                                      optimize=True)

    # The CSV downloads with the same rows as `python -m bot report CODE --csv -`.
    with page.expect_download() as info:
        page.click("text=Download CSV")
    download = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows_csv = list(csv.reader(io.StringIO(download)))
    assert rows_csv[0] == CSV_COLUMNS
    assert len(rows_csv) == 1 + 6
    assert sorted({r[0] for r in rows_csv[1:]}) == ["Ana Ruiz", "Ben Okafor"]
    assert sum(r[6] == "yes" for r in rows_csv[1:]) == ana_right + ben_right
    report = cli("report", code, "--csv", "-")
    cli_csv = report[report.index(",".join(CSV_COLUMNS)):]
    assert list(csv.reader(io.StringIO(cli_csv))) == rows_csv

    # Deleting a trainee's results asks first, then does what delete-trainee does.
    page.locator("#trainees tr.trainee", has_text="Ben Okafor").locator("a", has_text="Delete").click()
    expect(page.locator("h1")).to_contain_text("Delete the results of")
    assert "Ben Okafor" in cli("report", code)  # nothing gone yet
    page.click("button.danger")
    expect(page.locator(".flash")).to_contain_text("Deleted 5 rows")  # 3 answers, 1 attempt, 1 personal link
    assert page.locator("#trainees tr.trainee", has_text="Ben Okafor").count() == 0
    assert "Ben Okafor" not in cli("report", code)

    # Sign out: the pages redirect to sign-in again.
    page.click("text=Sign out")
    expect(page.locator(".flash")).to_contain_text("signed out")
    page.goto(assignment_url)
    assert "/trainer/sign-in" in page.url
