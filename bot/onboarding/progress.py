"""Onboarding progress in the results store (same database as quiz results; migration 0003).

A learner is a name, plus the trainer's onboarding code when they have one: the same name
and code in a new conversation (or after a restart) finds the same row. Their place in the
path (`position`) and every answer are saved as they go; review cards hold the spaced
repetition state (bot.onboarding.review) of items they missed in lesson checks and quizzes.
"""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import store as results
from bot.onboarding import review
from bot.store import Base, StoreError, UTCDateTime, _database_errors, normalise_name

NO_CODE = ""
CODE_PREFIX = "ONB"


class OnboardingAssignment(Base):
    __tablename__ = "onboarding_assignments"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), nullable=False, unique=True)
    title = Column(String(200), nullable=False)
    created_at = Column(UTCDateTime, nullable=False)


class Learner(Base):
    __tablename__ = "onboarding_learners"
    __table_args__ = (UniqueConstraint("code", "name_key", name="uq_onboarding_learners_code_name"),)
    id = Column(Integer, primary_key=True)
    code = Column(String(16), nullable=False)
    name = Column(String(80), nullable=False)
    name_key = Column(String(160), nullable=False)
    position = Column(JSON, nullable=False)
    started_at = Column(UTCDateTime, nullable=False)
    last_seen_at = Column(UTCDateTime, nullable=False)
    finished_at = Column(UTCDateTime, nullable=True)


class PathAnswer(Base):
    __tablename__ = "onboarding_answers"
    id = Column(Integer, primary_key=True)
    learner_id = Column(Integer, ForeignKey("onboarding_learners.id", ondelete="CASCADE"), nullable=False)
    stage = Column(String(60), nullable=False)     # pre | post | check:<lesson id> | review
    item_id = Column(String(120), nullable=False)
    answer = Column(Text, nullable=False)
    correct = Column(Boolean, nullable=False)
    answered_at = Column(UTCDateTime, nullable=False)


class ReviewCard(Base):
    __tablename__ = "onboarding_review_cards"
    __table_args__ = (UniqueConstraint("learner_id", "item_id", name="uq_onboarding_review_cards_item"),)
    id = Column(Integer, primary_key=True)
    learner_id = Column(Integer, ForeignKey("onboarding_learners.id", ondelete="CASCADE"), nullable=False)
    item_id = Column(String(120), nullable=False)
    card = Column(JSON, nullable=False)
    due_at = Column(UTCDateTime, nullable=False)
    right_in_a_row = Column(Integer, nullable=False)
    retired = Column(Boolean, nullable=False)


def _learner_dict(row: Learner) -> dict:
    return {"id": row.id, "code": row.code or None, "name": row.name, "position": dict(row.position or {}),
            "started_at": row.started_at, "last_seen_at": row.last_seen_at, "finished_at": row.finished_at}


class UnknownOnboardingCode(StoreError):
    pass


class Progress:
    """The onboarding tables. `url` as bot.store.Store (DATABASE_URL, else var/results.db)."""

    @_database_errors
    def __init__(self, url=None):
        self.url = results.database_url(url)
        self.engine = results.engine_for(self.url)
        revision = results.schema_revision(self.url)
        if revision != results.SCHEMA_REVISION:
            raise StoreError(f"The results database {results.safe_url(self.url)} is at schema revision "
                             f"{revision!r}, expected {results.SCHEMA_REVISION!r}: run "
                             "`.venv/bin/python -m bot migrate`.")

    # ---- trainer side

    @_database_errors
    def create_assignment(self, title: str, now: datetime) -> str:
        title = " ".join(str(title or "").split())
        if not title or len(title) > results.MAX_TITLE:
            raise StoreError(f"An onboarding assignment needs a title of 1 to {results.MAX_TITLE} characters.")
        for _ in range(20):
            code = results.new_code(CODE_PREFIX)
            with Session(self.engine) as session:
                if session.execute(select(results.Assignment.id).where(results.Assignment.code == code)).first():
                    continue  # a quiz already has this code
                session.add(OnboardingAssignment(code=code, title=title, created_at=now))
                try:
                    session.commit()
                    return code
                except IntegrityError:
                    session.rollback()
        raise StoreError("Could not find a free onboarding code; try again.")

    @_database_errors
    def lookup(self, code) -> Optional[dict]:
        """The onboarding assignment with this code, or None (it may be a quiz code)."""
        normal = results.normalise_code(code)
        with Session(self.engine) as session:
            row = session.execute(select(OnboardingAssignment).where(OnboardingAssignment.code == normal)
                                  ).scalar_one_or_none()
            return {"code": row.code, "title": row.title, "created_at": row.created_at} if row else None

    @_database_errors
    def list_assignments(self) -> list:
        """Every onboarding assignment, oldest first, with how many learners started and finished it."""
        with Session(self.engine) as session:
            counts = {code: (started, finished or 0) for code, started, finished in session.execute(
                select(Learner.code, func.count(Learner.id), func.count(Learner.finished_at))
                .where(Learner.code != NO_CODE).group_by(Learner.code)).all()}
            rows = session.execute(select(OnboardingAssignment)
                                   .order_by(OnboardingAssignment.created_at, OnboardingAssignment.id)).scalars()
            return [{"code": row.code, "title": row.title, "created_at": row.created_at,
                     "learners": counts.get(row.code, (0, 0))[0], "finished": counts.get(row.code, (0, 0))[1]}
                    for row in rows]

    @_database_errors
    def report_rows(self, code) -> dict:
        """The assignment, its learners and all their answers (bot.onboarding.engine.report reads them)."""
        info = self.lookup(code)
        if info is None:
            raise UnknownOnboardingCode(f"No onboarding assignment has the code {results.normalise_code(code)!r}.")
        with Session(self.engine) as session:
            learners = session.execute(select(Learner).where(Learner.code == info["code"])
                                       .order_by(Learner.started_at, Learner.id)).scalars().all()
            ids = [row.id for row in learners]
            answers = session.execute(select(PathAnswer).where(PathAnswer.learner_id.in_(ids))
                                      .order_by(PathAnswer.answered_at, PathAnswer.id)).scalars().all() if ids else []
            by_learner = {}
            for a in answers:
                by_learner.setdefault(a.learner_id, []).append(
                    {"stage": a.stage, "item_id": a.item_id, "answer": a.answer, "correct": a.correct})
            return {"assignment": info,
                    "learners": [dict(_learner_dict(row), answers=by_learner.get(row.id, [])) for row in learners]}

    # ---- learner side

    @_database_errors
    def find_learner(self, name, code=None, now: datetime = None, create=False) -> Optional[dict]:
        """The learner with this name (and onboarding code), or None; with `create`, a new one
        at the start of the path. A code that is not an onboarding code raises UnknownOnboardingCode."""
        display, key = normalise_name(name)
        code_key = NO_CODE
        if code:
            info = self.lookup(code)
            if info is None:
                raise UnknownOnboardingCode(f"I don't know the onboarding code \"{str(code).strip()[:20]}\". "
                                            "Please check it with your trainer.")
            code_key = info["code"]
        for _ in range(3):
            with Session(self.engine) as session:
                row = session.execute(select(Learner).where(Learner.code == code_key, Learner.name_key == key)
                                      ).scalar_one_or_none()
                if row is not None:
                    return _learner_dict(row)
                if not create:
                    return None
                row = Learner(code=code_key, name=display, name_key=key, position={}, started_at=now,
                              last_seen_at=now)
                session.add(row)
                try:
                    session.commit()
                    return _learner_dict(row)
                except IntegrityError:
                    session.rollback()  # another chat created it just now: read it
        raise StoreError("Too many chats are starting onboarding under your name at once; please try again.")

    @_database_errors
    def learner(self, learner_id) -> dict:
        with Session(self.engine) as session:
            row = session.get(Learner, learner_id)
            if row is None:
                raise StoreError("I can't find your onboarding record any more; say \"start onboarding\".")
            return _learner_dict(row)

    @_database_errors
    def save_position(self, learner_id, position: dict, now: datetime, finished=False) -> None:
        with Session(self.engine) as session:
            row = session.get(Learner, learner_id)
            if row is None:
                raise StoreError("I can't find your onboarding record any more; say \"start onboarding\".")
            row.position = dict(position)
            row.last_seen_at = now
            if finished and row.finished_at is None:
                row.finished_at = now
            session.commit()

    @_database_errors
    def record_answer(self, learner_id, stage, item_id, answer, correct, now: datetime) -> bool:
        """Save one answer; False (nothing saved) when this stage already has an answer for the
        item, except in reviews, where every answer counts."""
        with Session(self.engine) as session:
            if stage != "review" and session.execute(select(PathAnswer.id).where(
                    PathAnswer.learner_id == learner_id, PathAnswer.stage == stage,
                    PathAnswer.item_id == item_id)).first():
                return False
            session.add(PathAnswer(learner_id=learner_id, stage=stage, item_id=item_id,
                                   answer=str(answer or "")[:results.MAX_ANSWER], correct=bool(correct),
                                   answered_at=now))
            session.commit()
            return True

    @_database_errors
    def answers(self, learner_id) -> list:
        with Session(self.engine) as session:
            rows = session.execute(select(PathAnswer).where(PathAnswer.learner_id == learner_id)
                                   .order_by(PathAnswer.answered_at, PathAnswer.id)).scalars().all()
            return [{"stage": a.stage, "item_id": a.item_id, "answer": a.answer, "correct": a.correct,
                     "answered_at": a.answered_at} for a in rows]

    # ---- spaced review

    @_database_errors
    def schedule_review(self, learner_id, item_id, correct, now: datetime) -> None:
        """Rate the item's card (a missed item gets a card; a right answer moves it on)."""
        with Session(self.engine) as session:
            row = session.execute(select(ReviewCard).where(ReviewCard.learner_id == learner_id,
                                                           ReviewCard.item_id == item_id)).scalar_one_or_none()
            if row is None:
                if correct:
                    return  # only missed items come back
                row = ReviewCard(learner_id=learner_id, item_id=item_id, card=review.new_card(), due_at=now,
                                 right_in_a_row=0, retired=False)
                session.add(row)
            state = review.rate({"card": row.card, "right_in_a_row": row.right_in_a_row, "retired": row.retired},
                                correct, now)
            row.card, row.due_at = state["card"], state["due_at"]
            row.right_in_a_row, row.retired = state["right_in_a_row"], state["retired"]
            session.commit()

    @_database_errors
    def due_items(self, learner_id, now: datetime, limit=5) -> list:
        with Session(self.engine) as session:
            return list(session.execute(
                select(ReviewCard.item_id).where(ReviewCard.learner_id == learner_id, ReviewCard.retired.is_(False),
                                                 ReviewCard.due_at <= now)
                .order_by(ReviewCard.due_at, ReviewCard.id).limit(limit)).scalars())

    @_database_errors
    def cards(self, learner_id) -> list:
        with Session(self.engine) as session:
            rows = session.execute(select(ReviewCard).where(ReviewCard.learner_id == learner_id)
                                   .order_by(ReviewCard.id)).scalars().all()
            return [{"item_id": r.item_id, "due_at": r.due_at, "right_in_a_row": r.right_in_a_row,
                     "retired": r.retired} for r in rows]

    @_database_errors
    def add_quiz_misses(self, learner: dict, now: datetime, practice_misses=()) -> int:
        """Items the learner (same name) got wrong in assigned quizzes get review cards, dated when
        they were missed, and so do `practice_misses` (task ids missed in a practice quiz in this
        chat). Returns how many cards were added."""
        _, key = normalise_name(learner["name"])
        with Session(self.engine) as session:
            missed = session.execute(
                select(results.Answer.item_id, results.Answer.answered_at)
                .join(results.Attempt, results.Answer.attempt_id == results.Attempt.id)
                .where(results.Attempt.name_key == key, results.Answer.correct.is_(False))
                .order_by(results.Answer.answered_at)).all()
            missed = list(missed) + [(str(item_id), now) for item_id in practice_misses]
            have = set(session.execute(select(ReviewCard.item_id).where(ReviewCard.learner_id == learner["id"])
                                       ).scalars())
        added = 0
        for item_id, answered_at in missed:
            item_id = f"task:{item_id}"
            if item_id in have:
                continue
            have.add(item_id)
            self.schedule_review(learner["id"], item_id, False, min(answered_at, now))
            added += 1
        return added

    @_database_errors
    def delete_learner(self, name, code=None) -> int:
        _, key = normalise_name(name)
        with Session(self.engine) as session:
            query = select(Learner).where(Learner.name_key == key)
            if code:
                query = query.where(Learner.code == results.normalise_code(code))
            rows = session.execute(query).scalars().all()
            for row in rows:
                session.delete(row)
            session.commit()
            return len(rows)
