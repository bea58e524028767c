"""Analytics' scheduled work: keeping the daily sales rollup current (GET /analytics/sales only reads it)."""

from __future__ import annotations

import logging
from datetime import datetime

from hub.analytics.rollup import refresh_daily_sales
from hub.db import Database
from hub.kernel.job_lock import try_transaction_lock

logger = logging.getLogger(__name__)


def refresh_sales_rollup(db: Database, now: datetime) -> int | None:
    """One transaction under the rollup's lock; the (store, day) pairs rewritten, None when another
    hub process holds the lock."""
    with db.session() as session:
        if not try_transaction_lock(session, "analytics:daily_sales"):
            return None
        rewritten = refresh_daily_sales(session, now=now)
        session.commit()
    if rewritten:
        logger.info("daily sales rollup: %d store days rewritten", rewritten)
    return rewritten
