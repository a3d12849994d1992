"""Spaced review of missed items, scheduled by FSRS (the `fsrs` library).

A missed item gets a card rated Again, so it is due again within minutes and certainly
by the next day; each review rates it Good (right) or Again (wrong) and FSRS sets the next
due date. After RETIRE_AFTER right answers in a row the item stops coming back.
Time is always passed in (`now`), so tests can move the clock.
"""
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

RETIRE_AFTER = 2
_scheduler = Scheduler(enable_fuzzing=False)


def new_card() -> dict:
    return Card().to_dict()


def rate(state: dict, correct: bool, now: datetime) -> dict:
    """state {card, right_in_a_row, retired} -> the same keys after one answer, plus due_at."""
    if now.tzinfo is None:
        raise ValueError("review times must be timezone-aware")
    card = Card.from_dict(state["card"])
    card, _ = _scheduler.review_card(card, Rating.Good if correct else Rating.Again,
                                     review_datetime=now.astimezone(timezone.utc))
    right = state.get("right_in_a_row", 0) + 1 if correct else 0
    return {"card": card.to_dict(), "due_at": card.due, "right_in_a_row": right, "retired": right >= RETIRE_AFTER}
