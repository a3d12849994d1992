"""The staff web chat: a Rasa input channel that serves the chat page and its webhook.

Registered in credentials.yml as `web.channel.WebChatInput:`; `rasa run` puts the
project root on sys.path, so `web` imports from there. Everything is served from the
Rasa server's own origin (http://127.0.0.1:5005/chat/), so the page needs no CORS.
"""
from pathlib import Path
from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from web.input_guard import SenderRateLimit, check, read_body, respond

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Only these files are served: no path from the request ever reaches the file system.
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
# Sent for {"start": true}: the server picks the intent, the client never can (check()
# strips a leading "/" from typed text, as on the guarded REST channel).
GREETING = "/greet"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def bad_request(reason: Text) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


class WebChatInput(InputChannel):
    """GET /chat/ is the page; POST /chat/webhook takes {"sender", "message"} like `rest`
    (or {"sender", "start": true} to open a conversation with the greeting) and applies
    the same input rules as the guarded REST channel (web/input_guard.py)."""

    def __init__(self) -> None:
        self.rate_limit = SenderRateLimit()

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def url_prefix(self) -> Text:
        # Absolute, so urljoin("/webhooks/", ...) in rasa's register() keeps it as is.
        return "/chat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        chat = Blueprint("webchat", __name__)

        # Sanic drops a trailing slash unless told not to; /chat redirects to /chat/.
        @chat.route("/", methods=["GET"], strict_slashes=True)
        async def page(request: Request) -> HTTPResponse:
            return await asset(request, "index.html")

        @chat.route("", methods=["GET"], strict_slashes=True)
        async def page_without_slash(request: Request) -> HTTPResponse:
            return response.redirect(self.url_prefix() + "/")

        @chat.route("/<name>", methods=["GET"])
        async def asset(request: Request, name: Text) -> HTTPResponse:
            if name not in ASSETS:
                return response.text("not found", status=404)
            return await response.file(
                STATIC_DIR / name, mime_type=ASSETS[name], headers=SECURITY_HEADERS
            )

        @chat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body, problem = read_body(request)
            if problem:
                return bad_request(problem)
            sender = body["sender"]
            if body.get("start") is True:
                text, refusal = GREETING, None
            else:
                text, refusal = check(body.get("message"))
            return await respond(on_new_message, self.rate_limit, self.name(), sender, text, refusal)

        return chat
