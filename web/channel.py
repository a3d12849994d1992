"""The staff web chat: a Rasa input channel that serves the chat page and its webhook.

Registered in credentials.yml as `web.channel.WebChatInput:`; `rasa run` puts the
project root on sys.path, so `web` imports from there. Everything is served from the
Rasa server's own origin (http://127.0.0.1:5005/chat/), so the page needs no CORS.
"""
import copy
import logging
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Only these files are served: no path from the request ever reaches the file system.
ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 64

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def bad_request(reason: Text, status: int = 400) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


def parse_message(body: Any) -> "tuple[Optional[Dict[Text, Text]], Optional[Text]]":
    """(message, None) for a valid webhook body, or (None, reason) for an invalid one."""
    if not isinstance(body, dict):
        return None, "expected a JSON object with 'sender' and 'message'"
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS:
        return None, f"'sender' must be a string of 1 to {MAX_SENDER_CHARS} characters"
    if not isinstance(text, str):
        return None, "'message' must be a string"
    if len(text) > MAX_MESSAGE_CHARS:
        return None, f"'message' is longer than {MAX_MESSAGE_CHARS} characters"
    return {"sender": sender, "message": text}, None


class WebChatInput(InputChannel):
    """GET /chat/ is the page, POST /chat/webhook takes {"sender", "message"} like `rest`."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    def url_prefix(self) -> Text:
        # Absolute, so urljoin("/webhooks/", ...) in rasa's register() keeps it as is.
        return "/chat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        chat = Blueprint("webchat", __name__)

        @chat.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await asset(request, "index.html")

        @chat.route("/<name>", methods=["GET"])
        async def asset(request: Request, name: Text) -> HTTPResponse:
            if name not in ASSETS:
                return response.text("not found", status=404)
            return await response.file(
                STATIC_DIR / name, mime_type=ASSETS[name], headers=SECURITY_HEADERS
            )

        @chat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises on a body that is not JSON
                return bad_request("the body is not JSON")
            message, problem = parse_message(body)
            if problem:
                return bad_request(problem, 413 if "longer" in problem else 400)
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        message["message"],
                        collector,
                        message["sender"],
                        input_channel=self.name(),
                    )
                )
            except Exception:
                logger.exception("webchat: failed to handle %r", copy.deepcopy(message))
                return response.json({"error": "the assistant failed on this message"}, status=500)
            return response.json(collector.messages)

        return chat
