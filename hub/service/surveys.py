"""Satisfaction surveys: when one is due, CSAT (1-5) and NPS (0-10) answers, and their scores. Pure.

A survey follows a completed delivery or a closed ticket, after a delay; the caller moves
``send_at`` out of the customer's quiet hours (``hub.notifications.quiet_hours``) and sends it
through the notification outbox under ``key``, so one delivery or ticket is surveyed once. A
customer surveyed recently is not asked again (survey fatigue). CSAT is the share of answers 4
or 5; NPS is the percentage of promoters (9-10) minus the percentage of detractors (0-6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from hub.service.errors import InvalidServiceRule, InvalidSurveyAnswer, SurveyClosed

MAX_COMMENT = 500


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"


class SurveyTrigger(StrEnum):
    DELIVERY_COMPLETED = "delivery_completed"
    TICKET_CLOSED = "ticket_closed"


SCALES: dict[SurveyKind, tuple[int, int]] = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10)}


@dataclass(frozen=True)
class SurveyPolicy:
    trigger: SurveyTrigger
    kind: SurveyKind
    delay: timedelta = timedelta(minutes=30)
    """After the delivery or the close: let the customer eat first."""
    answer_within: timedelta = timedelta(days=7)
    not_again_within: timedelta = timedelta(days=14)
    """A customer surveyed more recently than this is not asked again."""

    def __post_init__(self) -> None:
        if self.delay < timedelta(0) or self.answer_within <= timedelta(0) or self.not_again_within < timedelta(0):
            raise InvalidServiceRule("a survey's delay and waits cannot be negative, and it must stay open a while")


@dataclass(frozen=True)
class SurveyPlan:
    key: str
    """Unique per trigger and subject: the notification outbox sends it once."""
    kind: SurveyKind
    subject_id: str
    """The delivery or the ticket surveyed."""
    send_at: datetime
    """Before quiet hours: the caller moves it past them."""
    expires_at: datetime


@dataclass(frozen=True)
class SurveySkipped:
    reason: str


@dataclass(frozen=True)
class SurveyAnswer:
    kind: SurveyKind
    score: int
    answered_at: datetime
    comment: str = ""


@dataclass(frozen=True)
class CsatScore:
    responses: int
    satisfied: int
    """Answers of 4 or 5."""

    @property
    def percent(self) -> float | None:
        return 100 * self.satisfied / self.responses if self.responses else None


@dataclass(frozen=True)
class NpsScore:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @property
    def score(self) -> float | None:
        """From -100 to 100."""
        return 100 * (self.promoters - self.detractors) / self.responses if self.responses else None


def plan_survey(
    policy: SurveyPolicy,
    *,
    subject_id: str,
    event_at: datetime,
    last_surveyed_at: datetime | None = None,
    opted_out: bool = False,
) -> SurveyPlan | SurveySkipped:
    """The survey to send after ``event_at`` (a delivery completed, a ticket closed), or why none is."""
    event_at = _utc(event_at)
    if opted_out:
        return SurveySkipped("the customer asked not to be surveyed")
    if last_surveyed_at is not None and event_at - _utc(last_surveyed_at) < policy.not_again_within:
        return SurveySkipped(f"the customer was surveyed less than {policy.not_again_within.days} days ago")
    send_at = event_at + policy.delay
    key = f"survey:{policy.trigger}:{subject_id}"
    return SurveyPlan(key, policy.kind, subject_id, send_at, send_at + policy.answer_within)


def check_score(kind: SurveyKind, score: object) -> int:
    low, high = SCALES[kind]
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise InvalidSurveyAnswer(f"{kind.upper()} answers are whole numbers from {low} to {high} (got {score!r})")
    return score


def record_answer(
    plan: SurveyPlan, score: object, *, at: datetime, comment: str = "", already_answered: bool = False
) -> SurveyAnswer:
    """The answer to store, or ``SurveyClosed`` / ``InvalidSurveyAnswer`` saying why not."""
    at = _utc(at)
    if already_answered:
        raise SurveyClosed("this survey was answered already")
    if at >= plan.expires_at:
        raise SurveyClosed(f"this survey closed at {plan.expires_at.isoformat()}")
    if len(comment) > MAX_COMMENT:
        raise InvalidSurveyAnswer(f"a comment is at most {MAX_COMMENT} characters")
    return SurveyAnswer(plan.kind, check_score(plan.kind, score), at, comment.strip())


def csat(scores: Iterable[int]) -> CsatScore:
    checked = [check_score(SurveyKind.CSAT, s) for s in scores]
    return CsatScore(len(checked), sum(1 for s in checked if s >= 4))


def nps(scores: Iterable[int]) -> NpsScore:
    checked = [check_score(SurveyKind.NPS, s) for s in scores]
    promoters = sum(1 for s in checked if s >= 9)
    detractors = sum(1 for s in checked if s <= 6)
    return NpsScore(len(checked), promoters, len(checked) - promoters - detractors, detractors)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidSurveyAnswer("survey times must be timezone-aware")
    return at.astimezone(UTC)
