"""Subscription renewal rate: of the paid terms that ended on the scope's days, how many were renewed.

A term is counted once its last day has passed in its store's zone (before that it may still be
renewed). Renewed: the subscription has a next term (manual or automatic renewal); a cancellation
or a plan left to run out is a term not renewed. Terms' days are the stores' business dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, literal, select

from hub.analytics import sources as src
from hub.analytics.local_days import in_stores
from hub.analytics.scope import Scope
from hub.db_types import UTCDateTime
from hub.kernel.sql_dialect import AnyConn, local_date, prepare


@dataclass(frozen=True)
class RenewalFigures:
    store_id: str
    due: int
    """Terms that ended on the scope's days (and whose last day has passed)."""
    renewed: int
    automatic: int
    """Of ``renewed``: renewed automatically, with the customer's consent."""

    @property
    def rate(self) -> float | None:
        return self.renewed / self.due if self.due else None


def renewal_rate(conn: AnyConn, scope: Scope, *, now: datetime) -> list[RenewalFigures]:
    """Per store, for the terms whose last day falls within the scope's days."""
    prepare(conn)
    term = src.subscription_terms
    after = term.alias("next_term")
    joined = term.join(src.stores, src.stores.c.id == term.c.store_id).outerjoin(
        after, and_(after.c.subscription_id == term.c.subscription_id, after.c.seq == term.c.seq + 1)
    )
    today = local_date(conn, literal(now, UTCDateTime), src.stores.c.timezone)
    renewed = after.c.id.is_not(None)
    query = (
        select(
            term.c.store_id,
            func.count(),
            func.sum(case((renewed, 1), else_=0)),
            func.sum(case((renewed & after.c.automatic, 1), else_=0)),
        )
        .select_from(joined)
        .where(
            term.c.term_end >= scope.day_from,
            term.c.term_end <= scope.day_to,
            term.c.term_end < today,
            in_stores(scope, term.c.store_id),
        )
        .group_by(term.c.store_id)
        .order_by(term.c.store_id)
    )
    return [RenewalFigures(str(s), int(n), int(r or 0), int(a or 0)) for s, n, r, a in conn.execute(query)]
