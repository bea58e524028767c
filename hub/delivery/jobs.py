"""Periodic delivery work: rider GPS status, late detection, re-planning stores that need it.

Re-planning runs when a store has a ready (or assigned) delivery order that is in no current plan
(an ad-hoc order, an order a previous plan could not place), or when something asked for it (an
order assigned by hand), at most once per ``replan_min_interval_s`` per store; each plan is
warm-started from the riders' current routes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select

from hub.context import HubContext
from hub.db_types import utcnow
from hub.delivery.late import detect_late
from hub.delivery.lifecycle import Stage
from hub.delivery.partitions import drop_expired_partitions, ensure_day_partitions
from hub.delivery.planning_service import plan_store
from hub.delivery.rider_status import GpsStatus, gps_status
from hub.delivery.sql import deliveries, last_positions, orders, riders, store_dispatch
from hub.errors import DomainError
from hub.kernel.messaging import Messaging
from hub.orders.api import Fulfilment, OrderStatus
from hub.stores.api import stores_table

logger = logging.getLogger(__name__)
PARTITION_CHECK_S = 3600.0
stores = stores_table


def stores_needing_a_plan(ctx: HubContext, now: datetime) -> list[str]:
    settings = ctx.settings.delivery
    with ctx.db.session() as session:
        unplanned = set(
            session.execute(
                select(orders.c.store_id)
                .select_from(
                    orders.outerjoin(deliveries, deliveries.c.order_id == orders.c.id).join(
                        stores, stores.c.id == orders.c.store_id
                    )
                )
                .where(
                    orders.c.fulfilment == Fulfilment.DELIVERY.value,
                    orders.c.status.in_([OrderStatus.READY.value, OrderStatus.ASSIGNED.value]),
                    orders.c.delivery_lat.is_not(None),
                    deliveries.c.plan_id.is_(None),
                    stores.c.lat.is_not(None),
                    stores.c.lon.is_not(None),
                    select(riders.c.id)
                    .where(riders.c.store_id == orders.c.store_id, riders.c.active.is_(True))
                    .exists(),
                )
                .distinct()
            ).scalars()
        )
        cancelled_in_plan = set(
            session.execute(
                select(deliveries.c.store_id)
                .join(orders, orders.c.id == deliveries.c.order_id)
                .where(
                    orders.c.status == OrderStatus.CANCELLED.value,
                    deliveries.c.plan_id.is_not(None),
                    deliveries.c.stage != Stage.CANCELLED,
                )
                .distinct()
            ).scalars()
        )
        state = {
            r.store_id: r
            for r in session.execute(
                select(store_dispatch.c.store_id, store_dispatch.c.planned_at, store_dispatch.c.requested_at)
            )
        }
    requested = {
        sid
        for sid, r in state.items()
        if r.requested_at is not None and (r.planned_at is None or r.requested_at > r.planned_at)
    }
    recent = timedelta(seconds=settings.replan_min_interval_s)
    due = []
    for store_id in sorted(unplanned | requested | cancelled_in_plan):
        last = state[store_id].planned_at if store_id in state else None
        if last is None or now - last >= recent or store_id in requested | cancelled_in_plan:
            due.append(store_id)
    return due


def replan_due_stores(ctx: HubContext) -> int:
    now = utcnow()
    settings = ctx.settings
    messaging = Messaging(root=settings.mqtt.topic_root, source=settings.source_id, phone_region=settings.phone_region)
    planned = 0
    for store_id in stores_needing_a_plan(ctx, now):
        try:
            plan_store(ctx.db, store_id, settings.delivery, messaging, now=utcnow())
        except DomainError as exc:
            logger.warning("could not plan store %s: %s", store_id, exc.detail)
            continue
        planned += 1
        ctx.metrics.delivery_plans.inc()
        ctx.wake_relay()
    return planned


def check_late(ctx: HubContext) -> int:
    with ctx.db.session() as session:
        recorded = detect_late(session, ctx.settings.delivery, utcnow())
        session.commit()
    if recorded:
        ctx.metrics.delivery_late.inc(recorded)
    return recorded


def measure_riders(ctx: HubContext) -> Counter[GpsStatus]:
    settings = ctx.settings.delivery
    now = utcnow()
    with ctx.db.session() as session:
        rows = session.execute(
            select(riders.c.id, last_positions.c.fix_at)
            .select_from(riders.outerjoin(last_positions, last_positions.c.rider_id == riders.c.id))
            .where(riders.c.active.is_(True))
        ).all()
        dropping = session.execute(
            select(riders.c.id, riders.c.positions_dropped)
            .where(riders.c.active.is_(True), riders.c.positions_dropped > 0)
            .order_by(riders.c.id)
        ).all()
    counts = Counter(
        gps_status(r.fix_at, now, stale_after_s=settings.stale_after_s, offline_after_s=settings.offline_after_s)
        for r in rows
    )
    for status in GpsStatus:
        ctx.metrics.delivery_riders.labels(status=status.value).set(counts.get(status, 0))
    for rider_id, dropped in dropping:
        ctx.metrics.delivery_positions_dropped.labels(rider_id=rider_id).set(dropped)
    return counts


def maintain_partitions(ctx: HubContext) -> None:
    today = utcnow().date()
    ensure_day_partitions(ctx.db.engine, today)
    keep = ctx.settings.delivery.positions_retention_days
    if keep is not None:
        drop_expired_partitions(ctx.db.engine, today, keep)


async def run_delivery_jobs(ctx: HubContext) -> None:
    interval = ctx.settings.delivery.jobs_interval_s
    partitions_due = 0.0
    while True:
        if time.monotonic() >= partitions_due:
            try:
                await asyncio.to_thread(maintain_partitions, ctx)
                partitions_due = time.monotonic() + PARTITION_CHECK_S
            except Exception:
                logger.exception("position partition maintenance failed; retrying next round")
        for job in (measure_riders, check_late, *((replan_due_stores,) if ctx.settings.delivery.auto_dispatch else ())):
            try:
                await asyncio.to_thread(job, ctx)
            except Exception:
                logger.exception("delivery job %s failed; next round in %.0fs", job.__name__, interval)
        await asyncio.sleep(interval)
