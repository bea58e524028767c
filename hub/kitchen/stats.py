"""Per-station ticket times and the count of unconfirmed tickets, computed in the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from hub.db_types import utcnow
from hub.kitchen.schemas import StationTimes
from hub.kitchen.tables import KitchenTicketRecord

tickets = KitchenTicketRecord.__table__  # type: ignore[attr-defined]


def station_times(
    session: Session, *, store_id: str | None, store_ids: list[str] | None, days: int
) -> list[StationTimes]:
    since = utcnow() - timedelta(days=days)
    query = select(tickets.c.store_id, tickets.c.station_code, tickets.c.created_at, tickets.c.bumped_at).where(
        tickets.c.bumped_at.is_not(None), tickets.c.created_at >= since
    )
    if store_id is not None:
        query = query.where(tickets.c.store_id == store_id)
    if store_ids is not None:
        query = query.where(tickets.c.store_id.in_(store_ids))
    durations: dict[tuple[str, str], list[float]] = {}
    for row in session.execute(query.limit(200_000)):
        durations.setdefault((row.store_id, row.station_code), []).append(
            max(0.0, (row.bumped_at - row.created_at).total_seconds())
        )
    out = []
    for (store, station), values in sorted(durations.items()):
        values.sort()
        n = len(values)
        out.append(
            StationTimes(
                store_id=store,
                station_code=station,
                tickets=n,
                avg_s=round(sum(values) / n, 1),
                p50_s=round(values[n // 2], 1),
                p90_s=round(values[min(n - 1, int(n * 0.9))], 1),
                max_s=round(values[-1], 1),
            )
        )
    return out


def count_unconfirmed(session: Session, *, older_than: timedelta, now: datetime) -> int:
    """Tickets neither printed, shown nor bumped ``older_than`` after they were made: still unconfirmed now."""
    query = (
        select(func.count())
        .select_from(tickets)
        .where(
            tickets.c.created_at < now - older_than,
            tickets.c.printed_at.is_(None),
            tickets.c.shown_at.is_(None),
            tickets.c.bumped_at.is_(None),
        )
    )
    return int(session.execute(query).scalar_one())
