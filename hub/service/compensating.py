"""Compensating a ticket through the domain that grants it, once per ticket and kind.

A coupon comes from marketing (its grant key is the compensation's key), a refund from orders (the
refund's key is the compensation's key), a balance credit from billing (an adjustment entry on the
customer's prepaid ledger under the compensation's key), so even a grant that slipped past the
check here is not made twice.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from hub.billing.api import EntryKind, LedgerEntry
from hub.billing.api import append as append_entry
from hub.errors import InvalidInput, NotFound
from hub.kernel.principal import Principal
from hub.marketing.api import grant_coupon
from hub.orders.api import refund_order, visible_order
from hub.service import ticket_store
from hub.service.calendars import Calendars
from hub.service.compensation import CompensationKind, decide_compensation, record_on_ticket
from hub.service.schemas import CompensateIn
from hub.service.tables import ServiceCompensation
from hub.service.tickets_desk import after_change
from hub.service.views import DEFAULT_ZONE


def compensate(
    session: Session, principal: Principal, ticket_id: str, body: CompensateIn, calendars: Calendars, now: datetime
) -> ServiceCompensation:
    row, ticket = ticket_store.visible(session, principal, ticket_id, lock=True)
    granted = set(
        session.scalars(select(col(ServiceCompensation.key)).where(col(ServiceCompensation.ticket_id) == row.id)).all()
    )
    refundable = None
    if body.kind is CompensationKind.REFUND and ticket.links.order_id is not None:
        refundable = visible_order(session, principal, ticket.links.order_id).total_fen
    decision = decide_compensation(
        ticket,
        body.kind,
        amount_fen=body.amount_fen,
        reason=body.reason,
        decided_by=principal.id if principal.kind == "user" else principal.label,
        at=now,
        granted_keys=granted,
        refundable_fen=refundable,
        coupon_template_id=body.coupon_template_id,
    )
    if decision.kind is CompensationKind.BALANCE_CREDIT:
        entry = LedgerEntry(
            key=decision.key,
            kind=EntryKind.ADJUSTMENT,
            amount_fen=decision.amount_fen,
            business_date=now.astimezone(ZoneInfo(DEFAULT_ZONE)).date(),
            at=now,
            actor=f"staff:{decision.decided_by}",
            refers_to=f"service-ticket:{row.id}",
            note=f"service desk compensation: {decision.reason}"[:500],
        )
        append_entry(session, decision.customer_id, entry, store_id=row.store_id)
        reference = decision.key
    elif decision.kind is CompensationKind.COUPON:
        assert decision.coupon_template_id is not None
        try:
            coupon, _ = grant_coupon(
                session,
                template_id=decision.coupon_template_id,
                customer_id=decision.customer_id,
                grant_key=decision.key,
                at=now,
                actor=principal.label,
            )
        except NotFound as exc:
            raise InvalidInput(exc.detail) from exc
        reference = str(coupon.code)
    else:
        assert decision.order_id is not None
        refund, _ = refund_order(
            session,
            principal,
            decision.order_id,
            key=decision.key,
            amount_fen=decision.amount_fen,
            reason=decision.reason,
        )
        reference = refund.key
    grant = ServiceCompensation(
        key=decision.key,
        ticket_id=row.id,
        kind=decision.kind,
        amount_fen=decision.amount_fen,
        currency=decision.currency,
        reference=reference,
        reason=decision.reason,
        decided_by=principal.label[:120],
        decided_at=decision.decided_at,
    )
    session.add(grant)
    after_change(session, row, len(ticket.changes), record_on_ticket(ticket, decision), calendars, now)
    return grant
