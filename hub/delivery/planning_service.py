"""Plan a store now: snapshot (short read), solve (no locks held), write (one transaction)."""

from __future__ import annotations

import logging
from datetime import datetime

from hub.db import Database
from hub.db_types import utcnow
from hub.delivery.dispatch import StorePlan, plan_snapshot
from hub.delivery.plan_writer import AppliedPlan, apply_store_plan
from hub.delivery.settings import DeliverySettings
from hub.delivery.snapshot import take_snapshot
from hub.kernel.messaging import Messaging

logger = logging.getLogger(__name__)


def plan_store(
    db: Database,
    store_id: str,
    settings: DeliverySettings,
    messaging: Messaging,
    *,
    now: datetime | None = None,
    seconds: float | None = None,
) -> tuple[StorePlan, AppliedPlan]:
    taken_at = (now or utcnow()).replace(microsecond=0)  # the plan's epoch: ETAs are whole seconds from it
    with db.session() as session:
        snapshot = take_snapshot(session, store_id, settings, taken_at)
    store_plan = plan_snapshot(snapshot, settings, seconds)
    with db.session() as session:
        applied = apply_store_plan(session, store_plan, messaging, taken_at)
        session.commit()
    return store_plan, applied
