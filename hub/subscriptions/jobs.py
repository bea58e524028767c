"""The scheduled subscription jobs: each store's cut-off (its day generated once the cut-off has passed in
its own zone), and the upkeep (reminders, automatic renewal, prepaid expiry)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from hub.db import Database
from hub.kernel.job_lock import try_transaction_lock
from hub.kernel.messaging import Messaging
from hub.subscriptions import daily_run, service
from hub.subscriptions.tables import SubscriptionStoreSettings
from hub.subscriptions.upkeep import UpkeepRun, run_upkeep

logger = logging.getLogger(__name__)


def stores_due(session: Session, now: datetime) -> list[str]:
    """Stores whose latest frozen business date has not been generated yet."""
    due = []
    for row in session.execute(select(SubscriptionStoreSettings)).scalars():
        business_date = service.calendar_of(row).generation_date(now)
        if row.last_generated is None or row.last_generated < business_date:
            due.append(row.store_id)
    return due


def generate_due_days(db: Database, now: datetime, messaging: Messaging) -> int:
    """One transaction per store, under the store's lock (another hub process skips it); the riders' routes
    go out through ``messaging``'s outbox in it. Returns stores run."""
    with db.session() as session:
        due = stores_due(session, now)
    done = 0
    for store_id in due:
        with db.session() as session:
            if not try_transaction_lock(session, f"subscriptions:day:{store_id}"):
                continue
            if store_id not in stores_due(session, now):  # another process ran it meanwhile
                continue
            run = daily_run.run_day(session, store_id, now, messaging)
            session.commit()
            done += 1
            logger.info(
                "store %s: cut-off run for %s generated %d deliveries", store_id, run.business_date, run.generated
            )
    return done


def run_subscription_upkeep(db: Database, now: datetime) -> UpkeepRun | None:
    """One transaction under the upkeep's lock (None: another hub process is running it)."""
    with db.session() as session:
        if not try_transaction_lock(session, "subscriptions:upkeep"):
            return None
        run = run_upkeep(session, now)
        session.commit()
    if run.renewed or run.expiring_reminders or run.low_balance_reminders or run.expired_fen:
        logger.info(
            "subscription upkeep: %d renewed, %d expiring and %d low-balance reminders, %d fen expired",
            run.renewed,
            run.expiring_reminders,
            run.low_balance_reminders,
            run.expired_fen,
        )
    return run
