"""The CRM's background jobs: order feed, recompute, scheduled rules, notification sender.

Each runs in a worker thread at its own interval; a failure is logged and the job runs again
at its next turn. Across hub processes, advisory locks let one process run each job at a time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from hub.context import HubContext
from hub.crm.api import recompute_all
from hub.db_types import utcnow
from hub.kernel.job_lock import try_transaction_lock
from hub.marketing.coupons import coupon_for_message
from hub.marketing.order_feed import drain
from hub.marketing.rule_runner import run_scheduled_rules
from hub.notifications.api import NotificationSender

logger = logging.getLogger(__name__)


def feed_once(ctx: HubContext) -> None:
    handled = drain(
        ctx.db.session,
        now=utcnow(),
        default_tz=ctx.settings.default_timezone,
        batch_size=ctx.settings.crm.feed_batch_size,
    )
    ctx.metrics.crm_events.inc(handled)


def recompute_once(ctx: HubContext) -> None:
    with ctx.db.session() as session:
        if not try_transaction_lock(session, "crm-recompute"):
            return
        result = recompute_all(session, now=utcnow(), default_tz=ctx.settings.default_timezone)
        session.commit()
    ctx.metrics.crm_recompute_seconds.set(result.seconds)


def rules_once(ctx: HubContext) -> None:
    for run in run_scheduled_rules(ctx.db, now=utcnow(), default_tz=ctx.settings.default_timezone):
        ctx.metrics.rule_actions.labels(rule_id=run.rule_id).inc(run.targeted)
        ctx.metrics.coupons_granted.labels(rule_id=run.rule_id).inc(run.granted)


def sender_once(ctx: HubContext, sender: NotificationSender) -> None:
    result = sender.send_due()
    for outcome in ("sent", "suppressed", "retried", "failed", "deferred"):
        count = getattr(result, outcome)
        if count:
            ctx.metrics.notifications.labels(outcome=outcome).inc(count)


async def run_crm_jobs(ctx: HubContext, tick_s: float = 0.5) -> None:
    crm = ctx.settings.crm
    sender = NotificationSender(
        ctx.db, ctx.settings.notify, ctx.secret, default_tz=ctx.settings.default_timezone, coupons=coupon_for_message
    )
    jobs: list[tuple[str, float, Callable[[], None]]] = [
        ("order-feed", crm.feed_interval_s, lambda: feed_once(ctx)),
        ("recompute", crm.recompute_interval_s, lambda: recompute_once(ctx)),
        ("rules", crm.rules_interval_s, lambda: rules_once(ctx)),
        ("sender", crm.send_interval_s, lambda: sender_once(ctx, sender)),
    ]
    due = dict.fromkeys((name for name, _, _ in jobs), 0.0)
    while True:
        for name, interval, job in jobs:
            if time.monotonic() < due[name]:
                continue
            try:
                await asyncio.to_thread(job)
            except Exception:
                logger.exception("crm job %s failed; it runs again in %.0fs", name, interval)
            due[name] = time.monotonic() + interval
        await asyncio.sleep(tick_s)
