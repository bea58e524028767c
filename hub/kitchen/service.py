"""The kitchen side of an order: tickets delivered, printed, shown, bumped, recalled."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from contracts.envelope import Envelope
from contracts.kitchen import PrintOutcome, PrintResult, TicketReceived, TicketState, TicketStatus
from hub.db_types import utcnow
from hub.errors import NotFound
from hub.kernel.sql_dialect import one_of
from hub.kitchen.tables import KitchenTicketRecord
from hub.orders.api import Fulfilment, OrderStatus, allowed_next, apply_transition, lock_order, record_event

tickets = KitchenTicketRecord.__table__  # type: ignore[attr-defined]


def _ticket(session: Session, ticket_id: str, store_id: str) -> Any:
    row = session.execute(select(tickets).where(tickets.c.ticket_id == ticket_id)).mappings().first()
    if row is None or row["store_id"] != store_id:
        raise NotFound(f"no kitchen ticket {ticket_id} in store {store_id}")
    return row


def mark_sent(conn: Connection, message_ids: list[str] | Any, at: datetime) -> None:
    """Relay hook: the broker has the ticket."""
    conn.execute(
        update(tickets)
        .where(one_of(conn, tickets.c.outbox_message_id, list(message_ids)), tickets.c.sent_at.is_(None))
        .values(sent_at=at)
    )


def apply_ticket_received(session: Session, envelope: Envelope[TicketReceived], params: dict[str, str]) -> None:
    body = envelope.body
    row = _ticket(session, body.ticket_id, params["store_id"])
    if body.revision != row["revision"] or row["delivered_at"] is not None:
        return
    session.execute(update(tickets).where(tickets.c.ticket_id == body.ticket_id).values(delivered_at=body.at))
    record_event(
        session,
        row["order_id"],
        "kitchen.ticket_delivered",
        actor=envelope.source,
        at=body.at,
        data={"ticket_id": body.ticket_id, "station": row["station_code"], "revision": body.revision},
    )


def apply_print_result(session: Session, envelope: Envelope[PrintResult], params: dict[str, str]) -> None:
    body = envelope.body
    row = _ticket(session, body.ticket_id, params["store_id"])
    data = {
        "ticket_id": body.ticket_id,
        "station": row["station_code"],
        "revision": body.revision,
        "printer_id": body.printer_id,
        "kind": body.kind,
        "backup_from": body.backup_from,
        "attempts": body.attempts,
    }
    if body.outcome is PrintOutcome.FAILED:
        record_event(
            session,
            row["order_id"],
            "kitchen.print_failed",
            actor=envelope.source,
            at=body.at,
            data={**data, "error": body.error},
        )
        return
    if body.revision == row["revision"]:
        values: dict[str, Any] = {"printer_id": body.printer_id, "backup_from": body.backup_from}
        if row["printed_at"] is None:
            values["printed_at"] = body.at
        if row["delivered_at"] is None:
            values["delivered_at"] = body.at
        session.execute(update(tickets).where(tickets.c.ticket_id == body.ticket_id).values(**values))
    record_event(session, row["order_id"], "kitchen.ticket_printed", actor=envelope.source, at=body.at, data=data)


def apply_ticket_status(session: Session, envelope: Envelope[TicketStatus], params: dict[str, str]) -> None:
    body = envelope.body
    row = _ticket(session, body.ticket_id, params["store_id"])
    order_id = row["order_id"]
    data = {
        "ticket_id": body.ticket_id,
        "station": row["station_code"],
        "line_ids": list(body.line_ids),
        "device_id": body.device_id,
    }
    if body.state is TicketState.SHOWN:
        if row["shown_at"] is None:
            session.execute(update(tickets).where(tickets.c.ticket_id == body.ticket_id).values(shown_at=body.at))
        record_event(session, order_id, "kitchen.ticket_shown", actor=envelope.source, at=body.at, data=data)
        return
    if body.line_ids and body.state in (TicketState.READY, TicketState.RECALLED):
        # Item-level bumps and undos are the station's own bookkeeping; only whole tickets move the order.
        kind = "kitchen.items_bumped" if body.state is TicketState.READY else "kitchen.items_recalled"
        record_event(session, order_id, kind, actor=envelope.source, at=body.at, data=data)
        return
    order = lock_order(session, order_id)
    assert order is not None
    current = OrderStatus(order.status)
    if body.state is TicketState.READY:
        session.execute(update(tickets).where(tickets.c.ticket_id == body.ticket_id).values(bumped_at=body.at))
        record_event(session, order_id, "kitchen.ticket_bumped", actor=envelope.source, at=body.at, data=data)
        open_left = session.execute(
            select(tickets.c.ticket_id).where(and_(tickets.c.order_id == order_id, tickets.c.bumped_at.is_(None)))
        ).first()
        if open_left is None and OrderStatus.READY in allowed_next(current, Fulfilment(order.fulfilment)):
            apply_transition(
                session,
                order,
                OrderStatus.READY,
                actor=envelope.source,
                at=body.at,
                reason="every station bumped its ticket",
            )
    elif body.state is TicketState.RECALLED:
        session.execute(update(tickets).where(tickets.c.ticket_id == body.ticket_id).values(bumped_at=None))
        record_event(session, order_id, "kitchen.ticket_recalled", actor=envelope.source, at=body.at, data=data)
        if current is OrderStatus.READY:
            apply_transition(
                session,
                order,
                OrderStatus.COOKING,
                actor=envelope.source,
                at=body.at,
                reason=f"station {row['station_code']} recalled its ticket",
            )
    else:
        record_event(
            session, order_id, f"kitchen.ticket_{body.state.value}", actor=envelope.source, at=body.at, data=data
        )
        if (
            body.state is TicketState.COOKING
            and OrderStatus.COOKING in allowed_next(current, Fulfilment(order.fulfilment))
            and current in (OrderStatus.RECEIVED, OrderStatus.ACCEPTED)
        ):
            apply_transition(session, order, OrderStatus.COOKING, actor=envelope.source, at=body.at)


def flag_unconfirmed(session: Session, *, older_than: timedelta, now: datetime | None = None) -> list[dict[str, Any]]:
    """Alert once on every ticket neither printed nor shown within the limit; returns the new alerts."""
    now = now or utcnow()
    rows = (
        session.execute(
            select(tickets)
            .where(
                tickets.c.created_at < now - older_than,
                tickets.c.printed_at.is_(None),
                tickets.c.shown_at.is_(None),
                tickets.c.alerted_at.is_(None),
            )
            .limit(500)
        )
        .mappings()
        .all()
    )
    for row in rows:
        session.execute(update(tickets).where(tickets.c.ticket_id == row["ticket_id"]).values(alerted_at=now))
        record_event(
            session,
            row["order_id"],
            "kitchen.ticket_unconfirmed",
            actor="hub",
            at=now,
            data={
                "ticket_id": row["ticket_id"],
                "station": row["station_code"],
                "sent": row["sent_at"] is not None,
                "delivered": row["delivered_at"] is not None,
                "waited_s": round((now - row["created_at"]).total_seconds(), 1),
            },
        )
    return [dict(r) for r in rows]
