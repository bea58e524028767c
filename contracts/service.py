"""Service-desk events the hub publishes: SLA breaches and escalations, lead follow-up reminders."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime

from contracts.base import Body, Identifier, ShortText


class SlaEventNotice(Body):
    """A ticket's SLA target was breached, or the breach escalated to a level; sent once per key."""

    message_type: ClassVar[str] = "service.sla_event"

    key: ShortText
    """Unique per ticket, target, kind and level: a consumer may deduplicate on it."""
    ticket_id: Identifier
    store_id: Identifier | None = None
    target: Identifier
    """first_response, compensation or resolution."""
    kind: Identifier
    """breached or escalated."""
    level: Identifier | None = None
    """For an escalation: agent, store_manager or area_manager."""
    at: AwareDatetime
    """When it happened (not when the hub noticed)."""
    assignee_id: Identifier | None = None


class LeadFollowUpDue(Body):
    """A lead's follow-up is due: remind its owner; sent once per lead and due time."""

    message_type: ClassVar[str] = "service.lead_follow_up"

    key: ShortText
    lead_id: Identifier
    owner_id: Identifier
    store_id: Identifier | None = None
    due_at: AwareDatetime
