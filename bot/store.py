"""Results store: trainers' assignments, trainees' attempts, one row per answer.

SQLAlchemy 1.4 (what rasa 3.6 needs). DATABASE_URL selects the database; the default is
a SQLite file var/results.db. The schema comes from the Alembic migrations in
bot/migrations (`python -m bot migrate`, run by set-up); this module never creates tables.

Exceptions carry messages written for the person in the chat or at the CLI, so callers can
show str(error) as it is.
"""
import functools
import hashlib
import os
import random
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import (JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint, create_engine, delete, event, func, inspect, select, update)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.types import TypeDecorator

from bot import VAR_DIR

# The Alembic revision this code expects; tests check it is the head of bot/migrations.
SCHEMA_REVISION = "0003"

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
PREFIX_LETTERS = set("ABCDEFGHJKMNPQRSTUVWXYZ")
MAX_NAME = 80
MAX_TITLE = 200
MAX_ANSWER = 2000  # chat messages can be 100 kB; keep what a trainer would read
MAX_LENGTH = 100
MAX_EMAIL = 254
# A due date is inclusive everywhere on earth: it passes when the date is over at UTC-12.
DUE_ZONE = timezone(timedelta(hours=-12))


class StoreError(Exception):
    """Base class; str(error) is a message fit to show a trainee or trainer."""


class UnknownCode(StoreError):
    pass


class AssignmentClosed(StoreError):
    pass


class AssignmentExpired(StoreError):
    pass


class AttemptsUsedUp(StoreError):
    pass


class AttemptFinished(StoreError):
    pass


class InvalidName(StoreError):
    pass


class InviteRequired(StoreError):
    """The name has a personal invite for this assignment: the shared code can't be used for it."""


class DatabaseUnavailable(StoreError):
    """The database did not answer or failed; the SQLAlchemy error is the __cause__."""


def _database_errors(method):
    """Database failures (server down, disk full, ...) become DatabaseUnavailable, so a chat
    that catches StoreError never crashes on them."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except SQLAlchemyError as error:
            raise DatabaseUnavailable("The results database isn't answering right now, so I can't save "
                                      "or read quiz results. Please try again in a few minutes.") from error
    return wrapper


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the results store; use timezone-aware UTC")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


Base = declarative_base()


class Assignment(Base):
    __tablename__ = "assignments"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), nullable=False, unique=True)
    title = Column(String(MAX_TITLE), nullable=False)
    topics = Column(JSON, nullable=False)          # topics the items were drawn from ([] = any)
    explicit_items = Column(Boolean, nullable=False)  # True when the trainer listed the items
    item_ids = Column(JSON, nullable=False)        # the items, in quiz order, fixed at creation
    length = Column(Integer, nullable=False)
    attempts_allowed = Column(Integer, nullable=False)  # 0 = unlimited
    due_at = Column(UTCDateTime, nullable=True)
    status = Column(String(10), nullable=False)    # open | closed
    created_at = Column(UTCDateTime, nullable=False)
    closed_at = Column(UTCDateTime, nullable=True)


class Attempt(Base):
    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("assignment_id", "name_key", "attempt_number",
                                       name="uq_attempts_trainee_number"),)
    id = Column(Integer, primary_key=True)
    assignment_id = Column(Integer, ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False)
    trainee_name = Column(String(MAX_NAME), nullable=False)
    name_key = Column(String(MAX_NAME * 2), nullable=False)
    attempt_number = Column(Integer, nullable=False)
    item_ids = Column(JSON, nullable=False)
    started_at = Column(UTCDateTime, nullable=False)
    finished_at = Column(UTCDateTime, nullable=True)


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", name="uq_answers_attempt_item"),)
    id = Column(Integer, primary_key=True)
    attempt_id = Column(Integer, ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False)
    item_id = Column(String(100), nullable=False)
    answer = Column(Text, nullable=False)
    expected = Column(String(40), nullable=False)
    correct = Column(Boolean, nullable=False)
    answered_at = Column(UTCDateTime, nullable=False)


class Trainer(Base):
    __tablename__ = "trainers"
    id = Column(Integer, primary_key=True)
    email = Column(String(MAX_EMAIL), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=True)          # argon2id; None until set
    password_token_hash = Column(String(64), nullable=True, unique=True)  # sha256 of a one-time link token
    password_token_expires_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)
    password_set_at = Column(UTCDateTime, nullable=True)
    last_sign_in_at = Column(UTCDateTime, nullable=True)


class Invite(Base):
    """A personal code for one trainee in one assignment: the code carries the name."""
    __tablename__ = "invites"
    __table_args__ = (UniqueConstraint("assignment_id", "name_key", name="uq_invites_assignment_name"),)
    id = Column(Integer, primary_key=True)
    assignment_id = Column(Integer, ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False)
    code = Column(String(16), nullable=False, unique=True)
    trainee_name = Column(String(MAX_NAME), nullable=False)
    name_key = Column(String(MAX_NAME * 2), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


@dataclass
class AttemptInfo:
    attempt_id: int
    item_ids: list
    answered: dict = field(default_factory=dict)  # item_id -> correct
    finished: bool = False
    attempt_number: int = 1


# ---------------------------------------------------------------- helpers

def database_url(url=None) -> str:
    url = url or os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'results.db'}"
    if url.startswith("postgres://"):  # the Heroku-style spelling SQLAlchemy 1.4 refuses
        url = "postgresql://" + url[len("postgres://"):]
    return url


def safe_url(url) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(database_url(url)).__repr__()


def normalise_code(code) -> str:
    """'bnd 7k4q', 'BND7K4Q', ' bnd-7k4q ' -> 'BND-7K4Q'."""
    letters = re.sub(r"[^A-Z0-9]", "", str(code or "").upper())
    return f"{letters[:3]}-{letters[3:]}" if len(letters) == 7 else letters


def normalise_name(name):
    """(display name, key): stripped, inner whitespace collapsed; the key ignores case."""
    if not isinstance(name, str):
        raise InvalidName("Please type your name as text.")
    text = unicodedata.normalize("NFKC", name)
    if any(not (ch.isprintable() or ch in " \t") for ch in text):
        raise InvalidName("Your name can't contain line breaks or control characters; please type it on one line.")
    text = " ".join(text.split())
    if not text:
        raise InvalidName("I need a name for your results; please type your name.")
    if len(text) > MAX_NAME:
        raise InvalidName(f"That name is too long; please use at most {MAX_NAME} characters.")
    if not any(ch.isalnum() for ch in text):
        raise InvalidName("Please type your name using letters.")
    return text, text.casefold()


def code_prefix(text: str) -> str:
    """Three letters from a topic or title: the first letter, then its consonants."""
    letters = [ch for ch in unicodedata.normalize("NFKD", text).upper() if ch in PREFIX_LETTERS]
    picked = letters[:1] + [ch for ch in letters[1:] if ch not in "AEUY"]
    prefix = "".join(picked)[:3]
    if len(prefix) < 3:
        prefix = (prefix + "".join(ch for ch in letters if ch not in prefix) + "QZX")[:3]
    return prefix


def new_code(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))


def due_moment(due):
    """A due date (inclusive, anywhere on earth) or an aware datetime -> aware UTC datetime."""
    if due is None or due == "":
        return None
    if isinstance(due, str):
        try:
            due = date.fromisoformat(due.strip())
        except ValueError:
            raise StoreError(f"Due date {due!r} is not a date like 2025-03-31.") from None
    if isinstance(due, datetime):
        if due.tzinfo is None:
            raise StoreError("A due datetime must be timezone-aware.")
        return due.astimezone(timezone.utc)
    return datetime.combine(due + timedelta(days=1), time(0), DUE_ZONE).astimezone(timezone.utc)


def _field(item, name, default=None):
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def task_bank(tasks=None) -> dict:
    """id -> {id, text, verdict, topic, rationale} from bot.tasks.load_tasks() (or given tasks)."""
    if tasks is None:
        try:
            from bot.tasks import load_tasks
        except ImportError:
            raise StoreError("The task bank (bot/tasks.py) is not available yet.") from None
        tasks = load_tasks
    if callable(tasks):
        try:
            tasks = tasks()
        except Exception as error:  # a broken content file must not look like a store bug
            raise StoreError(f"The task bank could not be loaded: {error}") from error
    if isinstance(tasks, dict):
        tasks = [dict(v, id=k) if isinstance(v, dict) and "id" not in v else v for k, v in tasks.items()]
    bank = {}
    for item in tasks:
        item_id = str(_field(item, "id"))
        bank[item_id] = {name: _field(item, name) for name in ("text", "verdict", "topic", "rationale")}
        bank[item_id]["id"] = item_id
    return bank


# ---------------------------------------------------------------- engines

_engines = {}


def engine_for(url):
    """One engine per URL and process (a forked process must not share pooled connections)."""
    key = (url, os.getpid())
    if key not in _engines:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
            engine = create_engine(url, future=True, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, future=True, pool_pre_ping=True)
        _engines[key] = engine
    return _engines[key]


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # the CLI can read while chats write
    cursor.close()


def schema_revision(url=None):
    """The Alembic revision the database is at, or None when it has never been migrated."""
    engine = engine_for(database_url(url))
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def migrate(url=None, revision="head"):
    """Apply the Alembic migrations; returns (revision before, revision after)."""
    from alembic import command
    from alembic.config import Config
    from bot import PROJECT_ROOT

    url = database_url(url)
    before = schema_revision(url)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "bot" / "migrations"))
    with engine_for(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before, schema_revision(url)


# ---------------------------------------------------------------- the store

_checked = set()


class Store:
    @_database_errors
    def __init__(self, url=None, tasks=None):
        """url: SQLAlchemy URL (default DATABASE_URL, else var/results.db).
        tasks: the task bank (list, dict or callable); default bot.tasks.load_tasks()."""
        self.url = database_url(url)
        self.engine = engine_for(self.url)
        self._tasks = tasks
        if self.url not in _checked:
            revision = schema_revision(self.url)
            if revision != SCHEMA_REVISION:
                raise StoreError(
                    f"The results database {safe_url(self.url)} is at schema revision {revision!r}, "
                    f"expected {SCHEMA_REVISION!r}: run `.venv/bin/python -m bot migrate`.")
            _checked.add(self.url)

    # ---- trainer side

    @_database_errors
    def create_assignment(self, title, topics=None, item_ids=None, length=10, attempts_allowed=1, due=None) -> str:
        title = " ".join(str(title or "").split())
        if not title or len(title) > MAX_TITLE:
            raise StoreError(f"An assignment needs a title of 1 to {MAX_TITLE} characters.")
        topics = [t.strip() for t in (topics or []) if t and t.strip()]
        item_ids = [str(i).strip() for i in (item_ids or []) if str(i).strip()]
        if not isinstance(length, int) or not 1 <= length <= MAX_LENGTH:
            raise StoreError(f"Length must be a whole number from 1 to {MAX_LENGTH}.")
        if not isinstance(attempts_allowed, int) or attempts_allowed < 0:
            raise StoreError("Attempts allowed must be 0 (unlimited) or more.")
        due_at = due_moment(due)
        if due_at is not None and due_at <= utcnow():
            raise StoreError("That due date has already passed.")
        items = self._choose_items(topics, item_ids, length)

        prefix = code_prefix(topics[0] if topics else title)
        for _ in range(20):
            code = new_code(prefix)
            with Session(self.engine) as session:
                if session.execute(select(Invite.id).where(Invite.code == code)).first():
                    continue  # a personal code already has it
                session.add(Assignment(
                    code=code, title=title, topics=topics, explicit_items=bool(item_ids), item_ids=items,
                    length=len(items), attempts_allowed=attempts_allowed, due_at=due_at, status="open",
                    created_at=utcnow()))
                try:
                    session.commit()
                    return code
                except IntegrityError:
                    session.rollback()  # the code exists already: draw another
        raise StoreError("Could not find a free assignment code; try another title.")

    def _choose_items(self, topics, item_ids, length):
        bank = task_bank(self._tasks)
        if item_ids:
            unknown = [i for i in item_ids if i not in bank]
            if unknown:
                raise StoreError("Unknown task ids: " + ", ".join(unknown))
            if len(set(item_ids)) != len(item_ids):
                raise StoreError("Each task can appear only once in an assignment.")
            return item_ids
        known_topics = sorted({t["topic"] for t in bank.values() if t["topic"]})
        unknown = [t for t in topics if t not in known_topics]
        if unknown:
            raise StoreError(f"Unknown topics: {', '.join(unknown)}. Known topics: {', '.join(known_topics)}")
        pool = sorted(i for i, t in bank.items() if not topics or t["topic"] in topics)
        if not pool:
            raise StoreError("The task bank has no tasks for that choice.")
        return random.SystemRandom().sample(pool, min(length, len(pool)))

    @_database_errors
    def list_assignments(self) -> list:
        with Session(self.engine) as session:
            counts = dict(session.execute(
                select(Attempt.assignment_id, func.count(func.distinct(Attempt.name_key)))
                .group_by(Attempt.assignment_id)).all())
            rows = session.execute(select(Assignment).order_by(Assignment.created_at, Assignment.id)).scalars()
            return [dict(self._describe(a), trainees=counts.get(a.id, 0)) for a in rows]

    @_database_errors
    def close_assignment(self, code) -> None:
        with Session(self.engine) as session:
            assignment = self._get(session, code)
            if assignment.status != "closed":
                session.execute(update(Assignment).where(Assignment.id == assignment.id)
                                .values(status="closed", closed_at=utcnow()))
                session.commit()

    @_database_errors
    def reopen_assignment(self, code) -> None:
        with Session(self.engine) as session:
            assignment = self._get(session, code)
            if assignment.status != "open":
                session.execute(update(Assignment).where(Assignment.id == assignment.id)
                                .values(status="open", closed_at=None))
                session.commit()

    @_database_errors
    def delete_assignment(self, code) -> int:
        """Delete an assignment with its invites, attempts and answers; returns rows deleted."""
        with Session(self.engine) as session:
            assignment = self._get(session, code)
            attempt_ids = session.execute(select(Attempt.id).where(Attempt.assignment_id == assignment.id)).scalars().all()
            rows = session.execute(delete(Answer).where(Answer.attempt_id.in_(attempt_ids))).rowcount if attempt_ids else 0
            rows += session.execute(delete(Attempt).where(Attempt.assignment_id == assignment.id)).rowcount
            rows += session.execute(delete(Invite).where(Invite.assignment_id == assignment.id)).rowcount
            rows += session.execute(delete(Assignment).where(Assignment.id == assignment.id)).rowcount
            session.commit()
            return rows

    @_database_errors
    def add_invites(self, code, names) -> list:
        """Personal codes for trainees of an assignment: [{name, code, new}], in the order given.
        A name invited before keeps its code; duplicates in `names` (ignoring case) count once."""
        cleaned, keys = [], set()
        for raw in names:
            name, key = normalise_name(raw)
            if key not in keys:
                keys.add(key)
                cleaned.append((name, key))
        if not cleaned:
            raise InvalidName("Type at least one name to invite.")
        with Session(self.engine) as session:
            assignment = self._get(session, code)
            existing = {i.name_key: i for i in session.execute(
                select(Invite).where(Invite.assignment_id == assignment.id)).scalars()}
            prefix = assignment.code[:3]
            result = []
            for name, key in cleaned:
                if key in existing:
                    result.append(dict(name=existing[key].trainee_name, code=existing[key].code, new=False))
                    continue
                for _ in range(20):
                    candidate = new_code(prefix)
                    taken = session.execute(select(Assignment.id).where(Assignment.code == candidate)).first() or \
                        session.execute(select(Invite.id).where(Invite.code == candidate)).first()
                    if not taken:
                        break
                else:
                    raise StoreError("Could not find a free personal code; please try again.")
                invite = Invite(assignment_id=assignment.id, code=candidate, trainee_name=name, name_key=key,
                                created_at=utcnow())
                session.add(invite)
                session.flush()
                existing[key] = invite
                result.append(dict(name=name, code=candidate, new=True))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise StoreError("Another trainer was inviting the same names just now; please try again.") from None
            return result

    @_database_errors
    def invites(self, code) -> list:
        """[{name, code, created_at}] for an assignment, in the order they were created."""
        with Session(self.engine) as session:
            assignment = self._get(session, code)
            rows = session.execute(select(Invite).where(Invite.assignment_id == assignment.id)
                                   .order_by(Invite.created_at, Invite.id)).scalars()
            return [dict(name=i.trainee_name, name_key=i.name_key, code=i.code, created_at=i.created_at)
                    for i in rows]

    @_database_errors
    def item_tallies(self) -> dict:
        """item_id -> {"right": n, "answered": n} over every assignment (for the team's weak spots)."""
        with Session(self.engine) as session:
            rows = session.execute(select(Answer.item_id, Answer.correct, func.count())
                                   .group_by(Answer.item_id, Answer.correct)).all()
        tallies = {}
        for item_id, correct, count in rows:
            row = tallies.setdefault(item_id, {"right": 0, "answered": 0})
            row["answered"] += count
            row["right"] += count if correct else 0
        return tallies

    @_database_errors
    def report(self, code) -> dict:
        """Everything a trainer reads: attempts with scores, per-item counts, most-missed, all answers."""
        with Session(self.engine) as session:
            assignment = self._get(session, code)
            attempts = session.execute(
                select(Attempt).where(Attempt.assignment_id == assignment.id)
                .order_by(Attempt.started_at, Attempt.id)).scalars().all()
            answers = session.execute(
                select(Answer, Attempt).join(Attempt, Answer.attempt_id == Attempt.id)
                .where(Attempt.assignment_id == assignment.id)
                .order_by(Attempt.started_at, Attempt.id, Answer.answered_at, Answer.id)).all()

        by_attempt = {}
        for answer, attempt in answers:
            by_attempt.setdefault(attempt.id, []).append(answer)
        attempt_rows = []
        for attempt in attempts:
            given = by_attempt.get(attempt.id, [])
            attempt_rows.append(dict(
                trainee=attempt.trainee_name, attempt_number=attempt.attempt_number,
                score=sum(a.correct for a in given), answered=len(given), total=len(attempt.item_ids),
                finished=attempt.finished_at is not None, started_at=attempt.started_at,
                finished_at=attempt.finished_at))

        item_order = list(assignment.item_ids)
        items = {i: {"item_id": i, "right": 0, "answered": 0} for i in item_order}
        for answer, _ in answers:
            row = items.setdefault(answer.item_id, {"item_id": answer.item_id, "right": 0, "answered": 0})
            row["answered"] += 1
            row["right"] += bool(answer.correct)
        missed = [dict(r, wrong=r["answered"] - r["right"]) for r in items.values() if r["answered"] > r["right"]]
        missed.sort(key=lambda r: (-r["wrong"], r["right"] / r["answered"], item_order.index(r["item_id"])
                                   if r["item_id"] in item_order else len(item_order)))
        return dict(
            assignment=self._describe(assignment),
            attempts=attempt_rows,
            items=list(items.values()),
            most_missed=missed[:5],
            answers=[dict(trainee=attempt.trainee_name, attempt_number=attempt.attempt_number,
                          item_id=a.item_id, answer=a.answer, expected=a.expected, correct=a.correct,
                          answered_at=a.answered_at) for a, attempt in answers],
        )

    @_database_errors
    def delete_trainee(self, name, code=None) -> int:
        """Delete a trainee's attempts, answers and personal invites (all assignments, or one);
        returns rows deleted."""
        _, key = normalise_name(name)
        with Session(self.engine) as session:
            query = select(Attempt.id).where(Attempt.name_key == key)
            if code is not None:
                query = query.where(Attempt.assignment_id == self._get(session, code).id)
            invites = delete(Invite).where(Invite.name_key == key)
            if code is not None:
                invites = invites.where(Invite.assignment_id == self._get(session, code).id)
            attempt_ids = session.execute(query).scalars().all()
            answers = attempts = 0
            if attempt_ids:
                answers = session.execute(delete(Answer).where(Answer.attempt_id.in_(attempt_ids))).rowcount
                attempts = session.execute(delete(Attempt).where(Attempt.id.in_(attempt_ids))).rowcount
            invited = session.execute(invites).rowcount
            session.commit()
            return answers + attempts + invited

    # ---- trainer accounts (the web app); passwords are argon2id hashes (argon2-cffi)

    @_database_errors
    def add_trainer(self, email) -> str:
        """Create a trainer account without a password; returns the normalised email."""
        email = normalise_email(email)
        with Session(self.engine) as session:
            session.add(Trainer(email=email, created_at=utcnow()))
            try:
                session.commit()
            except IntegrityError:
                raise StoreError(f"A trainer with the email {email} exists already.") from None
        return email

    @_database_errors
    def remove_trainer(self, email) -> bool:
        email = normalise_email(email)
        with Session(self.engine) as session:
            removed = session.execute(delete(Trainer).where(Trainer.email == email)).rowcount
            session.commit()
        return bool(removed)

    @_database_errors
    def list_trainers(self) -> list:
        with Session(self.engine) as session:
            rows = session.execute(select(Trainer).order_by(Trainer.email)).scalars()
            return [dict(email=t.email, created_at=t.created_at, password_set=t.password_hash is not None,
                         last_sign_in_at=t.last_sign_in_at) for t in rows]

    @_database_errors
    def set_password(self, email, password) -> None:
        check_password_rules(password)
        email = normalise_email(email)
        with Session(self.engine) as session:
            trainer = self._trainer(session, email)
            trainer.password_hash = _hasher().hash(password)
            trainer.password_set_at = utcnow()
            trainer.password_token_hash = trainer.password_token_expires_at = None
            session.commit()

    @_database_errors
    def issue_password_token(self, email, valid_for=timedelta(hours=24)) -> str:
        """A one-time set-password token (only its SHA-256 is stored); a new one replaces the old."""
        token = secrets.token_urlsafe(32)
        with Session(self.engine) as session:
            trainer = self._trainer(session, normalise_email(email))
            trainer.password_token_hash = _token_hash(token)
            trainer.password_token_expires_at = utcnow() + valid_for
            session.commit()
        return token

    @_database_errors
    def password_token_email(self, token):
        """The email a valid, unused, unexpired set-password token belongs to, else None."""
        with Session(self.engine) as session:
            trainer = self._trainer_for_token(session, token)
            return trainer.email if trainer else None

    @_database_errors
    def set_password_with_token(self, token, password) -> str:
        check_password_rules(password)
        with Session(self.engine) as session:
            trainer = self._trainer_for_token(session, token)
            if trainer is None:
                raise StoreError("This set-password link is not valid any more (used, replaced or older "
                                 "than 24 hours). Ask for a new one.")
            trainer.password_hash = _hasher().hash(password)
            trainer.password_set_at = utcnow()
            trainer.password_token_hash = trainer.password_token_expires_at = None
            session.commit()
            return trainer.email

    @_database_errors
    def check_trainer_password(self, email, password):
        """{id, email, password_set_at} when the password is right, else None. Unknown emails cost
        the same hash verification, so timing does not tell which accounts exist."""
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            email = normalise_email(email)
        except StoreError:
            email = None
        password = password if isinstance(password, str) else ""
        with Session(self.engine) as session:
            trainer = session.execute(select(Trainer).where(Trainer.email == email)).scalar_one_or_none() \
                if email else None
            stored = trainer.password_hash if trainer is not None and trainer.password_hash else _dummy_hash()
            try:
                _hasher().verify(stored, password)
            except (VerificationError, InvalidHashError):
                return None
            if trainer is None or not trainer.password_hash:
                return None
            if _hasher().check_needs_rehash(trainer.password_hash):
                trainer.password_hash = _hasher().hash(password)
            trainer.last_sign_in_at = utcnow()
            session.commit()
            return self._trainer_info(trainer)

    @_database_errors
    def trainer_by_id(self, trainer_id):
        """{id, email, password_set_at} or None (removed account)."""
        with Session(self.engine) as session:
            trainer = session.get(Trainer, trainer_id) if isinstance(trainer_id, int) else None
            return self._trainer_info(trainer) if trainer is not None and trainer.password_hash else None

    @staticmethod
    def _trainer_info(trainer) -> dict:
        return dict(id=trainer.id, email=trainer.email,
                    password_set_at=trainer.password_set_at.isoformat() if trainer.password_set_at else None)

    @staticmethod
    def _trainer(session, email) -> Trainer:
        trainer = session.execute(select(Trainer).where(Trainer.email == email)).scalar_one_or_none()
        if trainer is None:
            raise StoreError(f"There is no trainer with the email {email}.")
        return trainer

    @staticmethod
    def _trainer_for_token(session, token):
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        trainer = session.execute(select(Trainer).where(
            Trainer.password_token_hash == _token_hash(token))).scalar_one_or_none()
        if trainer is None or trainer.password_token_expires_at is None or trainer.password_token_expires_at <= utcnow():
            return None
        return trainer

    # ---- trainee side

    @_database_errors
    def lookup(self, code) -> dict:
        """The open assignment a code belongs to. For a personal code, also `trainee` (the
        invited name) and `invite_code`; `code` is always the assignment's shared code."""
        with Session(self.engine) as session:
            invite = self._invite(session, code)
            if invite is None:
                return self._describe(self._open(session, code))
            assignment = self._open(session, session.get(Assignment, invite.assignment_id).code)
            return dict(self._describe(assignment), trainee=invite.trainee_name, invite_code=invite.code)

    @_database_errors
    def start_or_resume_attempt(self, code, trainee_name=None) -> AttemptInfo:
        """With a personal code the invite's name is used and trainee_name is ignored. With the
        shared code, a name that has a personal invite for this assignment is refused."""
        with Session(self.engine) as session:
            invite = self._invite(session, code)
            if invite is not None:
                code = session.get(Assignment, invite.assignment_id).code
                trainee_name = invite.trainee_name
        name, key = normalise_name(trainee_name)
        for _ in range(5):
            with Session(self.engine) as session:
                assignment = self._open(session, code)
                if invite is None and session.execute(select(Invite.id).where(
                        Invite.assignment_id == assignment.id, Invite.name_key == key)).first():
                    raise InviteRequired(
                        f"{name} has a personal link for \"{assignment.title}\". Please open that link "
                        "(or type the personal code in it) to take the quiz.")
                attempts = session.execute(
                    select(Attempt).where(Attempt.assignment_id == assignment.id, Attempt.name_key == key)
                    .order_by(Attempt.attempt_number)).scalars().all()
                unfinished = [a for a in attempts if a.finished_at is None]
                if unfinished:
                    return self._info(session, unfinished[-1])
                if assignment.attempts_allowed and len(attempts) >= assignment.attempts_allowed:
                    raise AttemptsUsedUp(
                        f"You have used all {assignment.attempts_allowed} attempt(s) for "
                        f"\"{assignment.title}\". Ask your trainer if you need another. "
                        "You can still ask to see your result.")
                attempt = Attempt(
                    assignment_id=assignment.id, trainee_name=name, name_key=key,
                    attempt_number=(attempts[-1].attempt_number if attempts else 0) + 1,
                    item_ids=list(assignment.item_ids), started_at=utcnow())
                session.add(attempt)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()  # another chat with the same name started one just now: resume it
                    continue
                return AttemptInfo(attempt.id, list(attempt.item_ids), {}, False, attempt.attempt_number)
        raise StoreError("Too many chats are starting this quiz under your name at once; please try again.")

    @_database_errors
    def record_answer(self, attempt_id, item_id, answer, expected, correct) -> bool:
        """Store one answer. False when this attempt already has an answer for the item."""
        item_id = str(item_id)
        with Session(self.engine) as session:
            attempt = session.get(Attempt, attempt_id)
            if attempt is None:
                raise StoreError("That quiz attempt no longer exists; start again with your code.")
            if item_id not in attempt.item_ids:
                raise StoreError(f"Task {item_id!r} is not part of this quiz attempt.")
            if attempt.finished_at is not None:
                if session.execute(select(Answer.id).where(
                        Answer.attempt_id == attempt.id, Answer.item_id == item_id)).first():
                    return False  # a late duplicate from a second chat: already counted
                raise AttemptFinished("This quiz attempt is already finished.")
            session.add(Answer(attempt_id=attempt.id, item_id=item_id, answer=str(answer or "")[:MAX_ANSWER],
                               expected=str(expected), correct=bool(correct), answered_at=utcnow()))
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                if session.execute(select(Answer.id).where(
                        Answer.attempt_id == attempt_id, Answer.item_id == item_id)).first():
                    return False
                raise StoreError("That quiz attempt no longer exists; start again with your code.") from None
            # Checked after the insert, under a share lock (PostgreSQL) or SQLite's write lock,
            # so a concurrent close either lands before this answer (refused) or after it.
            status = session.execute(select(Assignment.status).where(Assignment.id == attempt.assignment_id)
                                     .with_for_update(read=True)).scalar_one()
            if status != "open":
                session.rollback()
                raise AssignmentClosed("Your trainer has closed this quiz, so I can't record more answers.")
            session.commit()
            return True

    @_database_errors
    def finish_attempt(self, attempt_id) -> None:
        with Session(self.engine) as session:
            session.execute(update(Attempt).where(Attempt.id == attempt_id, Attempt.finished_at.is_(None))
                            .values(finished_at=utcnow()))
            session.commit()

    @_database_errors
    def attempt_result(self, attempt_id) -> dict:
        """One trainee's own attempt (the caller holds its id); nothing about other trainees."""
        with Session(self.engine) as session:
            row = session.execute(select(Attempt, Assignment.title)
                                  .join(Assignment, Attempt.assignment_id == Assignment.id)
                                  .where(Attempt.id == attempt_id)).first()
            if row is None:
                raise StoreError("I can't find that quiz attempt.")
            attempt, title = row
            answers = {a.item_id: a for a in session.execute(
                select(Answer).where(Answer.attempt_id == attempt_id)).scalars()}
        order = [i for i in attempt.item_ids if i in answers]
        return dict(
            trainee=attempt.trainee_name, title=title, attempt_number=attempt.attempt_number,
            score=sum(a.correct for a in answers.values()), total=len(attempt.item_ids), answered=len(answers),
            finished=attempt.finished_at is not None,
            missed=[{"item_id": i, "answer": answers[i].answer, "expected": answers[i].expected}
                    for i in order if not answers[i].correct])

    # ---- internals

    def _get(self, session, code) -> Assignment:
        normal = normalise_code(code)
        assignment = session.execute(select(Assignment).where(Assignment.code == normal)).scalar_one_or_none()
        if assignment is None:
            shown = str(code or "").strip()[:20]
            raise UnknownCode(f"I don't know the quiz code \"{shown}\". Please check it with your trainer "
                              "(codes look like BND-7K4Q).")
        return assignment

    @staticmethod
    def _invite(session, code):
        return session.execute(select(Invite).where(Invite.code == normalise_code(code))).scalar_one_or_none()

    def _open(self, session, code) -> Assignment:
        assignment = self._get(session, code)
        if assignment.status == "closed":
            raise AssignmentClosed(f"The quiz \"{assignment.title}\" ({assignment.code}) is closed. "
                                   "Please ask your trainer.")
        if assignment.due_at is not None and assignment.due_at <= utcnow():
            raise AssignmentExpired(f"The quiz \"{assignment.title}\" ({assignment.code}) was due "
                                    f"{_due_date(assignment.due_at)} and can't be taken any more. Please ask your trainer.")
        return assignment

    def _info(self, session, attempt) -> AttemptInfo:
        answered = dict(session.execute(select(Answer.item_id, Answer.correct)
                                        .where(Answer.attempt_id == attempt.id)).all())
        return AttemptInfo(attempt.id, list(attempt.item_ids), {k: bool(v) for k, v in answered.items()},
                           attempt.finished_at is not None, attempt.attempt_number)

    @staticmethod
    def _describe(a) -> dict:
        status = a.status
        if status == "open" and a.due_at is not None and a.due_at <= utcnow():
            status = "expired"
        return dict(code=a.code, title=a.title, length=a.length, status=status,
                    due=_due_date(a.due_at) if a.due_at else None, topics=list(a.topics),
                    attempts_allowed=a.attempts_allowed, created_at=a.created_at)


# ---------------------------------------------------------------- trainer accounts

MIN_PASSWORD = 12
MAX_PASSWORD = 200
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def normalise_email(email) -> str:
    text = unicodedata.normalize("NFKC", str(email or "")).strip().lower()
    if len(text) > MAX_EMAIL or not _EMAIL.fullmatch(text) or any(not ch.isprintable() for ch in text):
        raise StoreError(f"{str(email or '')[:60]!r} is not an email address.")
    return text


def check_password_rules(password) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise StoreError(f"Use a password of at least {MIN_PASSWORD} characters (a few words work well).")
    if len(password) > MAX_PASSWORD:
        raise StoreError(f"Use a password of at most {MAX_PASSWORD} characters.")


@functools.lru_cache(maxsize=1)
def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.lru_cache(maxsize=1)
def _dummy_hash():
    return _hasher().hash(secrets.token_urlsafe(16))


def _token_hash(token) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _due_date(due_at) -> str:
    """The inclusive due date a trainer typed, back from the stored moment."""
    return (due_at.astimezone(DUE_ZONE) - timedelta(days=1)).date().isoformat()
