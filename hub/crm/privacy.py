"""PIPL requests: export one customer's personal data; erase it while keeping order statistics.

Erasure removes names, phones and every other identity, the profile, addresses, consents,
manual tags, and the delivery addresses and notes on their orders; the customer row, order
amounts and times, points and coupons remain (anonymous), so sales figures do not change.
Other domains holding personal data append ``fn(session, customer_id)`` to ``ERASE_HOOKS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlmodel import Session

from hub.audit.service import record_audit
from hub.auth.principal import Principal
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.stats_tables import CustomerStats
from hub.crm.tables import Customer, CustomerIdentity
from hub.db_types import utcnow
from hub.errors import Conflict
from hub.loyalty.tables import PointsAccount, PointsEntry
from hub.marketing.tables import Coupon
from hub.notifications.tables import Notification
from hub.orders.tables import Order, OrderLine

ERASE_HOOKS: list[Callable[[Session, str], None]] = []

T = {
    "identities": CustomerIdentity.__table__,  # type: ignore[attr-defined]
    "profile": CustomerProfile.__table__,  # type: ignore[attr-defined]
    "addresses": CustomerAddress.__table__,  # type: ignore[attr-defined]
    "consents": CustomerConsent.__table__,  # type: ignore[attr-defined]
    "tags": CustomerTag.__table__,  # type: ignore[attr-defined]
    "stats": CustomerStats.__table__,  # type: ignore[attr-defined]
    "points_ledger": PointsEntry.__table__,  # type: ignore[attr-defined]
    "points_account": PointsAccount.__table__,  # type: ignore[attr-defined]
    "coupons": Coupon.__table__,  # type: ignore[attr-defined]
    "notifications": Notification.__table__,  # type: ignore[attr-defined]
}
orders = Order.__table__  # type: ignore[attr-defined]
order_lines = OrderLine.__table__  # type: ignore[attr-defined]
customers = Customer.__table__  # type: ignore[attr-defined]


class CustomerExport(BaseModel):
    """Everything the hub holds about one customer (PIPL art. 45)."""

    exported_at: datetime
    customer: dict[str, Any]
    identities: list[dict[str, Any]]
    profile: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    stats: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    points_account: list[dict[str, Any]]
    points_ledger: list[dict[str, Any]]
    coupons: list[dict[str, Any]]
    notifications: list[dict[str, Any]]


def _rows(session: Session, table: Any, customer_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(table).where(table.c.customer_id == customer_id)).mappings()]


def export_customer(session: Session, principal: Principal, customer: Customer) -> CustomerExport:
    order_rows = [
        dict(r)
        for r in session.execute(
            select(orders).where(orders.c.customer_id == customer.id).order_by(orders.c.placed_at)
        ).mappings()
    ]
    lines: dict[str, list[dict[str, Any]]] = {}
    if order_rows:
        ids = [o["id"] for o in order_rows]
        for i in range(0, len(ids), 500):
            for line in session.execute(
                select(order_lines).where(order_lines.c.order_id.in_(ids[i : i + 500]))
            ).mappings():
                lines.setdefault(line["order_id"], []).append(dict(line))
    for order in order_rows:
        order["lines"] = lines.get(order["id"], [])
    record_audit(
        session, actor=principal.label, action="customer.export", target_type="customer", target_id=customer.id
    )
    return CustomerExport(
        exported_at=utcnow(),
        customer=dict(session.execute(select(customers).where(customers.c.id == customer.id)).mappings().one()),
        orders=order_rows,
        **{name: _rows(session, table, customer.id) for name, table in T.items()},
    )


def erase_customer(session: Session, principal: Principal, customer: Customer) -> None:
    """Anonymise in place; the caller commits. Idempotent."""
    if customer.merged_into_id is not None:
        raise Conflict(f"this customer was merged into {customer.merged_into_id}; erase that one")
    cid = customer.id
    for name in ("identities", "profile", "addresses", "consents"):
        session.execute(delete(T[name]).where(T[name].c.customer_id == cid))
    session.execute(delete(T["tags"]).where(T["tags"].c.customer_id == cid, T["tags"].c.source == "manual"))
    session.execute(
        update(orders)
        .where(orders.c.customer_id == cid)
        .values(delivery_address=None, delivery_lat=None, delivery_lon=None, notes=None)
    )
    session.execute(
        update(order_lines)
        .where(order_lines.c.order_id.in_(select(orders.c.id).where(orders.c.customer_id == cid)))
        .values(note=None)
    )
    notes = T["notifications"]
    session.execute(
        update(notes)
        .where(notes.c.customer_id == cid, notes.c.status == "queued")
        .values(status="suppressed", last_error="the customer's personal data was erased")
    )
    session.execute(update(notes).where(notes.c.customer_id == cid).values(variables={}))
    for erase in ERASE_HOOKS:
        erase(session, cid)
    now = utcnow()
    session.execute(
        update(customers).where(customers.c.id == cid).values(display_name="", anonymised_at=now, updated_at=now)
    )
    customer.display_name = ""
    customer.anonymised_at = now
    record_audit(session, actor=principal.label, action="customer.erase", target_type="customer", target_id=cid)
