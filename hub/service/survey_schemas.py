"""Satisfaction surveys on the wire."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictInt, UtcDatetime
from hub.service.schemas import Ref
from hub.service.surveys import SurveyKind, SurveyTrigger


class DeliverySurveyIn(RequestModel):
    """A delivery was completed: survey its customer (once per delivery)."""

    delivery_id: Ref
    customer_id: Ref
    store_id: Ref | None = None
    completed_at: UtcDatetime
    kind: SurveyKind = SurveyKind.CSAT


class SurveyAnswerIn(RequestModel):
    line_break_fields = frozenset({"comment"})

    score: StrictInt = Field(ge=0, le=10)
    """CSAT 1-5, NPS 0-10."""
    comment: str = Field(default="", max_length=500)


class SurveyAnswerOut(BaseModel):
    score: int
    comment: str
    answered_at: datetime


class SurveyOut(BaseModel):
    id: str
    key: str
    trigger: SurveyTrigger
    subject_id: str
    kind: SurveyKind
    customer_id: str
    store_id: str | None
    status: str
    """planned, sent (queued in the notification outbox), answered or skipped."""
    skip_reason: str | None
    send_at: datetime
    expires_at: datetime
    notification_id: int | None
    answer: SurveyAnswerOut | None = None
