"""Queueing kitchen tickets: an outbox row and a tracking record per ticket, in the caller's transaction.

A new order's tickets go in as one statement on PostgreSQL (the outbox rows as a data-modifying CTE
of the tickets' insert), right after the order's own statement; elsewhere as one executemany each.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from contracts import topics
from contracts.kitchen import KitchenTicket
from hub.kernel.sql_dialect import is_postgres
from hub.kitchen.tables import KitchenTicketRecord
from hub.outbox.writer import outbox_row, outbox_table

tickets_table = KitchenTicketRecord.__table__  # type: ignore[attr-defined]

_PG_NEW_TICKETS = text(  # the rows come as one JSON array (json_to_recordset), the payloads in base64
    """
WITH u AS (
    SELECT * FROM json_to_recordset(CAST(:rows AS json))
         AS u(message_id text, topic text, payload text, qos int, retain boolean,
              ticket_id text, order_id text, store_id text, station_code text, revision int)
), m AS (
    INSERT INTO outbox (message_id, topic, payload, qos, retain, created_at, attempts)
    SELECT u.message_id, u.topic, decode(u.payload, 'base64'), u.qos, u.retain, :outbox_at, 0 FROM u
)
INSERT INTO kitchen_tickets (ticket_id, order_id, store_id, station_code, revision, outbox_message_id, created_at)
SELECT u.ticket_id, u.order_id, u.store_id, u.station_code, u.revision, u.message_id, :at FROM u
"""
)


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
    if is_postgres(conn):
        rows_json = [
            {
                "message_id": r["message_id"],
                "topic": r["topic"],
                "payload": base64.b64encode(r["payload"]).decode("ascii"),
                "qos": r["qos"],
                "retain": r["retain"],
                "ticket_id": t.ticket_id,
                "order_id": t.order_id,
                "store_id": t.store_id,
                "station_code": t.station_id,
                "revision": t.revision,
            }
            for t, r in zip(tickets, rows, strict=True)
        ]
        conn.execute(
            _PG_NEW_TICKETS,
            {"outbox_at": rows[0]["created_at"], "at": at, "rows": json.dumps(rows_json, ensure_ascii=False)},
        )
        return
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
                    resends=0,
                    next_resend_at=None,
                )
            )
