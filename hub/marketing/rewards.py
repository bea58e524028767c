"""Exchanging points for a reward coupon: the coupon is granted and its points spent in one transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from hub.db_types import utcnow
from hub.errors import InvalidInput
from hub.kernel.principal import Principal
from hub.loyalty.api import spend
from hub.marketing.coupons import get_template, grant_coupon


def exchange_for_reward(session: Session, principal: Principal, customer_id: str, template_id: str, key: str) -> Any:
    """Spend the template's points_cost and grant one coupon, in one transaction; idempotent by key."""
    template = get_template(session, template_id)
    if template.points_cost is None:
        raise InvalidInput(f"coupon template {template_id!r} is not a points reward")
    now = utcnow()
    grant_key = f"reward:{customer_id}:{key}"
    coupon, granted = grant_coupon(
        session, template_id=template_id, customer_id=customer_id, grant_key=grant_key, at=now, actor=principal.label
    )
    if granted:
        spend(
            session,
            customer_id=customer_id,
            points=template.points_cost,
            kind="reward",
            key=grant_key,
            note=f"reward {template.name}"[:200],
            actor=principal.label,
            at=now,
        )
    return coupon
