"""Re-publishing kitchen tickets no edge has confirmed: a broker's PUBACK is not delivery.

A ticket the hub sent but no edge agent or screen has confirmed (received, printed or shown) is
published again, per ticket with backoff (``interval`` doubling up to ``max_interval``) and up to
``max_resends`` times. The ticket's own outbox row is put back in line, so the relay publishes the
very same message (same envelope id); the edge's spool drops a revision it already journaled, so a
resend never prints twice. Due tickets are selected in one query per sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from hub.kitchen.tables import KitchenTicketRecord
from hub.orders.api import record_event
from hub.outbox.writer import outbox_table

tickets = KitchenTicketRecord.__table__  # type: ignore[attr-defined]

SWEEP_LIMIT = 500
"""Most tickets re-published by one sweep; the rest are due at the next."""


@dataclass(frozen=True)
class ResendPolicy:
    interval: timedelta
    """After being sent, a ticket waits this long for a confirmation before it is sent again."""
    max_interval: timedelta
    max_resends: int


@dataclass(frozen=True)
class Resent:
    ticket_id: str
    order_id: str
    store_id: str
    station_code: str
    resends: int
    """How many times it has been re-published, this one included."""
    last: bool
    """The cap is reached: no further resend, the alert stays until the ticket is confirmed."""


def backoff(policy: ResendPolicy, resends: int) -> timedelta:
    """The wait after the ``resends``-th resend."""
    factor: int = 2 ** min(resends, 30)
    return min(policy.interval * factor, policy.max_interval)


def resend_unconfirmed(session: Session, policy: ResendPolicy, *, now: datetime) -> list[Resent]:
    """Put every due, unconfirmed ticket's message back in the outbox; the caller commits."""
    rows = session.execute(
        select(
            tickets.c.ticket_id,
            tickets.c.order_id,
            tickets.c.store_id,
            tickets.c.station_code,
            tickets.c.revision,
            tickets.c.resends,
            tickets.c.outbox_message_id,
        )
        .where(
            tickets.c.printed_at.is_(None),
            tickets.c.delivered_at.is_(None),
            tickets.c.shown_at.is_(None),
            tickets.c.sent_at.is_not(None),
            tickets.c.outbox_message_id.is_not(None),
            tickets.c.resends < policy.max_resends,
            or_(
                tickets.c.next_resend_at <= now,
                and_(tickets.c.next_resend_at.is_(None), tickets.c.sent_at <= now - policy.interval),
            ),
        )
        .order_by(tickets.c.sent_at)
        .limit(SWEEP_LIMIT)
        .with_for_update(skip_locked=True)  # several hub processes: each ticket resent by one of them
    ).all()
    if not rows:
        return []
    session.execute(
        update(outbox_table)
        .where(outbox_table.c.message_id.in_([r.outbox_message_id for r in rows]))
        .values(sent_at=None)
    )
    by_count: dict[int, list[str]] = {}
    for row in rows:
        by_count.setdefault(row.resends + 1, []).append(row.ticket_id)
    for count, ids in by_count.items():  # one update per resend count: a handful, whatever the backlog
        last = count >= policy.max_resends
        session.execute(
            update(tickets)
            .where(tickets.c.ticket_id.in_(ids))
            .values(resends=count, next_resend_at=None if last else now + backoff(policy, count))
        )
    out = []
    for row in rows:
        count = row.resends + 1
        last = count >= policy.max_resends
        record_event(
            session,
            row.order_id,
            "kitchen.ticket_resent" if not last else "kitchen.ticket_resends_exhausted",
            actor="hub",
            at=now,
            data={"ticket_id": row.ticket_id, "station": row.station_code, "revision": row.revision, "resends": count},
        )
        out.append(Resent(row.ticket_id, row.order_id, row.store_id, row.station_code, count, last))
    return out
