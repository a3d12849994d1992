"""What reaches NLU from the REST channel: short, clean text from a named sender.

Rasa's own `rest` channel hands any text to NLU: a 100 kB message is tokenised and
featurised for seconds, a NUL character or a lone surrogate makes PostgreSQL refuse the
tracker event, a missing "sender" puts everybody in one conversation called "default",
and "/restart" or '/intent{"slot": ...}' skips NLU altogether. `check()` is the pure rule;
`GuardedRestInput` is the `rest` channel with that rule in front of it, registered in
credentials.yml as `web.input_guard.GuardedRestInput:` (same URL:
POST /webhooks/rest/webhook with {"sender": ..., "message": ...}).
`GuardedSocketIOInput` does the same for the socket.io channel (`web.input_guard.GuardedSocketIOInput:`
with the usual socketio settings).
"""
import asyncio
import inspect
import logging
import os
import time
import unicodedata
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# Per sender and per replica: a burst of BURST messages, then RATE a second. A person
# (even clicking buttons fast) stays far below; a script flooding one conversation does not.
BURST = 20
RATE = 5.0

# Work in flight per replica. Two cores answer about 10-20 messages a second, so a queue
# deeper than this only adds waiting; past it a message waits at most BUSY_WAIT seconds for
# a slot and is then answered "busy" without being processed (the trainee sends it again;
# nothing was recorded, so nothing is lost or counted twice).
MAX_IN_FLIGHT = int(os.environ.get("MAX_IN_FLIGHT", "8"))
BUSY_WAIT = float(os.environ.get("BUSY_WAIT_SECONDS", "3"))

WHAT_CAN_YOU_DO = [{"title": "What can you do?", "payload": "what can you do?"}]
EMPTY_REPLY = ("I didn't get any text in that message. Type a question about peer support "
               "work, describe a task, or ask what I can do.")
NOT_TEXT_REPLY = "I can only read text messages. Please type your question or answer."
TOO_LONG_REPLY = ("That message is too long for me ({length} characters; I read up to {limit}). "
                  "Please send one question, task or answer at a time, in a few sentences; "
                  "paste a long job description's duties in parts.")
TOO_FAST_REPLY = ("You're sending messages faster than I can answer them. Please wait for my "
                  "reply, then send your next message.")
BUSY_REPLY = ("I'm busy with a lot of messages right now. Please send that again in a moment; "
              "nothing you sent before is lost.")
NO_REPLY = "Sorry, I don't have an answer to that. You can ask me what I can do."
FAILED_REPLY = ("Sorry, something went wrong on my side and I couldn't answer that. Please try "
                "again in a moment; your earlier answers are saved.")


def clean(text: Text) -> Text:
    """Control, format and surrogate characters removed, spaces collapsed, NFC. Line breaks are
    kept (blank lines dropped): a pasted job description is graded line by line."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
            kept.append("\n")
        elif ch in "\t\x1f":
            kept.append(" ")
        elif category in ("Cc", "Cs") or (category == "Cf" and ch not in "\u200c\u200d"):
            continue  # NUL, escapes, bidi overrides, zero-width spaces, lone surrogates
        else:
            kept.append(ch)
    lines = (" ".join(line.split()) for line in "".join(kept).split("\n"))
    return "\n".join(line for line in lines if line)


def check(text: Any) -> Tuple[Optional[Text], Optional[Text]]:
    """(text to process, None) or (None, the polite reply that refuses it)."""
    if text is None:
        return None, EMPTY_REPLY
    if not isinstance(text, str):
        return None, NOT_TEXT_REPLY
    if len(text) > 50 * MAX_MESSAGE_CHARS:  # don't even clean what is far too long
        return None, TOO_LONG_REPLY.format(length=f"{len(text):,}", limit=f"{MAX_MESSAGE_CHARS:,}")
    text = clean(text)
    # A leading "/" makes Rasa take the text as an intent name (and entities) without NLU;
    # our buttons send plain text, so nobody needs that from the REST channel.
    text = text.lstrip("/").strip()
    if not text:
        return None, EMPTY_REPLY
    if len(text) > MAX_MESSAGE_CHARS:
        return None, TOO_LONG_REPLY.format(length=f"{len(text):,}", limit=f"{MAX_MESSAGE_CHARS:,}")
    return text, None


def check_sender(sender: Any) -> Optional[Text]:
    """None when the sender id is usable, else what is wrong with it."""
    if not isinstance(sender, str) or not sender.strip():
        return "'sender' must be a non-empty string (one per person and conversation)"
    if len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be at most {MAX_SENDER_CHARS} characters"
    if not sender.isprintable():
        return "'sender' must not contain control characters"
    if any(unicodedata.category(ch) == "Cs" for ch in sender):
        return "'sender' must be valid Unicode"
    return None


class SenderRateLimit:
    """Token bucket per sender, in this process only (the load balancer limits per client)."""

    def __init__(self, burst: int = BURST, rate: float = RATE, max_senders: int = 50_000):
        self.burst, self.rate, self.max_senders = burst, rate, max_senders
        self.buckets: Dict[Text, Tuple[float, float]] = {}

    def allow(self, sender: Text, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(sender, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self.buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        if len(self.buckets) > self.max_senders:
            self._forget_idle(now)
        return allowed

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.rate
        self.buckets = {s: (t, last) for s, (t, last) in self.buckets.items() if now - last < full_after}


class InFlightLimit:
    """At most `limit` messages processed at once in this process; the rest wait up to
    `wait` seconds for a turn, then get BUSY_REPLY. Created lazily inside the event loop."""

    def __init__(self, limit: int = MAX_IN_FLIGHT, wait: float = BUSY_WAIT):
        self.limit, self.wait = limit, wait
        self._semaphore: Optional[asyncio.Semaphore] = None

    async def acquire(self) -> bool:
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.limit)
        try:
            await asyncio.wait_for(self._semaphore.acquire(), timeout=self.wait)
            return True
        except asyncio.TimeoutError:
            return False

    def release(self) -> None:
        self._semaphore.release()


# One limit per process, shared by every channel of the replica.
IN_FLIGHT = InFlightLimit()


def bot_messages(sender: Text, text: Text, buttons: Optional[List[Dict]] = None) -> List[Dict]:
    message: Dict[Text, Any] = {"recipient_id": sender, "text": text}
    if buttons:
        message["buttons"] = buttons
    return [message]


def read_body(request: Request) -> Tuple[Optional[Dict], Optional[Text]]:
    """(body, None) for a JSON object with a usable sender id, else (None, why not)."""
    try:
        body = request.json
    except Exception:  # sanic raises on a body that is not JSON
        body = None
    if not isinstance(body, dict):
        return None, "expected a JSON object with 'sender' and 'message'"
    problem = check_sender(body.get("sender"))
    return (None, problem) if problem else (body, None)


async def respond(on_new_message: Callable[[UserMessage], Awaitable[Any]], rate_limit: SenderRateLimit,
                  channel: Text, sender: Text, text: Optional[Text], refusal: Optional[Text]) -> HTTPResponse:
    """The HTTP reply to one checked message: the refusal, a slow-down, or the assistant's
    messages (never an empty list). Shared by the REST and web chat channels."""
    if refusal:
        return response.json(bot_messages(sender, refusal, WHAT_CAN_YOU_DO))
    if not rate_limit.allow(sender):
        return response.json(bot_messages(sender, TOO_FAST_REPLY))
    # Client-sent metadata and input_channel are not passed on: nothing here uses
    # them, and they would be stored with every event in the tracker store.
    if not await IN_FLIGHT.acquire():
        logger.warning("%s: busy, asked %r to send again", channel, sender)
        return response.json(bot_messages(sender, BUSY_REPLY), status=503, headers={"Retry-After": "2"})
    collector = CollectingOutputChannel()
    try:
        await on_new_message(UserMessage(text, collector, sender, input_channel=channel))
    except asyncio.CancelledError:
        logger.error("%s: timed out on a message from %r", channel, sender)
        return response.json(bot_messages(sender, FAILED_REPLY), status=503)
    except Exception:
        logger.exception("%s: failed on a message from %r", channel, sender)
        return response.json(bot_messages(sender, FAILED_REPLY), status=500)
    finally:
        IN_FLIGHT.release()
    if not collector.messages:
        logger.warning("%s: the assistant said nothing to %r; sent NO_REPLY", channel, sender)
        return response.json(bot_messages(sender, NO_REPLY, WHAT_CAN_YOU_DO))
    return response.json(collector.messages)


class GuardedRestInput(RestInput):
    """The `rest` channel (same name and URL) with check() and a per-sender rate limit."""

    def __init__(self) -> None:
        self.rate_limit = SenderRateLimit()

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "GuardedRestInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        guarded = Blueprint("guarded_rest_webhook", __name__)

        @guarded.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @guarded.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, problem = read_body(request)
            if problem:
                return response.json({"error": problem}, status=400)
            sender = body["sender"]

            text, refusal = check(body.get("message"))
            return await respond(on_new_message, self.rate_limit, self.name(), sender, text, refusal)

        return guarded


def guarded(on_new_message: Callable[[UserMessage], Awaitable[Any]],
            rate_limit: SenderRateLimit) -> Callable[[UserMessage], Awaitable[Any]]:
    """on_new_message behind check(), check_sender() and the rate limit, for channels whose
    blueprint we don't rewrite: a refused message is answered on its own output channel."""
    async def handle(message: UserMessage) -> None:
        sender = message.sender_id
        if check_sender(sender):
            logger.warning("input guard: dropped a message from an unusable sender id")
            return
        text, refusal = check(message.text)
        buttons = WHAT_CAN_YOU_DO
        if refusal is None and not rate_limit.allow(sender):
            refusal, buttons = TOO_FAST_REPLY, None
        if refusal:
            if buttons:
                await message.output_channel.send_text_with_buttons(sender, refusal, buttons)
            else:
                await message.output_channel.send_text_message(sender, refusal)
            return
        message.text, message.metadata = text, None
        if not await IN_FLIGHT.acquire():
            await message.output_channel.send_text_message(sender, BUSY_REPLY)
            return
        try:
            await on_new_message(message)
        finally:
            IN_FLIGHT.release()

    return handle


class GuardedSocketIOInput(SocketIOInput):
    """The `socketio` channel (same name, path and settings) behind the same input rules."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(guarded(on_new_message, SenderRateLimit()))
        sio = self.sio

        # Replaces rasa 3.6's handler, which calls python-socketio 5.x's coroutine enter_room()
        # without awaiting it: with session_persistence no reply ever reached the browser.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or check_sender(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        return blueprint
