"""Leads on the wire."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictInt, UtcDatetime
from hub.service.leads import LeadSource, LeadStage
from hub.service.schemas import Ref

PHONE = r"^\+?[0-9 ()-]{5,30}$"


class LeadAction(StrEnum):
    CONTACT = "contact"
    QUALIFY = "qualify"
    LOSE = "lose"
    REVIVE = "revive"
    REASSIGN = "reassign"
    SCHEDULE_FOLLOW_UP = "schedule_follow_up"


class LeadIn(RequestModel):
    line_break_fields = frozenset({"notes"})

    source: LeadSource
    name: str = Field(default="", max_length=120)
    phone: str | None = Field(default=None, pattern=PHONE)
    notes: str = Field(default="", max_length=1000)
    store_id: Ref | None = None
    owner_id: Ref | None = None
    """Defaults to the caller."""
    follow_up_at: UtcDatetime | None = None
    follow_up_in_business_hours: StrictInt | None = Field(default=None, ge=1, le=24 * 30)
    """Instead of a time: this many hours of the store's opening hours from now."""


class LeadPatch(RequestModel):
    line_break_fields = frozenset({"notes"})

    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, pattern=PHONE)
    notes: str | None = Field(default=None, max_length=1000)


class LeadActionIn(RequestModel):
    line_break_fields = frozenset({"note"})

    action: LeadAction
    note: str = Field(default="", max_length=1000)
    next_follow_up: UtcDatetime | None = None
    follow_up_in_business_hours: StrictInt | None = Field(default=None, ge=1, le=24 * 30)
    owner_id: Ref | None = None
    """For reassign."""


class LeadConvertIn(RequestModel):
    phone: str | None = Field(default=None, pattern=PHONE)
    """Defaults to the lead's phone."""
    name: str | None = Field(default=None, max_length=120)


class LeadChangeOut(BaseModel):
    action: str
    stage: str
    actor_id: str
    at: datetime
    owner_id: str
    follow_up_at: datetime | None
    note: str
    customer_id: str | None


class LeadOut(BaseModel):
    id: str
    source: LeadSource
    store_id: str | None
    stage: LeadStage
    owner_id: str
    name: str
    phone: str | None
    notes: str
    follow_up_at: datetime | None
    customer_id: str | None
    created_at: datetime
    updated_at: datetime


class LeadDetailOut(LeadOut):
    changes: list[LeadChangeOut]
