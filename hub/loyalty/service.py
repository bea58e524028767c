"""Points: the ledger view and manual adjustments (rewards: ``hub.marketing.rewards``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from hub.audit.service import record_audit
from hub.db_types import utcnow
from hub.errors import InvalidInput
from hub.kernel.principal import Principal
from hub.loyalty.ledger import balance, ledger, post
from hub.loyalty.schemas import PointsEntryOut, PointsOut


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
