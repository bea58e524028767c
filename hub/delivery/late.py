"""Late deliveries, known before the customer calls: ONE ``delivery.late`` event per order.

An order is late when its ETA (from the plan, refreshed from the rider's live position) passes its
promised time, or when the promised time has passed and it is still not delivered. The CRM's
compensation rule consumes the event.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session

from hub.delivery.lifecycle import Stage, ensure_delivery
from hub.delivery.planning.matrix import GreatCircleMatrix
from hub.delivery.rider_status import GpsStatus, gps_status
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import deliveries, last_positions, orders
from hub.delivery.travel_model import travel_model
from hub.orders.api import Fulfilment, OrderStatus, lock_order, record_event
from hub.stores.api import stores_table

logger = logging.getLogger(__name__)
stores = stores_table


def record_late(
    session: Session, order_id: str, *, rider_id: str | None, eta: datetime, promised_at: datetime, now: datetime
) -> bool:
    """Record ``delivery.late`` unless it already was: True the first time."""
    delay = max(0, math.ceil((eta - promised_at).total_seconds()))
    claimed = session.execute(
        update(deliveries)
        .where(deliveries.c.order_id == order_id, deliveries.c.late_at.is_(None))
        .values(late_at=now, expected_delay_s=delay, updated_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return False
    record_event(
        session,
        order_id,
        "delivery.late",
        actor="hub:late-detection",
        at=now,
        data={
            "expected_delay_s": delay,
            "rider_id": rider_id,
            "eta": eta.isoformat(),
            "promised_at": promised_at.isoformat(),
        },
    )
    logger.info("order %s will be late by %d s (rider %s)", order_id, delay, rider_id)
    return True


@dataclass(frozen=True)
class OpenStop:
    order_id: str
    rider_id: str | None
    stage: str
    sequence: int
    eta: datetime | None
    promised_at: datetime | None
    place: tuple[float, float] | None


def live_etas(
    stops: Sequence[OpenStop],
    *,
    position: tuple[float, float] | None,
    store: tuple[float, float] | None,
    now: datetime,
    model: GreatCircleMatrix,
    service_s: int,
) -> dict[str, datetime]:
    """ETAs for one rider's remaining stops from where the rider is now (stops in plan order).

    ``model`` is the planner's travel-time model at ``now`` (``travel_model``), so these agree with
    the rider's route. Stops not yet picked up need a ride back to the store first. Never earlier
    than the plan said only because the GPS is silent: without a position the plan's ETA stands
    (but not in the past).
    """
    result: dict[str, datetime] = {}
    t = now
    here = position
    via_store = False
    for stop in sorted(stops, key=lambda s: s.sequence):
        planned = stop.eta if stop.eta is not None else now
        if here is None or stop.place is None:
            result[stop.order_id] = max(planned, now)
            continue
        if stop.stage != Stage.PICKED_UP and not via_store and store is not None:
            t += timedelta(seconds=model.seconds_between(here, store))
            here, via_store = store, True
        t += timedelta(seconds=model.seconds_between(here, stop.place))
        result[stop.order_id] = t
        t += timedelta(seconds=service_s)
        here = stop.place
    return result


def detect_late(session: Session, settings: DeliverySettings, now: datetime) -> int:
    """Refresh the ETAs of every open delivery and record the new late ones; the number recorded."""
    rows = session.execute(
        select(
            orders.c.id,
            orders.c.store_id,
            orders.c.status,
            orders.c.promised_at,
            deliveries.c.rider_id,
            deliveries.c.stage,
            deliveries.c.sequence,
            deliveries.c.eta,
            deliveries.c.late_at,
            deliveries.c.drop_lat,
            deliveries.c.drop_lon,
        )
        .select_from(orders.outerjoin(deliveries, deliveries.c.order_id == orders.c.id))
        .where(
            orders.c.fulfilment == Fulfilment.DELIVERY.value,
            orders.c.status.in_([OrderStatus.READY.value, OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value]),
            orders.c.promised_at.is_not(None),
        )
    ).all()
    candidates = [r for r in rows if r.late_at is None]
    if not candidates:
        return 0
    riders = sorted({r.rider_id for r in candidates if r.rider_id})
    fixes = {
        p.rider_id: p
        for p in session.execute(select(last_positions).where(last_positions.c.rider_id.in_(riders))).all()
    }
    store_rows = session.execute(select(stores.c.id, stores.c.lat, stores.c.lon, stores.c.timezone)).all()
    store_places = {s.id: (s.lat, s.lon) for s in store_rows if s.lat is not None and s.lon is not None}
    store_zones = {s.id: s.timezone for s in store_rows}
    by_rider: dict[str, list[OpenStop]] = {}
    for r in rows:
        if r.rider_id and r.sequence is not None and r.status != OrderStatus.READY.value:
            place = (r.drop_lat, r.drop_lon) if r.drop_lat is not None and r.drop_lon is not None else None
            by_rider.setdefault(r.rider_id, []).append(
                OpenStop(r.id, r.rider_id, r.stage, r.sequence, r.eta, r.promised_at, place)
            )
    etas: dict[str, datetime] = {}
    store_of = {r.id: r.store_id for r in rows}
    for rider_id, stops in by_rider.items():
        fix = fixes.get(rider_id)
        fresh = (
            fix is not None
            and gps_status(
                fix.fix_at, now, stale_after_s=settings.stale_after_s, offline_after_s=settings.offline_after_s
            )
            is GpsStatus.ONLINE
        )
        store_id = store_of[stops[0].order_id]
        etas.update(
            live_etas(
                stops,
                position=(fix.lat, fix.lon) if fresh and fix is not None else None,
                store=store_places.get(store_id),
                now=now,
                model=travel_model(settings, now, store_zones.get(store_id) or "UTC"),
                service_s=settings.service_s,
            )
        )
    recorded = 0
    grace = timedelta(seconds=settings.late_grace_s)
    for r in candidates:
        eta = etas.get(r.id, max(r.eta, now) if r.eta is not None else now)
        if r.id in etas and eta != r.eta:
            session.execute(update(deliveries).where(deliveries.c.order_id == r.id).values(eta=eta))
        if eta > r.promised_at + grace:
            if r.stage is None:
                order = lock_order(session, r.id)
                if order is None:
                    continue
                ensure_delivery(session, order)
            recorded += record_late(session, r.id, rider_id=r.rider_id, eta=eta, promised_at=r.promised_at, now=now)
    return recorded
