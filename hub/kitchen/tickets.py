"""Ticket state for display, and staff-requested reprints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from hub.db_types import utcnow
from hub.kernel.messaging import Messaging
from hub.kitchen.dispatch import build_tickets
from hub.kitchen.queue import queue_revised_tickets
from hub.orders.api import Order, kitchen_view, orders_table, record_event

orders = orders_table


def ticket_state(row: Any) -> str:
    for column, state in (
        ("bumped_at", "bumped"),
        ("shown_at", "shown"),
        ("printed_at", "printed"),
        ("delivered_at", "delivered"),
        ("sent_at", "sent"),
    ):
        if row[column] is not None:
            return state
    return "queued"


def reprint_tickets(
    session: Session, order: Order, station: str | None, messaging: Messaging, *, actor: str
) -> list[str]:
    view, names = kitchen_view(session, order)
    revision = order.revision + 1
    tickets = build_tickets(view, names, revision=revision, reprint=True, only_stations=[station] if station else None)
    if not tickets:
        return []
    session.execute(update(orders).where(orders.c.id == order.id).values(revision=revision))
    order.revision = revision
    now = utcnow()
    queue_revised_tickets(session, tickets, root=messaging.root, source=messaging.source, at=now)
    record_event(
        session,
        order.id,
        "kitchen.reprint_requested",
        actor=actor,
        at=now,
        data={"stations": [t.station_id for t in tickets], "revision": revision},
    )
    return [t.ticket_id for t in tickets]
