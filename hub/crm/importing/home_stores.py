"""Imported customers get a home store, and with it their time zone.

From ``--store``, a store column, or the store of their imported orders.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from hub.crm.importing.bulk_resolve import KEY_CHUNK
from hub.customers.api import customers_table as customers


def without_home_store(session: Session, customer_ids: set[str]) -> set[str]:
    ids = sorted(customer_ids)
    found: set[str] = set()
    for i in range(0, len(ids), KEY_CHUNK):
        found.update(
            session.execute(
                select(customers.c.id).where(
                    customers.c.id.in_(ids[i : i + KEY_CHUNK]), customers.c.home_store_id.is_(None)
                )
            ).scalars()
        )
    return found


def rehome(
    wanted: str | None, customer: str, homes: dict[str, str | None], rehomed: dict[str, str], *, overwrite: bool
) -> bool:
    """Decide in memory: the customer takes ``wanted`` when they have no home store (or ``overwrite``)."""
    home = homes.get(customer)
    if not wanted or wanted == home or (home and not overwrite):
        return False
    homes[customer] = rehomed[customer] = wanted
    return True


def set_home_stores(session: Session, stores: dict[str, str]) -> None:
    """customer id -> store id, written as given (the caller decided who may change)."""
    if stores:
        session.execute(
            update(customers).where(customers.c.id == bindparam("cid")).values(home_store_id=bindparam("store")),
            [{"cid": c, "store": s} for c, s in sorted(stores.items())],
        )


def adopt_order_stores(session: Session, order_stores: dict[str, str]) -> set[str]:
    """Customers with no home store take the store of their imported orders; the ones that did."""
    homeless = without_home_store(session, set(order_stores))
    set_home_stores(session, {c: order_stores[c] for c in homeless})
    return homeless
