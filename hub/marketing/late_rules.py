"""Event rules: compensation when a delivery is late (the delivery domain's ``delivery.late``).

A delivered order is also checked against its promised time, so an order first predicted a
little late and then delivered very late is compensated too; the key (rule, customer, order)
keeps it to one coupon per order.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import exists, literal, select
from sqlmodel import Session

from hub.crm.api import load_config, refresh_customers
from hub.errors import Conflict
from hub.marketing.rule_runner import RuleSpec, act, load_rule, rules
from hub.marketing.rule_targeting import Targeting, stats
from hub.marketing.rules import LateParams, Trigger, parse_params

logger = logging.getLogger(__name__)


def late_rules(session: Session) -> list[RuleSpec]:
    ids = session.execute(
        select(rules.c.id).where(rules.c.enabled.is_(True), rules.c.trigger == Trigger.LATE_DELIVERY.value)
    ).scalars()
    connection = session.connection()
    return [load_rule(connection, rule_id) for rule_id in sorted(ids)]


def delay_seconds(event: Any, order: Any) -> float | None:
    data = dict(event.data or {})
    if event.type == "delivery.late":
        value = data.get("expected_delay_s")
        return float(value) if isinstance(value, int | float) else None
    if event.type == "order.status_changed" and data.get("to") == "delivered" and order.promised_at is not None:
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=order.promised_at.tzinfo)
        late: float = (at - order.promised_at).total_seconds()
        return late
    return None


def react_to_lateness(
    session: Session, event: Any, order: Any, *, specs: list[RuleSpec], now: datetime, default_tz: str
) -> int:
    """Customers acted on (0 or 1 per rule)."""
    if order.customer_id is None or not specs:
        return 0
    delay = delay_seconds(event, order)
    if delay is None:
        return 0
    acted = 0
    for spec in specs:
        params = parse_params(Trigger.LATE_DELIVERY, spec.params)
        assert isinstance(params, LateParams)
        if delay < params.late_minutes * 60:
            continue
        if not session.execute(select(exists().where(stats.c.customer_id == order.customer_id))).scalar():
            refresh_customers(
                session, [order.customer_id], now=now, config=load_config(session), default_timezone=default_tz
            )
        targeting = Targeting(stats.c.customer_id == order.customer_id, literal(f"order:{order.id}"))
        try:
            counts = act(session, spec, targeting, now=now, customer_id=order.customer_id)
        except Conflict as exc:
            logger.warning("late-delivery rule %s did not act on order %s: %s", spec.id, order.id, exc.detail)
            continue
        if counts.targeted:
            logger.info("order %s late by %.0f s: rule %s compensated its customer", order.id, delay, spec.id)
        acted += counts.targeted
    return acted
