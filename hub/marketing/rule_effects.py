"""What a rule does for the customers a batch acted on: their coupons and their messages.

Both read the batch's rows of ``rule_actions`` (by its run id) and insert with ON CONFLICT on
the grant key / dedupe key, so nothing is granted or queued twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Integer, exists, func, literal, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.api import CustomerConsent
from hub.db_types import UTCDateTime
from hub.kernel.sql_dialect import execute_count, insert_for, random_code
from hub.marketing.coupons import coupons, templates, validity
from hub.marketing.tables import RuleAction
from hub.notifications.api import Notification

if TYPE_CHECKING:
    from hub.marketing.rule_runner import RuleSpec

actions = RuleAction.__table__  # type: ignore[attr-defined]
consents = CustomerConsent.__table__  # type: ignore[attr-defined]
notifications = Notification.__table__  # type: ignore[attr-defined]
Conn = Connection | Session


def grant_coupons(conn: Conn, spec: RuleSpec, template: Any, now: datetime, run_id: str) -> int:
    start, until = validity(template, now)
    slot: Any = literal(None, Integer)
    if template.per_customer_limit is not None:
        slot = (
            select(func.count())
            .where(coupons.c.template_id == template.id, coupons.c.customer_id == actions.c.customer_id)
            .scalar_subquery()
            + 1
        )
    query = select(
        random_code(conn),
        literal(template.id),
        actions.c.customer_id,
        actions.c.grant_key,
        slot,
        literal("available"),
        literal(start, UTCDateTime),
        literal(until, UTCDateTime),
        literal(now, UTCDateTime),
        literal(spec.id),
        literal(f"rule:{spec.id}"),
    ).where(actions.c.run_id == run_id)
    insert = insert_for(conn)(coupons).from_select(
        [
            "code",
            "template_id",
            "customer_id",
            "grant_key",
            "slot",
            "status",
            "valid_from",
            "valid_until",
            "granted_at",
            "rule_id",
            "actor",
        ],
        query,
    )
    granted = execute_count(conn, insert.on_conflict_do_nothing(index_elements=["grant_key"]))
    if granted:
        conn.execute(
            update(templates)
            .where(templates.c.id == template.id)
            .values(issued_count=templates.c.issued_count + granted)
        )
    return granted


def queue_messages(conn: Conn, spec: RuleSpec, now: datetime, run_id: str) -> int:
    """One message per action, on the first channel (in the rule's order) the customer consented to."""
    queued = 0
    coupon_id = select(coupons.c.id).where(coupons.c.grant_key == actions.c.grant_key).scalar_subquery()
    for i, channel in enumerate(spec.channels):
        consented = exists().where(
            consents.c.customer_id == actions.c.customer_id, consents.c.channel == channel, consents.c.granted.is_(True)
        )
        earlier = exists().where(
            consents.c.customer_id == actions.c.customer_id,
            consents.c.channel.in_(spec.channels[:i]),
            consents.c.granted.is_(True),
        )
        query = select(
            actions.c.customer_id,
            literal(channel),
            literal(spec.message_template_id),
            literal(spec.id),
            coupon_id,
            actions.c.grant_key + literal(f":{channel}"),
            literal({}, JSON),
            literal("queued"),
            literal(0),
            literal(now, UTCDateTime),
            literal(now, UTCDateTime),
        ).where(actions.c.run_id == run_id, consented, ~earlier)
        insert = insert_for(conn)(notifications).from_select(
            [
                "customer_id",
                "channel",
                "template_id",
                "rule_id",
                "coupon_id",
                "dedupe_key",
                "variables",
                "status",
                "attempts",
                "next_attempt_at",
                "created_at",
            ],
            query,
        )
        queued += execute_count(conn, insert.on_conflict_do_nothing(index_elements=["dedupe_key"]))
    return queued
