"""Queueing kitchen tickets: an outbox row and a tracking record per ticket, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from contracts import topics
from contracts.kitchen import KitchenTicket
from hub.kitchen.tables import KitchenTicketRecord
from hub.outbox.writer import outbox_row, outbox_table

tickets_table = KitchenTicketRecord.__table__  # type: ignore[attr-defined]


def queue_new_tickets(
    conn: Connection | Session, tickets: list[KitchenTicket], *, root: str, source: str, at: datetime
) -> None:
    """First revision of each ticket: bulk inserts, for the order intake path."""
    if not tickets:
        return
    rows = [
        outbox_row(topics.KITCHEN_TICKET, t, root=root, source=source, store_id=t.store_id, station_id=t.station_id)
        for t in tickets
    ]
    conn.execute(outbox_table.insert(), rows)
    conn.execute(
        tickets_table.insert(),
        [
            {
                "ticket_id": t.ticket_id,
                "order_id": t.order_id,
                "store_id": t.store_id,
                "station_code": t.station_id,
                "revision": t.revision,
                "outbox_message_id": row["message_id"],
                "created_at": at,
            }
            for t, row in zip(tickets, rows, strict=True)
        ],
    )


def queue_revised_tickets(
    conn: Connection | Session, tickets: list[KitchenTicket], *, root: str, source: str, at: datetime
) -> None:
    """A new revision (change, cancel, reprint): the record starts over from sent."""
    for ticket in tickets:
        row = outbox_row(
            topics.KITCHEN_TICKET,
            ticket,
            root=root,
            source=source,
            store_id=ticket.store_id,
            station_id=ticket.station_id,
        )
        conn.execute(outbox_table.insert().values(**row))
        exists = conn.execute(
            select(tickets_table.c.ticket_id).where(tickets_table.c.ticket_id == ticket.ticket_id)
        ).first()
        if exists is None:
            conn.execute(
                tickets_table.insert().values(
                    ticket_id=ticket.ticket_id,
                    order_id=ticket.order_id,
                    store_id=ticket.store_id,
                    station_code=ticket.station_id,
                    revision=ticket.revision,
                    outbox_message_id=row["message_id"],
                    created_at=at,
                )
            )
        else:
            conn.execute(
                update(tickets_table)
                .where(tickets_table.c.ticket_id == ticket.ticket_id)
                .values(
                    revision=ticket.revision,
                    outbox_message_id=row["message_id"],
                    created_at=at,
                    sent_at=None,
                    delivered_at=None,
                    printed_at=None,
                    shown_at=None,
                    bumped_at=None if not ticket.reprint else tickets_table.c.bumped_at,
                    alerted_at=None,
                )
            )
