"""Posting to the points ledger: every entry has a unique key, and the balance moves with it.

The entry and the balance change are written in the caller's transaction, so the balance
always equals the sum of the entries. A key that was already posted is a no-op: replaying an
event, re-running a job or retrying a request never posts twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.api import CustomersMerged
from hub.db_types import utcnow
from hub.kernel.sql_dialect import execute_count, insert_for
from hub.loyalty.errors import NotEnoughPoints
from hub.loyalty.tables import PointsAccount, PointsEntry

ledger = PointsEntry.__table__  # type: ignore[attr-defined]
accounts = PointsAccount.__table__  # type: ignore[attr-defined]

Conn = Connection | Session


def _claim(
    conn: Conn,
    *,
    customer_id: str,
    delta: int,
    kind: str,
    key: str,
    order_id: str | None,
    note: str,
    actor: str,
    at: datetime,
) -> bool:
    inserted = conn.execute(
        insert_for(conn)(ledger)
        .values(
            customer_id=customer_id,
            delta=delta,
            kind=kind,
            key=key,
            order_id=order_id,
            note=note[:200],
            actor=actor[:120],
            at=at,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(ledger.c.id)
    ).scalar()
    return inserted is not None


def _move_balance(conn: Conn, customer_id: str, delta: int, at: datetime) -> None:
    insert = insert_for(conn)(accounts).values(customer_id=customer_id, balance=delta, updated_at=at)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=["customer_id"],
            set_={"balance": accounts.c.balance + insert.excluded.balance, "updated_at": insert.excluded.updated_at},
        )
    )


def post(
    conn: Conn,
    *,
    customer_id: str,
    delta: int,
    kind: str,
    key: str,
    at: datetime,
    order_id: str | None = None,
    note: str = "",
    actor: str = "",
) -> bool:
    """Credit or debit once per key (a balance may go below zero after a reversal). True when posted."""
    if delta == 0:
        return False
    if not _claim(
        conn, customer_id=customer_id, delta=delta, kind=kind, key=key, order_id=order_id, note=note, actor=actor, at=at
    ):
        return False
    _move_balance(conn, customer_id, delta, at)
    return True


def spend(
    conn: Conn,
    *,
    customer_id: str,
    points: int,
    kind: str,
    key: str,
    at: datetime,
    order_id: str | None = None,
    note: str = "",
    actor: str = "",
) -> bool:
    """Debit only if the balance covers it, atomically; NotEnoughPoints otherwise. False: key already posted."""
    if points <= 0:
        return False
    if not _claim(
        conn,
        customer_id=customer_id,
        delta=-points,
        kind=kind,
        key=key,
        order_id=order_id,
        note=note,
        actor=actor,
        at=at,
    ):
        return False
    moved = execute_count(
        conn,
        update(accounts)
        .where(accounts.c.customer_id == customer_id, accounts.c.balance >= points)
        .values(balance=accounts.c.balance - points, updated_at=at),
    )
    if moved != 1:
        raise NotEnoughPoints(f"not enough points: {points} needed, {balance(conn, customer_id)} available")
    return True


def balance(conn: Conn, customer_id: str) -> int:
    value = conn.execute(select(accounts.c.balance).where(accounts.c.customer_id == customer_id)).scalar()
    return int(value or 0)


def order_net(conn: Conn, order_id: str, kinds: tuple[str, ...]) -> int:
    """The sum of this order's entries of these kinds (e.g. earned minus already reversed)."""
    value = conn.execute(
        select(func.coalesce(func.sum(ledger.c.delta), 0)).where(
            ledger.c.order_id == order_id, ledger.c.kind.in_(kinds)
        )
    ).scalar_one()
    return int(value)


def order_entry(conn: Conn, key: str) -> int | None:
    value = conn.execute(select(ledger.c.delta).where(ledger.c.key == key)).scalar()
    return int(value) if value is not None else None


def move_ledger(conn: Conn, source_id: str, target_id: str, at: datetime) -> None:
    """A merge: the source's entries become the target's; both balances are re-added from the ledger."""
    conn.execute(update(ledger).where(ledger.c.customer_id == source_id).values(customer_id=target_id))
    for customer_id in (source_id, target_id):
        total = conn.execute(
            select(func.coalesce(func.sum(ledger.c.delta), 0)).where(ledger.c.customer_id == customer_id)
        ).scalar_one()
        insert = insert_for(conn)(accounts).values(customer_id=customer_id, balance=int(total), updated_at=at)
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["customer_id"], set_={"balance": insert.excluded.balance, "updated_at": at}
            )
        )


def on_customers_merged(conn: Conn, event: CustomersMerged) -> None:
    """The source's points follow it into the target (``hub.wiring``)."""
    move_ledger(conn, event.source_id, event.target_id, utcnow())
