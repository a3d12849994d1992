"""The staff web chat in a real (headless Debian) Chromium, against the running servers.

The first test talks to the real bot; the others replace the webhook's answer
(page.route) to check rendering, errors and layout without depending on the model.
"""
import json
import re

from playwright.sync_api import expect

ANSWER_TITLES = re.compile(r"^\s*(in role|out of role|depends)\s*$", re.I)

# Replies after the latest user bubble (bot, error or notice), once the typing indicator is gone.
REPLIES_JS = """() => {
  const all = [...document.querySelectorAll('#log .msg')];
  const lastUser = all.map((e) => e.classList.contains('user')).lastIndexOf(true);
  return all.slice(lastUser + 1).map((e) => ({cls: e.className, text: e.innerText}));
}"""


def replies(page):
    page.wait_for_function(
        f"() => document.getElementById('typing').hidden && ({REPLIES_JS})().length > 0"
    )
    return page.evaluate(REPLIES_JS)


def transcript(page):
    return page.locator("#log .msg").all_inner_texts()


def sender_id(page):
    return page.evaluate("() => JSON.parse(localStorage.getItem('peer-chat.v1')).sender")


def send_by_keyboard(page, text):
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    expect(page.locator("#log .msg.user").last).to_contain_text(text)


def no_horizontal_overflow(page):
    return page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth
               && document.getElementById('log').scrollWidth <= document.getElementById('log').clientWidth"""
    )


def test_ask_quiz_and_reload_with_the_real_bot(page, url, screenshots):
    page.goto(url)
    greeting = replies(page)
    assert greeting and all("bot" in r["cls"] for r in greeting), greeting

    # Keyboard only: Tab from the top of the page reaches the message box, Enter sends.
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "message":
            break
    else:
        raise AssertionError("Tab never reached the message box")
    send_by_keyboard(page, "what are the peer support values?")
    answer = "\n".join(r["text"] for r in replies(page))
    assert "Source:" in answer, f"expected a cited answer, got: {answer!r}"
    expect(page.locator("#log .msg.bot .source").last).to_be_visible()

    # A quiz, answered by clicking one of its buttons.
    send_by_keyboard(page, "start a quiz")
    question = replies(page)
    choices = page.locator("#log .quick-replies button").filter(has_text=ANSWER_TITLES)
    assert choices.count() > 0, f"no In role / Out of role / Depends buttons after: {question}"
    choice = choices.first.inner_text()
    choices.first.click()
    expect(page.locator("#log .msg.user").last).to_have_text(re.compile(re.escape(choice)))
    feedback = "\n".join(r["text"] for r in replies(page))
    assert "Source:" in feedback, f"expected graded feedback with its source, got: {feedback!r}"

    # A reload keeps the conversation and the conversation id.
    before, sender = transcript(page), sender_id(page)
    page.reload()
    expect(page.locator("#log .msg")).to_have_count(len(before))
    assert transcript(page) == before
    assert sender_id(page) == sender

    page.screenshot(path=str(screenshots / "webchat.png"))
    page.set_viewport_size({"width": 360, "height": 740})
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(screenshots / "webchat-360.png"))


def test_a_pasted_job_description_is_checked_duty_by_duty_with_the_real_bot(page, url):
    page.goto(url)
    replies(page)
    posting = ("Peer Recovery Specialist\nResponsibilities:\n\u2022 Facilitate weekly peer-led recovery support groups\n"
               "\u2022 Observe urine drug screens\n\u2022 Link participants to housing resources")
    page.fill("#message", posting)   # a paste keeps its lines in the message box
    assert page.input_value("#message") == posting
    page.locator("#message").press("Shift+Enter")   # a new line, not a send
    assert page.locator("#log .msg.user").count() == 0
    page.locator("#message").press("Enter")
    answer = "\n".join(r["text"] for r in replies(page))
    assert "I read that as a job description" in answer, answer
    assert "Out of role: Observe urine drug screens" in answer and "3 duties: 2 in role, 1 out of role" in answer


def test_new_conversation_starts_over_with_a_new_id(page, url):
    page.goto(url)
    replies(page)
    send_by_keyboard(page, "hello")
    replies(page)
    old = sender_id(page)
    page.get_by_role("button", name="New conversation").click()
    greeting = replies(page)
    assert all("bot" in r["cls"] for r in greeting)
    assert page.locator("#log .msg.user").count() == 0
    assert sender_id(page) != old


def fake_bot(page, answer):
    """Answer every webhook call with answer(message) instead of the real bot; returns the sent messages."""
    sent = []

    def handle(route):
        body = route.request.post_data_json
        message = "<start>" if body.get("start") is True else body["message"]
        sent.append(message)
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer(message)))

    page.route("**/chat/webhook", handle)
    return sent


def test_renders_text_links_source_and_buttons_without_html(page, url):
    rich = {
        "text": "Peers share lived experience. <img src=x onerror=\"window.hacked=1\"><b>not bold</b>\n"
                "Read https://example.org/peer-guide. or [the toolkit](https://example.org/toolkit)\n"
                "Source: ACMHA toolkit, section \"Values\"",
        "buttons": [{"title": "Out of role", "payload": "out of role"},
                    {"title": "Tell me more", "payload": "tell me more"}],
    }
    sent = fake_bot(page, lambda m: [rich] if m == "<start>" else [{"text": f"you said {m}"}])
    page.goto(url)
    replies(page)
    bot = page.locator("#log .msg.bot").first
    expect(bot).to_contain_text("<b>not bold</b>")
    assert bot.locator("img, b").count() == 0 and not page.evaluate("() => window.hacked")
    expect(bot.locator("a[href='https://example.org/peer-guide']")).to_have_text("https://example.org/peer-guide")
    expect(bot.locator("a[href='https://example.org/toolkit']")).to_have_text("the toolkit")
    expect(bot.locator(".source")).to_have_text('Source: ACMHA toolkit, section "Values"')

    button = page.get_by_role("button", name="Out of role")
    button.focus()
    page.keyboard.press("Enter")  # buttons work from the keyboard too
    assert replies(page)[0]["text"].endswith("you said out of role")
    assert sent == ["<start>", "out of role"]
    expect(page.locator("#log .msg.user").last).to_have_text(re.compile("Out of role"))
    expect(page.locator("#log .quick-replies")).to_have_count(0)  # old buttons go away
    expect(page.locator("#message")).to_be_focused()


def test_server_down_gives_a_friendly_error_and_retry(page, url):
    page.route("**/chat/webhook", lambda route: route.abort("connectionrefused"))
    page.goto(url)
    error = page.locator("#log .msg.error")
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("can't reach the assistant")
    page.unroute("**/chat/webhook")
    page.get_by_role("button", name="Try again").click()
    expect(error).to_have_count(0)
    assert all("bot" in r["cls"] for r in replies(page))


def test_a_server_failure_shows_what_the_server_said(page, url):
    failed = [{"text": "Sorry, something went wrong on my side and I couldn't answer that."}]
    page.route("**/chat/webhook", lambda route: route.fulfill(
        status=500, content_type="application/json", body=json.dumps(failed)))
    page.goto(url)
    expect(page.locator("#log .msg.error")).to_contain_text("something went wrong on my side")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()


def test_typing_indicator_shows_while_waiting(page, url):
    held = []
    page.route("**/chat/webhook", lambda route: held.append(route))
    page.goto(url)
    expect(page.locator("#typing")).to_be_visible()
    expect(page.locator("#typing")).to_have_attribute("role", "status")
    for _ in range(100):  # the handler runs while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    held[0].fulfill(status=200, content_type="application/json", body='[{"text": "hi"}]')
    expect(page.locator("#typing")).to_be_hidden()


def test_long_answers_wrap_at_phone_width(page, url, screenshots):
    long_url = "https://example.org/" + "very-long-path-segment-" * 15
    words = " ".join(["Peer support workers use their lived experience of recovery."] * 25)
    fake_bot(page, lambda m: [{"text": f"{words}\n{long_url}\n{'x' * 400}\nSource: A document, section \"A section\"",
                               "buttons": [{"title": "A rather long suggested reply that must wrap on a phone screen",
                                            "payload": "more"}]}])
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(url)
    replies(page)
    page.get_by_label("Your message").fill("y" * 2000)  # maxlength
    assert no_horizontal_overflow(page)
    box = page.locator("#log .msg.bot").first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    page.screenshot(path=str(screenshots / "webchat-long-360.png"))


def test_the_channel_serves_only_its_files_and_checks_input(context, url):
    http = context.request
    page = http.get(url)
    assert page.ok and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert http.get(url.rstrip("/"), max_redirects=0).status in (301, 302, 307, 308)
    for name in ("channel.py", "..%2Fchannel.py", "__init__.py", "nope.js"):
        assert http.get(url + name).status == 404, name

    webhook = url + "webhook"
    start = http.post(webhook, data={"sender": "browser-test-http", "start": True}).json()
    assert start and start[0]["text"]
    assert http.post(webhook, data={"message": "no sender"}).status == 400
    assert http.post(webhook, data="not json", headers={"content-type": "text/plain"}).status == 400
    too_long = http.post(webhook, data={"sender": "browser-test-http", "message": "x" * 5000})
    assert too_long.ok and "too long" in too_long.json()[0]["text"]
