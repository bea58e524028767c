"""The service desk's tables: tickets and their history, SLA policies and events, agents and
assignment rules, compensation grants, surveys and answers, leads and their reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, new_id, utcnow


class ServiceTicket(SQLModel, table=True):
    """A ticket's header; its history is in ``service_ticket_changes`` (the status is the last change's)."""

    __tablename__ = "service_tickets"
    __table_args__ = (Index("ix_service_tickets_queue", "store_id", "status"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    store_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=16)
    category: str = Field(max_length=32)
    priority: str = Field(max_length=16)
    channel: str = Field(max_length=32)
    status: str = Field(max_length=32)
    summary: str = Field(max_length=2000)
    customer_id: str | None = Field(default=None, index=True, max_length=36)
    order_id: str | None = Field(default=None, index=True, max_length=36)
    delivery_id: str | None = Field(default=None, max_length=64)
    subscription_id: str | None = Field(default=None, max_length=64)
    product_id: str | None = Field(default=None, max_length=64)
    rider_id: str | None = Field(default=None, max_length=64)
    follow_up_of: str | None = Field(default=None, max_length=36)
    """The closed ticket this one follows up."""
    source_notification_id: int | None = None
    """The notification the customer replied to, for tickets opened by a reply."""
    assignee_id: str | None = Field(default=None, index=True, max_length=64)
    escalation_level: str | None = Field(default=None, max_length=32)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    next_check_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    """When the SLA job next finds something on this ticket; None: nothing until it changes."""


class ServiceTicketChange(SQLModel, table=True):
    __tablename__ = "service_ticket_changes"
    __table_args__ = (UniqueConstraint("ticket_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="service_tickets.id", index=True, max_length=36)
    seq: int
    action: str = Field(max_length=32)
    status: str = Field(max_length=32)
    actor_kind: str = Field(max_length=16)
    actor_id: str = Field(max_length=120)
    at: datetime = Field(sa_type=UTCDateTime)
    note: str = Field(default="", max_length=2000)
    assignee_id: str | None = Field(default=None, max_length=64)


class ServiceTicketMessage(SQLModel, table=True):
    """What the customer wrote (a reply to a notification) and what staff answered."""

    __tablename__ = "service_ticket_messages"

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: str = Field(foreign_key="service_tickets.id", index=True, max_length=36)
    author_kind: str = Field(max_length=16)
    author_id: str = Field(max_length=120)
    text: str = Field(max_length=2000)
    notification_id: int | None = None
    at: datetime = Field(sa_type=UTCDateTime)


class ServiceSlaPolicy(SQLModel, table=True):
    """A store's service calendar: opening hours with split shifts, public holidays, closed dates."""

    __tablename__ = "service_sla_policies"

    store_id: str = Field(primary_key=True, max_length=64)
    calendar: str = Field(default="store_hours", max_length=16)
    zone: str = Field(default="Asia/Shanghai", max_length=64)
    weekly: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """Weekday "0".."6" (Monday 0) -> [["10:00", "14:00"], ["17:00", "21:00"]]."""
    public_holidays: bool = True
    """Closed on Chinese public holidays (open on make-up days with Monday's hours)."""
    holiday_shifts: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    closed_dates: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ServiceSlaEvent(SQLModel, table=True):
    """A breach or an escalation, recorded once by its key (``hub.service.sla_clock.SlaEvent.key``)."""

    __tablename__ = "service_sla_events"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    ticket_id: str = Field(foreign_key="service_tickets.id", index=True, max_length=36)
    target: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    level: str | None = Field(default=None, max_length=32)
    at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(default="system", max_length=120)


class ServiceAgent(SQLModel, table=True):
    __tablename__ = "service_agents"

    id: str = Field(primary_key=True, max_length=64)
    queues: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    store_ids: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    max_open: int | None = None
    active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ServiceAssignmentRule(SQLModel, table=True):
    __tablename__ = "service_assignment_rules"

    name: str = Field(primary_key=True, max_length=64)
    position: int
    queue: str = Field(max_length=64)
    strategy: str = Field(default="least_open", max_length=16)
    store_ids: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    kinds: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    categories: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class ServiceCompensation(SQLModel, table=True):
    """A compensation granted through its domain; one per ticket and kind."""

    __tablename__ = "service_compensations"
    __table_args__ = (UniqueConstraint("ticket_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)
    ticket_id: str = Field(foreign_key="service_tickets.id", index=True, max_length=36)
    kind: str = Field(max_length=16)
    amount_fen: int
    currency: str = Field(default="CNY", max_length=3)
    reference: str = Field(max_length=120)
    """What the granting domain gave back: the coupon's code, the refund's key."""
    reason: str = Field(max_length=500)
    decided_by: str = Field(max_length=120)
    decided_at: datetime = Field(sa_type=UTCDateTime)


class ServiceSurvey(SQLModel, table=True):
    """planned -> sent (queued in the notification outbox) -> answered; or skipped."""

    __tablename__ = "service_surveys"
    __table_args__ = (Index("ix_service_surveys_due", "status", "send_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    key: str = Field(unique=True, max_length=160)
    trigger: str = Field(max_length=32)
    subject_id: str = Field(max_length=64)
    kind: str = Field(max_length=8)
    customer_id: str = Field(index=True, max_length=36)
    store_id: str | None = Field(default=None, index=True, max_length=64)
    status: str = Field(max_length=16)
    skip_reason: str | None = Field(default=None, max_length=200)
    send_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    notification_id: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class ServiceSurveyAnswer(SQLModel, table=True):
    __tablename__ = "service_survey_answers"

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(foreign_key="service_surveys.id", unique=True, max_length=36)
    score: int
    comment: str = Field(default="", max_length=500)
    answered_at: datetime = Field(sa_type=UTCDateTime)


class ServiceLead(SQLModel, table=True):
    """A prospect's header (name and phone are personal data: here, not in the history)."""

    __tablename__ = "service_leads"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    source: str = Field(max_length=32)
    store_id: str | None = Field(default=None, index=True, max_length=64)
    stage: str = Field(max_length=16)
    owner_id: str = Field(index=True, max_length=64)
    name: str = Field(default="", max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    notes: str = Field(default="", max_length=1000)
    follow_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    customer_id: str | None = Field(default=None, max_length=36)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ServiceLeadChange(SQLModel, table=True):
    __tablename__ = "service_lead_changes"
    __table_args__ = (UniqueConstraint("lead_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(foreign_key="service_leads.id", index=True, max_length=36)
    seq: int
    action: str = Field(max_length=32)
    stage: str = Field(max_length=16)
    actor_id: str = Field(max_length=120)
    at: datetime = Field(sa_type=UTCDateTime)
    owner_id: str = Field(max_length=64)
    follow_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    note: str = Field(default="", max_length=1000)
    customer_id: str | None = Field(default=None, max_length=36)


class ServiceLeadReminder(SQLModel, table=True):
    """A follow-up reminder sent (on the outbox), once by its key."""

    __tablename__ = "service_lead_reminders"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=160)
    lead_id: str = Field(foreign_key="service_leads.id", index=True, max_length=36)
    owner_id: str = Field(max_length=64)
    due_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime = Field(sa_type=UTCDateTime)
