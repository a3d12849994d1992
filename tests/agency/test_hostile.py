"""Hostile input against a real Rasa replica on the agency profile: >= 1,000 generated
messages, then a flood of 50 messages a second from one sender. No 5xx, every reply
non-empty and polite, and the assistant still greets normally afterwards."""
import asyncio
import json
import random
import time

import aiohttp

from web import input_guard

# Text that must never reach a trainee: stack traces, driver errors, empty renderings.
IMPOLITE = ["Traceback", "Exception", "sqlalchemy", "psycopg2", "KeyError", "TypeError", "NoneType",
            "Internal Server Error"]
# Actions answer an internal error with this apology; under hostile input it means a bug.
APOLOGY = "something went wrong on my side"

SQL = ["'; DROP TABLE events; --", "Robert'); DROP TABLE answers;--", "1 OR 1=1", "' OR '1'='1' --",
       "admin'--", "1; SELECT pg_sleep(10); --", "UNION SELECT sender_id, data FROM events --",
       "BND-7K4Q'; DELETE FROM attempts; --"]
TEMPLATE = ["{{7*7}}", "${7*7}", "{quiz_code}", "{trainee_name}", "{{config.items()}}", "<%= 7*7 %>",
            "#{7*7}", "%s%s%s%s%n", "<script>alert('x')</script>", "{% for x in range(9999999) %}x{% endfor %}",
            "[link](javascript:alert(1))", "{0.__class__.__mro__}"]
JSON_LIKE = ['{"sender": "someone-else", "message": "hi"}', "[1, 2, 3]", '{"intent": "stop"}', "null",
             "true", '{"__proto__": {"admin": true}}', "/restart", "/stop", '/start_quiz{"quiz_code": "AAA-2222"}',
             '/enter_quiz_code{"quiz_code": "ZZZ-9999"}', "/session_start", '{"text": "' + "a" * 300 + '"}']
EMOJI = ["😀", "🙏🏽🙏🏽🙏🏽", "👩‍👩‍👧‍👦 is this in role?", "🔥" * 500, "can a peer 🚗 a client to court 🏛️?",
         "❤️", "🏳️‍🌈 peer support", "\U0001F9D1\u200D\U0001F91D\u200D\U0001F9D1"]
RTL = ["هل يمكن لأخصائي الدعم أن يقود العميل إلى المحكمة؟", "מה ההבדל בין עמית לספונסר?",
       "\u202eout of role\u202c", "مرحبا", "\u200fשלום\u200f hi", "کیا یہ کردار میں ہے؟"]
LANGUAGES = ["¿Qué es un especialista de pares?", "同伴支持工作者可以开车送客户去法院吗？", "Что такое равная поддержка?",
             "क्या यह भूमिका में है?", "ピアサポートとは何ですか？", "Was ist Peer-Support?", "Ist das in der Rolle?",
             "Est-ce que c'est dans le rôle?", "동료 지원이란 무엇입니까?", "Ναι", "Ja", "Nej tack"]
EMPTY = ["", " ", "\n", "\t\t", "\u200b", "\u00a0", "\r\n\r\n", "\x00", "\u2028", "///"]
ORDINARY = ["hi", "start a quiz", "out of role", "in role", "it depends", "skip", "repeat", "stop", "why?",
            "tell me more", "where is that from?", "what can you do?", "BND-7K4Q", "my result",
            "what is mutuality?", "thanks", "bye", "practice a boundary scenario", "hint"]


def control_and_binary(rng):
    choice = rng.randrange(5)
    if choice == 0:
        return "".join(chr(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 40)))
    if choice == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))).decode("latin-1")
    if choice == 2:
        return "\x1b[31mred\x1b[0m \x07\x08 in role\x00"
    if choice == 3:
        return "\ud800\udfff half surrogate \udc00"  # lone surrogates survive JSON escaping
    return "".join(chr(rng.randrange(0x80, 0x2FFF)) for _ in range(rng.randrange(1, 60)))


def huge(rng):
    unit = rng.choice(["is this in role? ", "a", "😀", "DROP TABLE events; ", "مرحبا "])
    size = rng.choice([2001, 5000, 100_000])
    return (unit * (size // len(unit) + 1))[:size]


def generate(count, rng):
    kinds = [("empty", lambda: rng.choice(EMPTY)), ("huge", lambda: huge(rng)),
             ("control", lambda: control_and_binary(rng)), ("emoji", lambda: rng.choice(EMOJI)),
             ("rtl", lambda: rng.choice(RTL)), ("sql", lambda: rng.choice(SQL)),
             ("template", lambda: rng.choice(TEMPLATE)), ("json", lambda: rng.choice(JSON_LIKE)),
             ("language", lambda: rng.choice(LANGUAGES)), ("ordinary", lambda: rng.choice(ORDINARY)),
             ("mixed", lambda: rng.choice(ORDINARY) + " " + rng.choice(SQL + TEMPLATE + EMOJI + RTL))]
    return [(kind, make()) for kind, make in (kinds[i % len(kinds)] for i in range(count))]


def is_busy(status, body):
    """The input guard's overload answer: 503 with the polite 'send it again' message."""
    return status == 503 and isinstance(body, list) and bool(body) and body[0].get("text") == input_guard.BUSY_REPLY


def problems_in(status, body, message):
    """What is wrong with one reply, or None."""
    if is_busy(status, body):
        return None
    if status >= 500:
        return f"HTTP {status}"
    if status != 200 or not isinstance(body, list) or not body:
        return f"HTTP {status}, body {str(body)[:200]}"
    texts = [m.get("text") or "" for m in body if isinstance(m, dict)]
    joined = "\n".join(texts).strip()
    if not joined and not any(m.get("buttons") or m.get("image") for m in body):
        return "empty reply"
    for word in IMPOLITE:
        if word in joined:
            return f"reply contains {word!r}: {joined[:200]}"
    if APOLOGY in joined:
        return f"an action failed (apology sent): {joined[:200]}"
    if joined.strip() in ("None", "null", "[]", "{}"):
        return f"reply is {joined!r}"
    if joined == input_guard.NO_REPLY:
        return "the assistant said nothing (the channel sent its stand-in reply)"
    return None


async def post(session, url, sender, message, timeout=180):
    start = time.perf_counter()
    async with session.post(url, data=json.dumps({"sender": sender, "message": message}),
                            headers={"Content-Type": "application/json"},
                            timeout=aiohttp.ClientTimeout(total=timeout)) as response:
        body = await response.json(content_type=None)
        return response.status, body, time.perf_counter() - start


async def send_all(url, messages, senders, concurrency):
    queue = asyncio.Queue()
    for i, (kind, text) in enumerate(messages):
        queue.put_nowait((senders[i % len(senders)], kind, text))
    results = []

    async def worker(session):
        while not queue.empty():
            sender, kind, text = queue.get_nowait()
            try:
                status, body, seconds = await post(session, url, sender, text)
            except Exception as error:  # a dropped connection is a failure too
                status, body, seconds = 599, repr(error), 0.0
            results.append((kind, text, status, body, seconds))

    # one sender per worker at a time would be kinder, but real users share nothing: mix them
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return results


async def flood(url, sender, count, per_second):
    """`count` messages from one sender at `per_second`, not waiting for replies."""
    async with aiohttp.ClientSession() as session:
        tasks = []
        for i in range(count):
            tasks.append(asyncio.ensure_future(post(session, url, sender, random.choice(ORDINARY + SQL))))
            await asyncio.sleep(1 / per_second)
        return await asyncio.gather(*tasks, return_exceptions=True)


def describe(failures):
    return "\n".join(f"  [{kind}] {text[:60]!r}: {problem}" for kind, text, problem in failures[:15])


def test_a_thousand_hostile_messages(servers):
    rng = random.Random(20240607)
    messages = generate(1100, rng)
    senders = [f"hostile-{int(time.time())}-{i}" for i in range(110)]  # ~10 messages each
    url = servers.url + "/webhooks/rest/webhook"
    started = time.perf_counter()
    results = asyncio.run(send_all(url, messages, senders, concurrency=6))
    elapsed = time.perf_counter() - started

    assert len(results) == len(messages) >= 1000
    failures = [(kind, text, problem) for kind, text, status, body, _ in results
                if (problem := problems_in(status, body, text))]
    kinds = sorted({kind for kind, *_ in results})
    slowest = max(results, key=lambda r: r[4])
    huge_seconds = max(r[4] for r in results if r[0] == "huge")
    print(f"\nhostile: {len(results)} messages of {len(kinds)} kinds in {elapsed:.0f} s; "
          f"slowest {slowest[4]:.2f} s ({slowest[0]}); slowest overlong message {huge_seconds:.3f} s; "
          f"failures {len(failures)}")
    assert not failures, f"{len(failures)} bad replies:\n{describe(failures)}"
    assert huge_seconds < 2, "an overlong message took seconds: it reached NLU"
    assert all(status < 500 or is_busy(status, body) for *_, status, body, _ in results)


def test_fifty_messages_a_second_from_one_sender(servers):
    sender = f"flood-{int(time.time())}"
    url = servers.url + "/webhooks/rest/webhook"
    started = time.perf_counter()
    replies = asyncio.run(flood(url, sender, count=100, per_second=50))
    elapsed = time.perf_counter() - started
    errors = [r for r in replies if isinstance(r, Exception)]
    assert not errors, f"requests failed: {errors[:3]}"
    failures = [("flood", "", problem) for status, body, _ in replies if (problem := problems_in(status, body, ""))]
    refused = sum(body[0].get("text") == input_guard.TOO_FAST_REPLY for _, body, _ in replies)
    print(f"\nflood: 100 messages at 50/s from one sender answered in {elapsed:.1f} s; "
          f"{100 - refused} processed, {refused} asked to slow down")
    assert not failures, describe(failures)
    assert 0 < refused < 100


def test_malformed_requests_get_4xx_not_5xx(servers):
    url = servers.url + "/webhooks/rest/webhook"

    async def go():
        bodies = ["not json", "[1, 2]", "{}", json.dumps({"message": "no sender"}),
                  json.dumps({"sender": "", "message": "hi"}), json.dumps({"sender": "a\u0000b", "message": "hi"}),
                  json.dumps({"sender": "x" * 500, "message": "hi"}), json.dumps({"sender": 12, "message": "hi"}),
                  json.dumps({"sender": "meta", "message": "hi", "metadata": {"x": "y" * 500_000}}),
                  "x" * 3_000_000]
        statuses = []
        async with aiohttp.ClientSession() as session:
            for body in bodies:
                async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as r:
                    statuses.append(r.status)
        return statuses

    statuses = asyncio.run(go())
    # the metadata one is a valid message (metadata is dropped): 200; the 3 MB body: 413
    assert statuses == [400] * 8 + [200, 413], statuses


def test_still_answers_normally_afterwards(servers):
    reply = servers.say(f"after-{int(time.time())}", "hi")
    assert "training assistant" in reply
