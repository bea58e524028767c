"""PIPL requests: export one customer's personal data; erase it while keeping order statistics.

Erasure removes names, phones and every other identity, the profile, addresses, consents,
manual tags, and the delivery addresses and notes on their orders; the customer row, order
amounts and times, points and coupons remain (anonymous), so sales figures do not change (the orders
leave the customers-by-area figures, which count drop-off positions, at the analytics' next refresh).

Both act on the customer's whole merged family: the surviving customer and every customer merged
into it (whose rows keep their names and sent messages), whichever of them the request names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlmodel import Session

from hub.audit.service import record_audit
from hub.crm import api as crm
from hub.crm.api import Customer, masked_export_row, policy_for
from hub.db_types import utcnow
from hub.kernel.principal import Principal
from hub.loyalty.api import points_accounts_table, points_ledger_table
from hub.marketing.api import coupons_table
from hub.notifications.api import notifications_table
from hub.orders.api import order_lines_table as order_lines
from hub.orders.api import orders_table as orders

T = {
    "identities": crm.customer_identities_table,
    "profile": crm.customer_profiles_table,
    "addresses": crm.customer_addresses_table,
    "consents": crm.customer_consents_table,
    "tags": crm.customer_tags_table,
    "stats": crm.customer_stats_table,
    "points_ledger": points_ledger_table,
    "points_account": points_accounts_table,
    "coupons": coupons_table,
    "notifications": notifications_table,
}
customers = crm.customers_table


class CustomerExport(BaseModel):
    """Everything the hub holds about one customer (PIPL art. 45), merged-away records included."""

    exported_at: datetime
    customer: dict[str, Any]
    merged_customers: list[dict[str, Any]]
    """Customers merged into this one: the same person, recorded twice before."""
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


def merged_family(session: Session, customer: Customer) -> tuple[str, list[str]]:
    """(the surviving customer's id, every id of the family: it first, then those merged into it)."""
    root = customer.id
    for _ in range(MAX_MERGE_DEPTH):
        parent = session.execute(select(customers.c.merged_into_id).where(customers.c.id == root)).scalar()
        if parent is None:
            break
        root = parent
    family = [root]
    frontier = [root]
    while frontier and len(family) < MAX_FAMILY:
        found = [
            r
            for r in session.execute(
                select(customers.c.id).where(customers.c.merged_into_id.in_(frontier)).order_by(customers.c.id)
            ).scalars()
            if r not in family
        ]
        family.extend(found)
        frontier = found
    return root, family


MAX_MERGE_DEPTH = 50
MAX_FAMILY = 10_000


def _rows(session: Session, table: Any, ids: list[str]) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(table).where(table.c.customer_id.in_(ids))).mappings()]


def export_customer(session: Session, principal: Principal, customer: Customer) -> CustomerExport:
    root, family = merged_family(session, customer)
    order_rows = [
        dict(r)
        for r in session.execute(
            select(orders).where(orders.c.customer_id.in_(family)).order_by(orders.c.placed_at)
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
        session,
        actor=principal.label,
        action="customer.export",
        target_type="customer",
        target_id=root,
        detail={"merged": family[1:]} if len(family) > 1 else None,
    )
    people = {r["id"]: dict(r) for r in session.execute(select(customers).where(customers.c.id.in_(family))).mappings()}
    policy = policy_for(principal.role)
    sections = {"orders": order_rows, **{name: _rows(session, table, family) for name, table in T.items()}}
    return CustomerExport(
        exported_at=utcnow(),
        customer=masked_export_row(people[root], policy),
        merged_customers=[masked_export_row(people[i], policy) for i in family[1:] if i in people],
        **{name: [masked_export_row(r, policy) for r in rows] for name, rows in sections.items()},
    )


def erase_customer(session: Session, principal: Principal, customer: Customer) -> list[str]:
    """Anonymise the customer's whole merged family in place; the caller commits. Idempotent.
    Returns the family's ids, the surviving customer first."""
    root, family = merged_family(session, customer)
    now = utcnow()
    for cid in family:
        _erase_one(session, cid, now)
    session.execute(
        update(customers).where(customers.c.id.in_(family)).values(display_name="", anonymised_at=now, updated_at=now)
    )
    session.expire_all()
    record_audit(
        session,
        actor=principal.label,
        action="customer.erase",
        target_type="customer",
        target_id=root,
        detail={"merged": family[1:]} if len(family) > 1 else None,
    )
    return family


def _erase_one(session: Session, cid: str, now: datetime) -> None:
    for name in ("identities", "profile", "addresses", "consents"):
        session.execute(delete(T[name]).where(T[name].c.customer_id == cid))
    session.execute(delete(T["tags"]).where(T["tags"].c.customer_id == cid, T["tags"].c.source == "manual"))
    session.execute(
        update(orders)
        .where(orders.c.customer_id == cid)
        .values(delivery_address=None, delivery_lat=None, delivery_lon=None, notes=None, updated_at=now)
    )  # updated: the analytics refresh rewrites their days (the areas' rollup keeps no erased drop-off)
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
