"""Trainer commands: assign, assignments, close, report, delete-trainee, migrate, and the
trainer web app's accounts: add-trainer, reset-trainer, remove-trainer, trainers.

SQLAlchemy is imported inside the handlers so that other `python -m bot` commands start fast.
"""
import argparse
import csv
import getpass
import os
import sys
import textwrap
from datetime import date

CSV_COLUMNS = ["trainee", "attempt", "item", "task", "answer", "expected", "correct", "answered_at_utc"]


def register_cli(sub) -> None:
    p = sub.add_parser("assign", help="create a quiz assignment; prints its session code (details on stderr)")
    p.add_argument("--title", required=True)
    p.add_argument("--topics", type=_csv_list, default=[], help="comma-separated topics to draw items from")
    p.add_argument("--items", type=_csv_list, default=[], help="comma-separated task ids, in quiz order")
    p.add_argument("--length", type=int, default=10, help="number of items drawn from the topics (default 10)")
    p.add_argument("--attempts", type=int, default=1, help="attempts allowed per trainee, 0 = unlimited (default 1)")
    p.add_argument("--due", type=_date, help="last day to take it, YYYY-MM-DD (inclusive)")
    p.set_defaults(run=_guard(_assign))

    p = sub.add_parser("assignments", help="list quiz assignments")
    p.set_defaults(run=_guard(_assignments))

    p = sub.add_parser("close", help="close an assignment: no new attempts or answers")
    p.add_argument("code")
    p.set_defaults(run=_guard(_close))

    p = sub.add_parser("report", help="scores per trainee, per item, most-missed items")
    p.add_argument("code")
    p.add_argument("--csv", metavar="FILE", help="also write one row per answer to FILE ('-' for stdout)")
    p.set_defaults(run=_guard(_report))

    p = sub.add_parser("delete-trainee", help="delete a trainee's attempts and answers (data-deletion request)")
    p.add_argument("name")
    p.add_argument("--code", help="only this assignment")
    p.set_defaults(run=_guard(_delete_trainee))

    p = sub.add_parser("add-trainer", help="create a trainer web-app account: asks for a password on a "
                                           "terminal, else prints a one-time set-password link (24 h)")
    p.add_argument("email")
    p.add_argument("--link", action="store_true", help="print a set-password link even on a terminal")
    p.set_defaults(run=_guard(_add_trainer))

    p = sub.add_parser("reset-trainer", help="print a new one-time set-password link (24 h) for a trainer")
    p.add_argument("email")
    p.set_defaults(run=_guard(_reset_trainer))

    p = sub.add_parser("remove-trainer", help="delete a trainer account (signed-in sessions end at once)")
    p.add_argument("email")
    p.set_defaults(run=_guard(_remove_trainer))

    p = sub.add_parser("trainers", help="list trainer accounts")
    p.set_defaults(run=_guard(_trainers))

    p = sub.add_parser("migrate", help="create or upgrade the results-store schema (set-up does this)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(run=_guard(_migrate))


def _csv_list(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def _date(text):
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-03-31") from None


def _guard(handler):
    """Store and database errors become one readable line on stderr and exit status 1."""
    def run(args):
        from sqlalchemy.exc import SQLAlchemyError

        from bot.store import DatabaseUnavailable, StoreError, UnknownCode, normalise_code, safe_url
        try:
            return handler(args) or 0
        except UnknownCode:
            print(f"error: no assignment has the code {normalise_code(args.code)!r}; "
                  "`python -m bot assignments` lists them.", file=sys.stderr)
        except (DatabaseUnavailable, SQLAlchemyError) as error:
            cause = error.__cause__ if isinstance(error, DatabaseUnavailable) else error
            detail = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0]
            print(f"error: results database {safe_url(None)}: {detail}", file=sys.stderr)
        except StoreError as error:
            print(f"error: {error}", file=sys.stderr)
        return 1
    return run


def _assign(args):
    from bot.store import Store

    store = Store()
    code = store.create_assignment(args.title, topics=args.topics, item_ids=args.items, length=args.length,
                                   attempts_allowed=args.attempts, due=args.due)
    info = store.lookup(code)
    print(code)
    source = f"topics {', '.join(info['topics'])}" if info["topics"] and not args.items else (
        "the listed tasks" if args.items else "all topics")
    attempts = "unlimited attempts" if not info["attempts_allowed"] else f"{info['attempts_allowed']} attempt(s)"
    due = f", due {info['due']} (inclusive)" if info["due"] else ""
    # Only the code goes to stdout, so `CODE=$(python -m bot assign ...)` works; the rest is for people.
    print(f"Created \"{info['title']}\": {info['length']} items from {source}, {attempts}{due}.\n"
          f"Trainees start it in the chat by typing the code {code}.", file=sys.stderr)


def _assignments(args):
    from bot.store import Store

    rows = Store().list_assignments()
    if not rows:
        print("No assignments yet. Create one with: python -m bot assign --title \"...\" --topics ...")
        return
    _table(["Code", "Title", "Status", "Items", "Attempts", "Due", "Trainees", "Created (UTC)"],
           [[r["code"], _cut(r["title"], 40), r["status"], r["length"], r["attempts_allowed"] or "unlimited",
             r["due"] or "-", r["trainees"], _when(r["created_at"])] for r in rows])


def _close(args):
    from bot.store import Store

    store = Store()
    store.close_assignment(args.code)
    info = store.report(args.code)["assignment"]
    print(f"Closed {info['code']} \"{info['title']}\": no new attempts or answers are accepted.")


def _report(args):
    from bot.store import Store, StoreError, task_bank

    report = Store().report(args.code)
    try:
        bank = task_bank()
    except (StoreError, OSError, ValueError) as error:
        bank = {}
        print(f"(task texts unavailable: {error})", file=sys.stderr)
    print(format_report(report, bank))
    if args.csv:
        rows = csv_rows(report, bank)
        if args.csv == "-":
            write_csv(sys.stdout, rows)
        else:
            with open(args.csv, "w", newline="", encoding="utf-8-sig") as f:  # BOM: Excel reads UTF-8
                write_csv(f, rows)
            print(f"\nWrote {len(rows)} answers to {args.csv}")


def delete_trainee_records(name, code=None, url=None) -> int:
    """What `delete-trainee` removes, here and in the trainer app alike: attempts, answers,
    personal invites and the onboarding path's progress. Returns the rows deleted."""
    from bot.onboarding.progress import Progress
    from bot.store import Store, UnknownCode

    try:
        deleted = Store(url).delete_trainee(name, code=code)
    except UnknownCode:
        if not (code or "").upper().startswith("ONB"):
            raise
        deleted = 0                       # an onboarding code: only the path's record below
    return deleted + Progress(url).delete_learner(name, code=code)   # the onboarding path's record too


def _delete_trainee(args):
    from bot.store import normalise_name

    name = normalise_name(args.name)[0]
    deleted = delete_trainee_records(args.name, code=args.code)
    where = f" in {args.code}" if args.code else ""
    if deleted:
        print(f"Deleted {deleted} rows (attempts, answers, personal links and onboarding progress) for \"{name}\"{where}.")
    else:
        print(f"No records for \"{name}\"{where}. (Names are matched ignoring case and extra spaces.)")


def trainer_url() -> str:
    """Where trainers reach the web app (TRAINER_PUBLIC_URL behind a load balancer)."""
    url = os.environ.get("TRAINER_PUBLIC_URL") or f"http://127.0.0.1:{os.environ.get('TRAINER_PORT', '5002')}"
    return url.rstrip("/")


def _print_link(store, email, why):
    from urllib.parse import quote

    token = store.issue_password_token(email)
    print(f"{why} Send this one-time link to {email}; it sets the password and works once, for 24 hours:")
    print(f"{trainer_url()}/trainer/set-password?token={quote(token)}")


def _add_trainer(args):
    from bot.store import Store, StoreError, check_password_rules

    store = Store()
    email = store.add_trainer(args.email)
    if args.link or not (sys.stdin.isatty() and sys.stdout.isatty()):
        _print_link(store, email, f"Created trainer {email}.")
        return
    while True:
        try:
            password = getpass.getpass(f"Password for {email} (at least 12 characters): ")
            check_password_rules(password)
        except StoreError as error:
            print(error, file=sys.stderr)
            continue
        except (EOFError, KeyboardInterrupt):
            print()
            _print_link(store, email, f"Created trainer {email} without a password.")
            return
        if getpass.getpass("Again: ") == password:
            break
        print("The two passwords are not the same; try again.", file=sys.stderr)
    store.set_password(email, password)
    print(f"Created trainer {email}; they can sign in at {trainer_url()}/trainer/")


def _reset_trainer(args):
    from bot.store import Store, normalise_email

    _print_link(Store(), normalise_email(args.email), "The old password keeps working until the link is used.")


def _remove_trainer(args):
    from bot.store import Store, normalise_email

    email = normalise_email(args.email)
    if Store().remove_trainer(email):
        print(f"Removed trainer {email}; their sessions end with their next request.")
    else:
        print(f"error: there is no trainer with the email {email}.", file=sys.stderr)
        return 1


def _trainers(args):
    from bot.store import Store

    rows = Store().list_trainers()
    if not rows:
        print("No trainer accounts. Create one with: python -m bot add-trainer you@agency.org")
        return
    _table(["Email", "Password set", "Last sign-in (UTC)", "Created (UTC)"],
           [[r["email"], "yes" if r["password_set"] else "no (link pending)", _when(r["last_sign_in_at"]),
             _when(r["created_at"])] for r in rows])


def _migrate(args):
    from bot.store import migrate, safe_url

    before, after = migrate()
    if not args.quiet:
        state = "already up to date" if before == after else f"upgraded from {before or 'empty'}"
        print(f"results store {safe_url(None)}: schema {after} ({state})")


# ---------------------------------------------------------------- report formatting

def format_report(report: dict, bank: dict) -> str:
    a = report["assignment"]
    lines = [f"{a['title']} ({a['code']}): {a['status']}, {a['length']} items, "
             f"{a['attempts_allowed'] or 'unlimited'} attempt(s) allowed, due {a['due'] or '-'}", ""]

    attempts = report["attempts"]
    lines.append(f"Trainees: {len({r['trainee'].casefold() for r in attempts})}, attempts: {len(attempts)}")
    if attempts:
        lines += _table_lines(
            ["Trainee", "Attempt", "Score", "Answered", "Status", "Started (UTC)"],
            [[_cut(r["trainee"], 30), r["attempt_number"], f"{r['score']}/{r['total']}",
              f"{r['answered']}/{r['total']}", "finished" if r["finished"] else "in progress",
              _when(r["started_at"])] for r in attempts])
    lines += ["", "Items (how many answers were right):"]
    lines += _table_lines(
        ["Item", "Right", "Expected", "Task"],
        [[r["item_id"], f"{r['right']}/{r['answered']}", _verdict(bank.get(r["item_id"], {}).get("verdict")),
          _cut(bank.get(r["item_id"], {}).get("text") or "", 60)] for r in report["items"]])
    lines += ["", "Most missed:"]
    if not report["most_missed"]:
        lines.append("  none yet")
    for n, r in enumerate(report["most_missed"], 1):
        task = bank.get(r["item_id"], {})
        lines.append(f"  {n}. {r['item_id']}: {r['wrong']} of {r['answered']} wrong "
                     f"(expected: {_verdict(task.get('verdict'))})")
        for label, text in (("Task", task.get("text")), ("Why", task.get("rationale"))):
            if text:
                lines += textwrap.wrap(f"{label}: {' '.join(str(text).split())}", 88,
                                       initial_indent="     ", subsequent_indent="       ")
    return "\n".join(lines)


def csv_rows(report: dict, bank: dict) -> list:
    return [[r["trainee"], r["attempt_number"], r["item_id"], bank.get(r["item_id"], {}).get("text") or "",
             r["answer"], r["expected"], "yes" if r["correct"] else "no", _when(r["answered_at"], seconds=True)]
            for r in report["answers"]]


def write_csv(f, rows) -> None:
    writer = csv.writer(f)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([[_cell(v) for v in row] for row in rows])


def _cell(value):
    """Text a spreadsheet would run as a formula (=, +, -, @) is prefixed with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _verdict(verdict):
    return str(verdict).replace("_", " ") if verdict else "?"


def _when(moment, seconds=False):
    if moment is None:
        return "-"
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _cut(text, width):
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _table_lines(header, rows):
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h)) for i, h in enumerate(header)]
    fmt = "  " + "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths))] + \
           [fmt.format(*row).rstrip() for row in rows]


def _table(header, rows):
    print("\n".join(_table_lines(header, rows)))
