"""Secret, CSRF for plain HTML forms, sign-in rate limits, response security headers."""
import hashlib
import hmac
import os
from pathlib import Path
from urllib.parse import parse_qs

from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette_csrf import CSRFMiddleware

from bot import VAR_DIR

SECRET_FILE = VAR_DIR / "trainer_secret"
CSRF_FIELD = "csrftoken"
MAX_FORM_BYTES = 256 * 1024


def load_secret(path: Path = SECRET_FILE) -> str:
    """TRAINER_SECRET, else var/trainer_secret (created once, mode 600)."""
    secret = os.environ.get("TRAINER_SECRET", "").strip()
    if secret:
        if len(secret) < 32:
            raise SystemExit("TRAINER_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`).")
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise SystemExit(f"{path} is readable by other users; run `chmod 600 {path}`.")
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(os.urandom(32).hex())
    return path.read_text(encoding="ascii").strip()


def derive(secret: str, purpose: str) -> str:
    """One key per use (session cookie, CSRF token) from the one secret."""
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


class FormCSRFMiddleware(CSRFMiddleware):
    """starlette-csrf's double-submit check, also reading the token from a form field.

    starlette-csrf reads the submitted token only from a header, which HTML forms can't send.
    Here the body of an unsafe request is read once (at most MAX_FORM_BYTES), the form field
    taken from it, and the body replayed to the app. Every request also gets its token in
    scope["csrf_token"] for the templates; when the browser has none yet, one is made here
    and set as the cookie (starlette-csrf would make its own only after the page is rendered).
    """

    def __init__(self, app, *, page_prefix="/", skip_prefixes=(), **options):
        super().__init__(app, **options)
        self.page_prefix = page_prefix
        self.skip_prefixes = tuple(skip_prefixes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        path = scope["path"]
        if scope["method"] in self.safe_methods and \
                (not path.startswith(self.page_prefix) or path.startswith(self.skip_prefixes)):
            # Static files, /favicon.ico, ...: no token and no cookie. The browser fetches them
            # while it stores the page's cookie; a fresh cookie from them would replace the one
            # whose token is in the page's forms.
            return await self.app(scope, receive, send)
        headers = MutableHeaders(scope=scope)
        cookie_token = _cookie(headers.get("cookie", ""), self.cookie_name)
        if scope["method"] not in self.safe_methods:
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > MAX_FORM_BYTES:
                    return await PlainTextResponse("Request too large", status_code=413)(scope, receive, send)
            content_type = headers.get("content-type", "")
            if content_type.startswith("application/x-www-form-urlencoded"):
                field = parse_qs(body.decode("latin-1"), max_num_fields=200).get(CSRF_FIELD, [None])[0]
                scope["csrf_submitted"] = field
            receive = _replay(body)
        elif not cookie_token:
            cookie_token = self._generate_csrf_token()
            # Seen as the request's cookie by starlette-csrf's send(), so it adds no second one.
            existing = headers.get("cookie")
            headers["cookie"] = f"{existing}; {self.cookie_name}={cookie_token}" if existing else \
                f"{self.cookie_name}={cookie_token}"
            send = self._setting_cookie(send, cookie_token)
        scope["csrf_token"] = cookie_token
        await super().__call__(scope, receive, send)

    async def _get_submitted_csrf_token(self, request):
        return request.headers.get(self.header_name) or request.scope.get("csrf_submitted")

    def _setting_cookie(self, send, token):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                attributes = [f"{self.cookie_name}={token}", f"Path={self.cookie_path}",
                              f"SameSite={self.cookie_samesite}"]
                if self.cookie_secure:
                    attributes.append("Secure")
                if self.cookie_httponly:
                    attributes.append("HttpOnly")
                MutableHeaders(scope=message).append("set-cookie", "; ".join(attributes))
            await send(message)
        return wrapped


def _cookie(header: str, name: str):
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _replay(body: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}
    return receive


class SignInLimits:
    """Failed sign-ins per email and per client IP, in this process's memory (moving window)."""

    def __init__(self, per_email="5 per 5 minutes", per_ip="20 per 5 minutes"):
        self.storage = MemoryStorage()  # the limiter holds only a weak reference to it
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_email = parse_limit(per_email)
        self.per_ip = parse_limit(per_ip)

    def allowed(self, email: str, ip: str) -> bool:
        return self.limiter.test(self.per_email, "email", email) and self.limiter.test(self.per_ip, "ip", ip)

    def failed(self, email: str, ip: str) -> None:
        self.limiter.hit(self.per_email, "email", email)
        self.limiter.hit(self.per_ip, "ip", ip)

    def succeeded(self, email: str) -> None:
        self.limiter.clear(self.per_email, "email", email)


SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",      # the set-password token is in a URL
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


class SecurityHeadersMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def wrapped(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)
        await self.app(scope, receive, wrapped)
