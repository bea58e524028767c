"""Service desk SLA compliance: of the tickets opened on the scope's local days, how many met every
target so far (no breach recorded), and the breaches per target.

A ticket's day is its opening's date in its store's zone (the hub's default zone for a ticket of no
store; those count only when no store filter applies). Tickets still open can breach later: the
figure is as of now.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, exists, func, literal, select, true

from hub.analytics import sources as src
from hub.analytics.local_days import day_value, utc_window
from hub.analytics.scope import Scope
from hub.db_types import UTCDateTime
from hub.kernel.sql_dialect import AnyConn, local_date, prepare
from hub.service.api import service_sla_events_table, service_tickets_table

BREACHED = "breached"


@dataclass(frozen=True)
class SlaFigures:
    store_id: str | None
    tickets: int
    breached: int
    """Tickets with at least one target breached."""
    breaches: dict[str, int] = field(default_factory=dict)
    """Per target (first_response, resolution, compensation): tickets that breached it."""

    @property
    def compliance(self) -> float | None:
        return (self.tickets - self.breached) / self.tickets if self.tickets else None


def sla_compliance(conn: AnyConn, scope: Scope, *, default_zone: str) -> list[SlaFigures]:
    prepare(conn)
    tickets, events = service_tickets_table, service_sla_events_table
    zone = func.coalesce(src.stores.c.timezone, default_zone)
    joined = tickets.outerjoin(src.stores, src.stores.c.id == tickets.c.store_id)
    day = local_date(conn, tickets.c.created_at, zone)
    start, end = utc_window(scope.day_from, scope.day_to)
    where = and_(
        tickets.c.created_at >= literal(start, UTCDateTime),
        tickets.c.created_at < literal(end, UTCDateTime),
        day >= day_value(conn, scope.day_from),
        day <= day_value(conn, scope.day_to),
        true() if scope.store_ids is None else tickets.c.store_id.in_(list(scope.store_ids)),
    )
    breached = exists().where(events.c.ticket_id == tickets.c.id, events.c.kind == BREACHED)
    totals = (
        select(tickets.c.store_id, func.count(), func.sum(case((breached, 1), else_=0)))
        .select_from(joined)
        .where(where)
        .group_by(tickets.c.store_id)
    )
    per_target = (
        select(tickets.c.store_id, events.c.target, func.count(func.distinct(tickets.c.id)))
        .select_from(joined.join(events, events.c.ticket_id == tickets.c.id))
        .where(where, events.c.kind == BREACHED)
        .group_by(tickets.c.store_id, events.c.target)
    )
    targets: dict[str | None, dict[str, int]] = {}
    for store, target, n in conn.execute(per_target):
        targets.setdefault(store, {})[str(target)] = int(n)
    rows = [SlaFigures(store, int(n), int(b or 0), targets.get(store, {})) for store, n, b in conn.execute(totals)]
    return sorted(rows, key=lambda r: (r.store_id is None, r.store_id or ""))
