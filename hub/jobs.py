"""Periodic work of the hub: kitchen confirmation alerts, outbox backlog."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import col

from hub.context import HubContext
from hub.kitchen.service import flag_unconfirmed
from hub.outbox.tables import OutboxMessage

logger = logging.getLogger(__name__)


def check_kitchen_confirmations(ctx: HubContext) -> int:
    with ctx.db.session() as session:
        alerts = flag_unconfirmed(session, older_than=timedelta(seconds=ctx.settings.ticket_confirm_timeout_s))
    for alert in alerts:
        ctx.metrics.kitchen_alerts.labels(store_id=alert["store_id"]).inc()
        logger.warning(
            "ticket %s at %s/%s not printed or shown within %.0fs",
            alert["ticket_id"],
            alert["store_id"],
            alert["station_code"],
            ctx.settings.ticket_confirm_timeout_s,
        )
    return len(alerts)


def measure_outbox(ctx: HubContext) -> None:
    with ctx.db.session() as session:
        pending = session.execute(
            select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))
        ).scalar_one()
    ctx.metrics.outbox_pending.set(pending)


async def run_periodic_jobs(ctx: HubContext, interval_s: float = 1.0) -> None:
    while True:
        try:
            await asyncio.to_thread(check_kitchen_confirmations, ctx)
            await asyncio.to_thread(measure_outbox, ctx)
        except Exception:
            logger.exception("periodic job failed; next round in %.0fs", interval_s)
        await asyncio.sleep(interval_s)
