"""FSRS-6 through py-fsrs: the scheduler of spec §10.4, cards from stored progress, mastery and recall.

py-fsrs wants timezone-aware UTC datetimes (exactly ``timezone.utc``: the driver's ``ZoneInfo('UTC')``
is refused), and a ``Card`` without an id takes the clock in milliseconds, so every card here gets
an explicit id derived from its item. There is no "New" state: a new card starts in Learning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from uuid import UUID

import fsrs

LEARNING_STEPS = (timedelta(minutes=1), timedelta(minutes=10))
RELEARNING_STEPS = (timedelta(minutes=10),)
MAXIMUM_INTERVAL_DAYS = 36_500
MASTERY_HORIZON = timedelta(days=30)
MASTERED_AT = 0.8  # learning_phase 'mastered' (the generated column uses the same threshold)
STATE_NAMES = {
    fsrs.State.Learning: "learning",
    fsrs.State.Review: "review",
    fsrs.State.Relearning: "relearning",
}
STATES = {name: state for state, name in STATE_NAMES.items()}


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def build_scheduler(desired_retention: float, parameters: Sequence[float] | None = None) -> fsrs.Scheduler:
    """The per-user scheduler: FSRS-6 defaults unless the user has fitted parameters (valid ones)."""
    if parameters:
        try:
            return _scheduler(desired_retention, tuple(parameters))
        except ValueError:  # out of py-fsrs's bounds: a bad fit must not make reviews fail
            from describe_it.observability import logger

            logger.warning("fitted FSRS parameters rejected; using the defaults")
    return _scheduler(desired_retention, fsrs.scheduler.DEFAULT_PARAMETERS)


def _scheduler(desired_retention: float, parameters: Sequence[float]) -> fsrs.Scheduler:
    return fsrs.Scheduler(
        parameters=parameters,
        desired_retention=desired_retention,
        learning_steps=LEARNING_STEPS,
        relearning_steps=RELEARNING_STEPS,
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        enable_fuzzing=True,
    )


@cache
def default_scheduler() -> fsrs.Scheduler:
    """For reading recall probabilities, which depend only on the parameters, not on the retention."""
    return build_scheduler(0.9)


def card_id(item_id: UUID) -> int:
    """A stable 63-bit id per item (py-fsrs only carries it into its review log)."""
    return item_id.int >> 65


@dataclass(frozen=True)
class CardState:
    """What ``learning_progress`` stores of a card."""

    state: str
    step: int | None
    stability: float
    difficulty: float
    due: datetime
    last_review: datetime


def new_card(item_id: UUID, now: datetime) -> fsrs.Card:
    return fsrs.Card(card_id=card_id(item_id), state=fsrs.State.Learning, step=0, due=utc(now))


def to_card(item_id: UUID, stored: CardState) -> fsrs.Card:
    return fsrs.Card(
        card_id=card_id(item_id),
        state=STATES[stored.state],
        step=stored.step,
        stability=stored.stability,
        difficulty=stored.difficulty,
        due=utc(stored.due),
        last_review=utc(stored.last_review),
    )


def from_card(card: fsrs.Card) -> CardState:
    assert card.stability is not None
    assert card.difficulty is not None
    assert card.last_review is not None
    return CardState(
        state=STATE_NAMES[card.state],
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def recall(scheduler: fsrs.Scheduler, stability: float, last_review: datetime, at: datetime) -> float:
    """Probability of recall at ``at`` on the card's forgetting curve (py-fsrs counts whole days)."""
    card = fsrs.Card(card_id=0, state=fsrs.State.Review, stability=stability, last_review=utc(last_review),
                     due=utc(last_review))  # fmt: skip
    return float(scheduler.get_card_retrievability(card, utc(at)))


def mastery(scheduler: fsrs.Scheduler, stability: float, last_review: datetime) -> float:
    """R(30 d, S), rounded as stored (numeric(4,3))."""
    return round(recall(scheduler, stability, last_review, last_review + MASTERY_HORIZON), 3)


def learning_phase(state: str | None, mastery_value: float) -> str:
    if state is None:
        return "new"
    if state != "review":
        return "learning"
    return "mastered" if mastery_value >= MASTERED_AT else "review"
