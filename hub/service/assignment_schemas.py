"""Agents and assignment rules on the wire."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictBool, StrictInt
from hub.service.assignment import Strategy
from hub.service.schemas import Ref
from hub.service.ticket_model import TicketCategory, TicketKind


class AgentIn(RequestModel):
    queues: list[Ref] = Field(min_length=1, max_length=20)
    """Skills such as complaints, quality, delivery: a rule's tickets go to agents in its queue."""
    store_ids: list[Ref] | None = Field(default=None, max_length=200)
    """None: serves every store."""
    max_open: StrictInt | None = Field(default=None, ge=1, le=10_000)
    active: StrictBool = True


class AgentOut(BaseModel):
    id: str
    queues: list[str]
    store_ids: list[str] | None
    max_open: int | None
    active: bool


class AssignmentRuleIn(RequestModel):
    name: Ref
    queue: Ref
    strategy: Strategy = Strategy.LEAST_OPEN
    store_ids: list[Ref] | None = Field(default=None, max_length=200)
    kinds: list[TicketKind] | None = Field(default=None, max_length=3)
    categories: list[TicketCategory] | None = Field(default=None, max_length=20)


class AssignmentRulesIn(RequestModel):
    rules: list[AssignmentRuleIn] = Field(max_length=50)
    """In order: for a ticket, the first rule that matches it and has an agent on shift with room wins."""


class AssignmentRuleOut(BaseModel):
    name: str
    queue: str
    strategy: Strategy
    store_ids: list[str] | None
    kinds: list[TicketKind] | None
    categories: list[TicketCategory] | None
