"""web/input_guard.py: the pure rule, the rate limit, and the channel in a real Sanic server
(with a fake assistant behind it, so no trained model is needed)."""
import asyncio
import json
import socket
import threading
import time

import aiohttp
import pytest
from sanic import Sanic

from web import input_guard
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from web.input_guard import (GuardedRestInput, GuardedSocketIOInput, SenderRateLimit, check, check_sender,
                              clean, guarded)


def test_ordinary_text_passes_unchanged():
    assert check("Can a peer drive a client to court?") == ("Can a peer drive a client to court?", None)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01\x7f", "\u200b\u202e", "///", None])
def test_empty_messages_get_a_polite_reply(text):
    kept, reply = check(text)
    assert kept is None and reply == input_guard.EMPTY_REPLY


@pytest.mark.parametrize("value", [42, ["a"], {"text": "hi"}, True])
def test_non_text_is_refused_politely(value):
    assert check(value) == (None, input_guard.NOT_TEXT_REPLY)


def test_a_100_kb_message_is_refused_quickly_with_a_friendly_message():
    start = time.perf_counter()
    kept, reply = check("is this in role? " * 6000)
    assert time.perf_counter() - start < 0.5
    assert kept is None and "too long" in reply and "2,000" in reply


def test_a_message_at_the_limit_passes():
    text = "a" * input_guard.MAX_MESSAGE_CHARS
    assert check(text) == (text, None)
    assert check(text + "b")[0] is None


def test_control_format_and_surrogate_characters_are_removed():
    assert clean("hi\x00 there\x1b[31m\u202e\ud800 you") == "hi there[31m you"
    assert clean("line one\r\n\r\nline  two\tend ") == "line one\nline two end"


def test_scripts_emoji_and_joiners_survive():
    for text in ["مرحبا، هل يمكن للنظير", "שלום עולם", "¿Qué hace un par?", "同伴支持是什么",
                 "👩‍👩‍👧 family", "Привет"]:
        assert check(text) == (text, None)


def test_leading_slash_cannot_pick_an_intent():
    assert check("/restart") == ("restart", None)
    assert check('/enter_quiz_code{"quiz_code": "X"}')[0].startswith("enter_quiz_code{")


def test_injection_looking_text_is_just_text():
    for text in ["'; DROP TABLE answers; --", "{{7*7}} ${7*7} {quiz_code}", '{"sender": "x"}']:
        assert check(text) == (text, None)


@pytest.mark.parametrize("sender,ok", [("trainee-1", True), ("", False), ("  ", False), (None, False),
                                       (7, False), ("a" * 129, False), ("a\x00b", False), ("\ud800", False)])
def test_sender_ids(sender, ok):
    assert (check_sender(sender) is None) == ok


def test_rate_limit_allows_a_burst_then_the_rate():
    limit = SenderRateLimit(burst=3, rate=2.0)
    assert [limit.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limit.allow("b", now=0.0)  # per sender
    assert limit.allow("a", now=0.5) and not limit.allow("a", now=0.5)


def test_rate_limit_forgets_idle_senders():
    limit = SenderRateLimit(burst=2, rate=1.0, max_senders=10)
    for i in range(11):
        limit.allow(f"s{i}", now=0.0)
    limit.allow("late", now=100.0)
    assert list(limit.buckets) == ["late"]


# ---- the channel itself, served by Sanic in a background thread (one app per process:
# sanic 21.12 cannot start a second app in the same process)

class FakeAssistant:
    """Stands in for Rasa's on_new_message; each test sets .handler."""

    def __init__(self):
        self.seen = []
        self.handler = self.echo

    async def __call__(self, message):
        await self.handler(message)

    async def echo(self, message):
        self.seen.append((message.sender_id, message.text, message.input_channel, message.metadata))
        await message.output_channel.send_text_message(message.sender_id, f"you said {message.text}")


@pytest.fixture(scope="module")
def guarded_server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assistant = FakeAssistant()
    app = Sanic("guard_test", configure_logging=False)
    app.blueprint(GuardedRestInput.from_credentials(None).blueprint(assistant), url_prefix="/webhooks/rest")
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    async def start():
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        ready.set()
        return server

    def run():
        asyncio.set_event_loop(loop)
        holder["server"] = loop.run_until_complete(start())
        loop.run_forever()

    holder = {}
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10), "test server did not start"
    yield f"http://127.0.0.1:{port}/webhooks/rest/webhook", assistant
    loop.call_soon_threadsafe(holder["server"].close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def post_all(url, bodies):
    """POST each body in turn; returns [(status, json)]."""
    async def go():
        results = []
        async with aiohttp.ClientSession() as session:
            for body in bodies:
                data = body if isinstance(body, (str, bytes)) else json.dumps(body)
                async with session.post(url, data=data) as r:
                    results.append((r.status, await r.json()))
        return results
    return asyncio.run(go())


def test_channel_passes_clean_text_and_refuses_the_rest(guarded_server):
    url, assistant = guarded_server
    assistant.handler, assistant.seen[:] = assistant.echo, []
    results = post_all(url, [
        {"sender": "u1", "message": "hello\x00 there", "metadata": {"big": "x" * 1000}, "input_channel": "evil"},
        {"sender": "u1", "message": ""},
        {"sender": "u1", "message": "x" * 100_000},
        {"message": "no sender"},
        "not json",
        ["a", "list"],
    ])
    assert assistant.seen == [("u1", "hello there", "rest", None)]
    assert results[0] == (200, [{"recipient_id": "u1", "text": "you said hello there"}])
    assert results[1][0] == 200 and results[1][1][0]["text"] == input_guard.EMPTY_REPLY
    assert results[2][0] == 200 and "too long" in results[2][1][0]["text"]
    assert [status for status, _ in results[3:]] == [400, 400, 400]
    assert all(body["error"] for _, body in results[3:])


def test_channel_never_returns_an_empty_reply_and_reports_failures(guarded_server):
    url, assistant = guarded_server

    async def silent(message):
        return None

    async def broken(message):
        raise RuntimeError("boom")

    assistant.handler = silent
    (status, body), = post_all(url, [{"sender": "u2", "message": "hmm"}])
    assert status == 200 and body[0]["text"] == input_guard.NO_REPLY
    assistant.handler = broken
    (status, body), = post_all(url, [{"sender": "u2", "message": "hmm"}])
    assert status == 500 and body[0]["text"] == input_guard.FAILED_REPLY


def test_channel_rate_limits_one_flooding_sender(guarded_server):
    url, assistant = guarded_server
    assistant.handler, assistant.seen[:] = assistant.echo, []
    results = post_all(url, [{"sender": "flood", "message": f"m{i}"} for i in range(30)])
    texts = [body[0]["text"] for _, body in results]
    assert texts.count(input_guard.TOO_FAST_REPLY) >= 5
    assert len(assistant.seen) + texts.count(input_guard.TOO_FAST_REPLY) == 30


# ---- the wrapper used for socket.io

def test_guarded_wrapper_answers_refusals_on_the_output_channel():
    passed = []

    async def assistant(message):
        passed.append((message.text, message.metadata))

    handle = guarded(assistant, SenderRateLimit(burst=2, rate=0.001))

    def deliver(text, sender="sock-1"):
        output = CollectingOutputChannel()
        asyncio.run(handle(UserMessage(text, output, sender, metadata={"x": 1})))
        return [m.get("text") for m in output.messages]

    assert deliver("hi\x00 there") == []
    assert deliver("") == [input_guard.EMPTY_REPLY]
    assert "too long" in deliver("y" * 5000)[0]
    assert deliver("second") == []
    assert deliver("third") == [input_guard.TOO_FAST_REPLY]  # refusals don't use the burst of 2; these did
    assert deliver("hi", sender="a\x00b") == []
    assert passed == [("hi there", None), ("second", None)]


def test_guarded_socketio_keeps_its_name_and_settings():
    channel = GuardedSocketIOInput.from_credentials({"session_persistence": True, "bot_message_evt": "bot_uttered"})
    assert channel.name() == "socketio" and channel.session_persistence


def test_in_flight_limit_answers_busy_instead_of_queueing_forever():
    from web.input_guard import InFlightLimit

    async def scenario():
        limit = InFlightLimit(limit=1, wait=0.05)
        first = await limit.acquire()
        second = await limit.acquire()          # the one slot is taken: gives up after 0.05 s
        limit.release()
        third = await limit.acquire()
        limit.release()
        return first, second, third

    assert asyncio.run(scenario()) == (True, False, True)
