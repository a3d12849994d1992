"""Routes of the trainer app; everything lives under /trainer/ so a load balancer can route
that one prefix here. Every route except sign-in, set-password and the stylesheet needs a
signed-in trainer, and every form carries a CSRF token."""
import io
import os
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from bot.store import StoreError, UnknownCode, normalise_email, normalise_name, task_bank
from bot.store_cli import csv_rows, delete_trainee_records, write_csv
from trainer import charts, results
from trainer.security import (CSRF_FIELD, FormCSRFMiddleware, SecurityHeadersMiddleware, SignInLimits,
                              derive, load_secret)

HERE = Path(__file__).resolve().parent
PREFIX = "/trainer"
SESSION_HOURS = 8
MAX_INVITES = 200

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["csrf_field"] = CSRF_FIELD
templates.env.globals["prefix"] = PREFIX


def chat_url(request) -> str:
    """The web chat page trainees open (invite links add ?code=...): TRAINER_CHAT_URL; else,
    when the app is reached directly on its port, the chat on RASA_PORT of the same host; else
    (behind the load balancer, which also serves /chat/) /chat/ on the same origin."""
    configured = os.environ.get("TRAINER_CHAT_URL")
    if configured:
        return configured
    url = request.url
    if url.port is not None and str(url.port) == os.environ.get("TRAINER_PORT", "5002"):
        return f"{url.scheme}://{url.hostname}:{os.environ.get('RASA_PORT', '5005')}/chat/"
    return f"{url.scheme}://{url.netloc}/chat/"


# ---------------------------------------------------------------- helpers

async def db(function, *args, **kwargs):
    """Store calls block (SQL, argon2): run them off the event loop."""
    return await run_in_threadpool(function, *args, **kwargs)


def store_of(request):
    return request.app.state.store


def bank_of(request) -> dict:
    from bot.tasks import tasks_by_id

    return tasks_by_id()


def render(request, template, status_code=200, **context):
    context.update(csrf=request.scope.get("csrf_token", ""), trainer=request.scope.get("trainer"),
                   flash=request.session.pop("flash", None) if "session" in request.scope else None)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def redirect(path, flash=None, request=None):
    if flash and request is not None:
        request.session["flash"] = flash
    return RedirectResponse(path, status_code=303)


def safe_next(target) -> str:
    """Only a path on this app, never another site (open-redirect guard)."""
    if isinstance(target, str) and target.startswith(PREFIX + "/") and not target.startswith("//") \
            and "\\" not in target and not urlsplit(target).netloc:
        return target
    return PREFIX + "/"


def signed_in(endpoint):
    """No session (or a removed account, or a changed password): redirect to sign-in."""
    async def wrapper(request: Request):
        trainer_id = request.session.get("trainer_id")
        trainer = await db(store_of(request).trainer_by_id, trainer_id) if trainer_id else None
        if trainer is None or trainer["password_set_at"] != request.session.get("password_set_at"):
            request.session.clear()
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{PREFIX}/sign-in?next={quote(target)}", status_code=303)
        request.scope["trainer"] = trainer
        return await endpoint(request)
    wrapper.__name__ = endpoint.__name__
    return wrapper


async def form_of(request) -> dict:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def client_ip(request) -> str:
    return request.client.host if request.client else "unknown"


# ---------------------------------------------------------------- sign-in, sign-out, set password

async def sign_in_page(request):
    if request.method == "GET":
        return render(request, "sign_in.html", next=safe_next(request.query_params.get("next")), email="")
    form = await form_of(request)
    email, password = form.get("email", "").strip(), form.get("password", "")
    next_path = safe_next(form.get("next"))
    try:
        key = normalise_email(email)
    except StoreError:
        key = email.lower()[:254]
    limits = request.app.state.sign_in_limits
    ip = client_ip(request)
    if not limits.allowed(key, ip):
        return render(request, "sign_in.html", status_code=429, next=next_path, email=email,
                      error="Too many failed sign-ins. Please wait a few minutes and try again.")
    trainer = await db(store_of(request).check_trainer_password, email, password)
    if trainer is None:
        limits.failed(key, ip)
        return render(request, "sign_in.html", status_code=401, next=next_path, email=email,
                      error="That email and password don't match an account.")
    limits.succeeded(key)
    request.session.clear()
    request.session.update(trainer_id=trainer["id"], password_set_at=trainer["password_set_at"])
    return redirect(next_path)


async def sign_out(request):
    request.session.clear()
    return redirect(f"{PREFIX}/sign-in", "You are signed out.", request)


async def set_password_page(request):
    token = request.query_params.get("token", "")
    email = await db(store_of(request).password_token_email, token)
    if email is None:
        return render(request, "set_password.html", status_code=404, email=None, token="",
                      error="This set-password link is not valid any more (used, replaced or older than "
                            "24 hours). Ask an administrator for a new one: python -m bot reset-trainer EMAIL")
    if request.method == "GET":
        return render(request, "set_password.html", email=email, token=token)
    form = await form_of(request)
    password = form.get("password", "")
    if password != form.get("confirm", ""):
        return render(request, "set_password.html", status_code=400, email=email, token=token,
                      error="The two passwords are not the same.")
    try:
        await db(store_of(request).set_password_with_token, token, password)
    except StoreError as error:
        return render(request, "set_password.html", status_code=400, email=email, token=token, error=str(error))
    request.session.clear()
    return redirect(f"{PREFIX}/sign-in", "Your password is set. Please sign in.", request)


# ---------------------------------------------------------------- assignments

def topic_counts() -> list:
    counts = Counter(t["topic"] for t in task_bank().values() if t["topic"])
    from bot.quiz import TOPIC_LABELS

    return [dict(name=name, label=TOPIC_LABELS.get(name, name), count=n) for name, n in sorted(counts.items())]


@signed_in
async def home(request):
    store = store_of(request)
    assignments = await db(store.list_assignments)
    bank = bank_of(request)
    weak = await db(results.weakest, await db(store.item_tallies), bank)
    return render(request, "home.html", assignments=assignments, topics=topic_counts(), weak=weak,
                  form={}, error=None)


def _names(text) -> list:
    """Names typed or pasted: one per line, or separated by commas or semicolons."""
    parts = []
    for line in str(text or "").replace(";", "\n").splitlines():
        parts += [p for p in (" ".join(part.split()) for part in line.split(",")) if p]
    return parts


def _whole(text, default, name):
    text = str(text or "").strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise StoreError(f"{name} must be a whole number.") from None


@signed_in
async def create_assignment(request):
    store = store_of(request)
    form = await request.form()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    topics = [t for t in form.getlist("topics") if isinstance(t, str)]
    names = _names(values.get("invitees"))
    try:
        if len(names) > MAX_INVITES:
            raise StoreError(f"Invite at most {MAX_INVITES} trainees at once.")
        for name in names:
            normalise_name(name)
        code = await db(store.create_assignment, values.get("title", ""), topics=topics,
                        length=_whole(values.get("length"), 10, "Length"),
                        attempts_allowed=_whole(values.get("attempts"), 1, "Attempts"),
                        due=values.get("due") or None)
        if names:
            await db(store.add_invites, code, names)
    except StoreError as error:
        assignments = await db(store.list_assignments)
        weak = await db(results.weakest, await db(store.item_tallies), bank_of(request))
        return render(request, "home.html", status_code=400, assignments=assignments, topics=topic_counts(),
                      weak=weak, form=dict(values, topics=topics), error=str(error))
    return redirect(f"{PREFIX}/a/{code}", f"Created {code}.", request)


UNKNOWN = object()


async def _assignment_or_404(request, function, *args):
    """function(code, *args), or UNKNOWN when no assignment has the code in the URL."""
    try:
        return await db(function, request.path_params["code"], *args)
    except UnknownCode:
        return UNKNOWN


@signed_in
async def assignment_page(request):
    store = store_of(request)
    report = await _assignment_or_404(request, store.report)
    if report is UNKNOWN:
        return render(request, "not_found.html", status_code=404)
    invites = await db(store.invites, report["assignment"]["code"])
    bank = bank_of(request)
    rows = results.trainee_rows(report, invites, chat_url(request))
    items = results.item_rows(report, bank)
    return render(request, "assignment.html", a=report["assignment"], rows=rows, items=items,
                  summary=results.summary(rows, invites), chat_url=chat_url(request),
                  score_chart=charts.score_distribution(rows), item_chart=charts.item_difficulty(items),
                  error=None)


@signed_in
async def add_invites(request):
    store = store_of(request)
    code = request.path_params["code"]
    names = _names((await form_of(request)).get("invitees"))
    try:
        if not names:
            raise StoreError("Type at least one name to invite.")
        if len(names) > MAX_INVITES:
            raise StoreError(f"Invite at most {MAX_INVITES} trainees at once.")
        added = await db(store.add_invites, code, names)
    except UnknownCode:
        return render(request, "not_found.html", status_code=404)
    except StoreError as error:
        return redirect(f"{PREFIX}/a/{code}", str(error), request)
    new = sum(1 for a in added if a["new"])
    return redirect(f"{PREFIX}/a/{code}", f"{new} new personal link(s); {len(added) - new} already invited.", request)


def _status_change(method_name, message):
    @signed_in
    async def change(request):
        code = request.path_params["code"]
        if await _assignment_or_404(request, getattr(store_of(request), method_name)) is UNKNOWN:
            return render(request, "not_found.html", status_code=404)
        return redirect(f"{PREFIX}/a/{code}", message, request)
    change.__name__ = method_name
    return change


close_assignment = _status_change("close_assignment", "Closed: no new attempts or answers are accepted.")
reopen_assignment = _status_change("reopen_assignment", "Reopened: trainees can take it again.")


@signed_in
async def delete_assignment(request):
    store = store_of(request)
    report = await _assignment_or_404(request, store.report)
    if report is UNKNOWN:
        return render(request, "not_found.html", status_code=404)
    if request.method == "GET":
        return render(request, "confirm_delete_assignment.html", a=report["assignment"],
                      attempts=len(report["attempts"]), answers=len(report["answers"]))
    rows = await db(store.delete_assignment, report["assignment"]["code"])
    return redirect(f"{PREFIX}/", f"Deleted {report['assignment']['code']} and {rows - 1} rows of its "
                                   "invites, attempts and answers.", request)


@signed_in
async def results_csv(request):
    store = store_of(request)
    report = await _assignment_or_404(request, store.report)
    if report is UNKNOWN:
        return PlainTextResponse("No assignment has that code.", status_code=404)
    try:
        bank = task_bank()
    except StoreError:
        bank = {}
    out = io.StringIO()
    write_csv(out, csv_rows(report, bank))
    code = report["assignment"]["code"]
    return Response(("\ufeff" + out.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{code}-results.csv"'})


# ---------------------------------------------------------------- onboarding path (issue 15)

def progress_of(request):
    """The onboarding tables of the same results store (bot.onboarding.progress), opened on first use."""
    if getattr(request.app.state, "progress", None) is None:
        from bot.onboarding.progress import Progress

        request.app.state.progress = Progress(store_of(request).url)
    return request.app.state.progress


async def _onboarding_list(request, status_code=200, title="", error=None):
    assignments = await db(progress_of(request).list_assignments)
    chat = chat_url(request)
    for a in assignments:
        a["link"] = results.invite_link(chat, a["code"])
    return render(request, "onboarding.html", status_code=status_code, assignments=assignments, title=title,
                  error=error, chat_url=chat)


@signed_in
async def onboarding_page(request):
    if request.method == "GET":
        return await _onboarding_list(request)
    from bot.onboarding import clock

    title = (await form_of(request)).get("title", "")
    try:
        code = await db(progress_of(request).create_assignment, title, clock.now())
    except StoreError as error:
        return await _onboarding_list(request, status_code=400, title=title, error=str(error))
    return redirect(f"{PREFIX}/onboarding/{code}", f"Created onboarding {code}.", request)


@signed_in
async def onboarding_assignment_page(request):
    from bot.onboarding import lessons
    from bot.onboarding.cli import onboarding_report
    from bot.onboarding.progress import UnknownOnboardingCode

    try:
        report = await db(onboarding_report, request.path_params["code"], progress_of(request))
    except UnknownOnboardingCode:
        return render(request, "not_found.html", status_code=404)
    path = lessons.load()
    return render(request, "onboarding_assignment.html", a=report["assignment"], learners=report["learners"],
                  group=report["group"], lessons_total=len(path.lessons), check_items=len(path.pre_check),
                  link=results.invite_link(chat_url(request), report["assignment"]["code"]))


# ---------------------------------------------------------------- a trainee's data

@signed_in
async def delete_trainee(request):
    store = store_of(request)
    source = request.query_params if request.method == "GET" else await form_of(request)
    name, code = source.get("name", ""), source.get("code") or None
    back = f"{PREFIX}/a/{code}" if code else f"{PREFIX}/"
    try:
        shown = normalise_name(name)[0]
    except StoreError as error:
        return redirect(back, str(error), request)
    if request.method == "GET":
        return render(request, "confirm_delete_trainee.html", name=shown, code=code)
    try:
        deleted = await db(delete_trainee_records, name, code=code, url=store.url)
    except UnknownCode:
        return render(request, "not_found.html", status_code=404)
    where = f" in {code}" if code else ""
    message = (f"Deleted {deleted} rows (attempts, answers, personal links and onboarding progress) "
               f"for \"{shown}\"{where}."
               if deleted else f"No records for \"{shown}\"{where}.")
    return redirect(back, message, request)


async def root(request):
    return RedirectResponse(f"{PREFIX}/", status_code=303)


async def not_found(request, exc):
    return PlainTextResponse("Not found", status_code=404)


# ---------------------------------------------------------------- the app

def create_app(store=None, secret=None, https_only=None) -> Starlette:
    from bot.store import Store

    secret = secret or load_secret()
    if https_only is None:
        https_only = os.environ.get("TRAINER_HTTPS", "") in ("1", "true", "yes")
    routes = [
        Route("/", root),
        Route(f"{PREFIX}", root),
        Route(f"{PREFIX}/", home),
        Route(f"{PREFIX}/sign-in", sign_in_page, methods=["GET", "POST"]),
        Route(f"{PREFIX}/sign-out", sign_out, methods=["POST"]),
        Route(f"{PREFIX}/set-password", set_password_page, methods=["GET", "POST"]),
        Route(f"{PREFIX}/assignments", create_assignment, methods=["POST"]),
        Route(f"{PREFIX}/a/{{code}}", assignment_page),
        Route(f"{PREFIX}/a/{{code}}/invites", add_invites, methods=["POST"]),
        Route(f"{PREFIX}/a/{{code}}/close", close_assignment, methods=["POST"]),
        Route(f"{PREFIX}/a/{{code}}/reopen", reopen_assignment, methods=["POST"]),
        Route(f"{PREFIX}/a/{{code}}/delete", delete_assignment, methods=["GET", "POST"]),
        Route(f"{PREFIX}/a/{{code}}/results.csv", results_csv),
        Route(f"{PREFIX}/trainee/delete", delete_trainee, methods=["GET", "POST"]),
        Route(f"{PREFIX}/onboarding", onboarding_page, methods=["GET", "POST"]),
        Route(f"{PREFIX}/onboarding/{{code}}", onboarding_assignment_page),
        Mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        # Both cookies stay under /trainer: the chat on the same origin never receives them.
        Middleware(FormCSRFMiddleware, secret=derive(secret, "csrf"), cookie_name="trainer_csrf",
                   page_prefix=PREFIX + "/", skip_prefixes=[PREFIX + "/static/"], cookie_path=PREFIX, cookie_secure=https_only, cookie_httponly=True, cookie_samesite="strict"),
        Middleware(SessionMiddleware, secret_key=derive(secret, "session"), session_cookie="trainer_session",
                   max_age=SESSION_HOURS * 3600, path=PREFIX, same_site="lax", https_only=https_only),
    ]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
    app.state.store = store or Store()
    app.state.sign_in_limits = SignInLimits()
    return app
