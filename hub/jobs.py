"""Periodic work of the hub: kitchen confirmation alerts and resends, outbox backlog, the service desk's
SLA checks, subscription cut-offs and upkeep (reminders, renewals, expiry), the analytics sales rollup."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from hub.analytics.jobs import refresh_analytics_rollups
from hub.context import HubContext
from hub.db_types import utcnow
from hub.kitchen.resends import ResendPolicy, resend_unconfirmed
from hub.kitchen.service import flag_unconfirmed
from hub.kitchen.stats import count_unconfirmed
from hub.outbox.tables import OutboxMessage
from hub.service.jobs import DeskRun, run_service_desk
from hub.subscriptions.jobs import generate_due_days, run_subscription_upkeep

logger = logging.getLogger(__name__)


def check_kitchen_confirmations(ctx: HubContext, now: datetime | None = None) -> int:
    now = now or utcnow()
    limit = timedelta(seconds=ctx.settings.ticket_confirm_timeout_s)
    with ctx.db.session() as session:
        alerts = flag_unconfirmed(session, older_than=limit, now=now)
        session.commit()
        ctx.metrics.kitchen_unconfirmed.set(count_unconfirmed(session, older_than=limit, now=now))
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


def resend_unconfirmed_tickets(ctx: HubContext, now: datetime | None = None) -> int:
    """Tickets sent but confirmed by no edge go out again (per ticket, with backoff and a cap)."""
    now = now or utcnow()
    s = ctx.settings
    policy = ResendPolicy(
        interval=timedelta(seconds=s.ticket_resend_interval_s),
        max_interval=timedelta(seconds=s.ticket_resend_max_interval_s),
        max_resends=s.ticket_resend_max,
    )
    with ctx.db.session() as session:
        resent = resend_unconfirmed(session, policy, now=now)
        session.commit()
    for r in resent:
        if r.last:
            logger.error(
                "ticket %s at %s/%s: resend %d, the last; no edge has confirmed it",
                r.ticket_id, r.store_id, r.station_code, r.resends,
            )  # fmt: skip
        else:
            logger.warning(
                "ticket %s at %s/%s unconfirmed: resend %d", r.ticket_id, r.store_id, r.station_code, r.resends
            )
    if resent:
        ctx.wake_relay()
    return len(resent)


def check_service_desk(ctx: HubContext, now: datetime | None = None) -> DeskRun:
    """SLA breaches and escalations, due surveys and lead follow-ups, each once (``hub.service.jobs``)."""
    now = now or ctx.clock()
    with ctx.db.session() as session:
        run = run_service_desk(session, ctx.messaging(), now)
        session.commit()
    if run.sla_events or run.reminders_sent:
        ctx.wake_relay()
    return run


def measure_outbox(ctx: HubContext) -> None:
    with ctx.db.session() as session:
        pending = session.execute(
            select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.sent_at).is_(None))
        ).scalar_one()
    ctx.metrics.outbox_pending.set(pending)


async def run_periodic_jobs(ctx: HubContext, interval_s: float = 1.0) -> None:
    """The kitchen's checks every round; the service desk and the subscription cut-off when due.

    Each job is its own short transaction, so a POST waits at most for one of them (on SQLite there
    is one writer at a time).
    """
    s = ctx.settings
    every: list[tuple[float, Callable[[], object]]] = [
        (interval_s, lambda: check_kitchen_confirmations(ctx)),
        (interval_s, lambda: resend_unconfirmed_tickets(ctx)),
        (interval_s, lambda: measure_outbox(ctx)),
        (s.service_desk_interval_s, lambda: check_service_desk(ctx)),
        (s.subscriptions_interval_s, lambda: generate_due_days(ctx.db, ctx.clock(), ctx.messaging())),
        (s.analytics_rollup_interval_s, lambda: refresh_analytics_rollups(ctx.db, ctx.clock())),
        (s.subscription_upkeep_interval_s, lambda: run_subscription_upkeep(ctx.db, ctx.clock())),
    ]
    due = [0.0] * len(every)
    while True:
        for i, (period, job) in enumerate(every):
            if time.monotonic() < due[i]:
                continue
            due[i] = time.monotonic() + period
            try:
                await asyncio.to_thread(job)
            except Exception:
                logger.exception("periodic job failed; next try in %.0fs", period)
        await asyncio.sleep(interval_s)
