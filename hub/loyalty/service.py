"""Points: the ledger view, manual adjustments, exchanging points for a reward coupon."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from hub.audit.service import record_audit
from hub.auth.principal import Principal
from hub.db_types import utcnow
from hub.errors import InvalidInput
from hub.loyalty.ledger import balance, ledger, post, spend
from hub.loyalty.schemas import PointsEntryOut, PointsOut
from hub.marketing.coupons import get_template, grant_coupon


def points_view(session: Session, customer_id: str, limit: int = 100) -> PointsOut:
    rows = session.execute(
        select(ledger).where(ledger.c.customer_id == customer_id).order_by(ledger.c.id.desc()).limit(limit)
    ).all()
    return PointsOut(
        customer_id=customer_id,
        balance=balance(session, customer_id),
        entries=[
            PointsEntryOut(
                id=r.id,
                delta=r.delta,
                kind=r.kind,
                key=r.key,
                order_id=r.order_id,
                note=r.note,
                actor=r.actor,
                at=r.at,
            )
            for r in rows
        ],
    )


def adjust(session: Session, principal: Principal, customer_id: str, delta: int, reason: str, key: str) -> None:
    if delta == 0:
        raise InvalidInput("an adjustment of 0 points changes nothing")
    posted = post(
        session,
        customer_id=customer_id,
        delta=delta,
        kind="adjust",
        key=f"adjust:{key}",
        note=reason,
        actor=principal.label,
        at=utcnow(),
    )
    if posted:
        record_audit(
            session,
            actor=principal.label,
            action="points.adjust",
            target_type="customer",
            target_id=customer_id,
            detail={"delta": delta, "key": key},
        )


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
