"""What the analytics rollup tests share: the scopes compared, and one refresh as the hub's job runs it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.engine import Engine

from hub.analytics.rollup import refresh_rollups
from hub.analytics.scope import Scope

SCOPES = [Scope(None, date(2026, 2, 19), date(2026, 4, 21)), Scope(("la",), date(2026, 3, 1), date(2026, 3, 31))]
COHORT_SCOPES = [
    *SCOPES,
    Scope(None, date(2026, 3, 12), date(2026, 4, 21)),
    Scope(("sh",), date(2026, 4, 1), date(2026, 4, 21)),
]


def refresh(engine: Engine, now: datetime) -> int:
    with engine.begin() as conn:
        return refresh_rollups(conn, now=now)
