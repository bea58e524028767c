"""Analytics' scheduled work: keeping the rollups current (the sales, customers, cohorts, products, riders,
kitchen and most report GETs only read them)."""

from __future__ import annotations

import logging
from datetime import datetime

from hub.analytics.rollup import refresh_rollups
from hub.db import Database
from hub.kernel.job_lock import try_transaction_lock

logger = logging.getLogger(__name__)


def refresh_analytics_rollups(db: Database, now: datetime) -> int | None:
    """One transaction under the rollups' lock; the (store, day) pairs rewritten, None when another
    hub process holds the lock."""
    with db.session() as session:
        if not try_transaction_lock(session, "analytics:daily_sales"):
            return None
        rewritten = refresh_rollups(session, now=now)
        session.commit()
    if rewritten:
        logger.info("analytics rollups: %d store days rewritten", rewritten)
    return rewritten
