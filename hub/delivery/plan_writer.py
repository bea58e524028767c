"""Writing a store's plan: assignments, route versions, ETAs, late events and each rider's route message.

The plan was computed from a snapshot without holding locks; here, in one transaction, every
order is locked and re-checked: an order whose state or rider changed meanwhile (picked up,
cancelled, reassigned by hand) is left as it now is. Writers of one store are serialised on its
``store_dispatch`` row. Each rider's route goes out through the outbox, retained on its topic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from contracts import topics
from contracts.rider import RiderRoute, RouteStop
from hub.db_types import new_id
from hub.delivery.dispatch import RiderPlan, StopPlan, StorePlan
from hub.delivery.late import record_late
from hub.delivery.lifecycle import Stage, assign, ensure_delivery, unassign
from hub.delivery.snapshot import OrderView
from hub.delivery.sql import deliveries, dialect_insert, orders, route_plans, store_dispatch
from hub.delivery.tables import Delivery, Rider, RoutePlanRecord
from hub.kernel.messaging import Messaging
from hub.orders.api import Order, OrderStatus
from hub.outbox.writer import enqueue

logger = logging.getLogger(__name__)
ACTOR = "hub:dispatch"


@dataclass
class AppliedPlan:
    store_id: str
    planned_at: datetime
    routes: list[RoutePlanRecord] = field(default_factory=list)
    assigned: list[str] = field(default_factory=list)
    unassigned: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Orders that changed while the plan was computed: left as they are."""
    late: list[str] = field(default_factory=list)


def apply_store_plan(session: Session, store_plan: StorePlan, messaging: Messaging, now: datetime) -> AppliedPlan:
    snap = store_plan.snapshot
    session.execute(dialect_insert(session, store_dispatch).values(store_id=snap.store_id).on_conflict_do_nothing())
    session.execute(
        select(store_dispatch.c.store_id).where(store_dispatch.c.store_id == snap.store_id).with_for_update()
    )
    views = {o.order_id: o for o in snap.orders}
    ids = sorted(views)
    # FOR NO KEY UPDATE: the geofence may insert order events (a KEY SHARE on the order) meanwhile.
    current = {
        o.id: o
        for o in session.scalars(
            select(Order).where(col(Order.id).in_(ids)).order_by(col(Order.id)).with_for_update(key_share=True)
        )
    }
    held = {d.order_id: d for d in session.scalars(select(Delivery).where(col(Delivery.order_id).in_(ids)))}
    result = AppliedPlan(store_id=snap.store_id, planned_at=now)

    def unchanged(order_id: str) -> bool:
        order, view = current.get(order_id), views[order_id]
        if order is None or order.status != view.status.value:
            return False
        rider = held[order_id].rider_id if order_id in held and view.status is not OrderStatus.READY else None
        return rider == view.rider_id

    for rider_plan in store_plan.riders:
        rider = session.get(Rider, rider_plan.rider_id)
        if rider is None or not rider.active:
            continue
        kept: list[StopPlan] = []
        for stop in rider_plan.stops:
            if not unchanged(stop.order_id):
                result.skipped.append(stop.order_id)
                continue
            order = current[stop.order_id]
            delivery = held.get(stop.order_id)
            if order.status == OrderStatus.READY.value or (delivery is not None and delivery.rider_id != rider.id):
                assign(session, order, rider, actor=ACTOR, pinned=False, at=now)
                result.assigned.append(order.id)
            else:
                ensure_delivery(session, order)
            kept.append(stop)
        record = _new_route(session, rider_plan, kept, now)
        result.routes.append(record)
        for n, stop in enumerate(kept, start=1):
            session.execute(
                update(deliveries)
                .where(deliveries.c.order_id == stop.order_id)
                .values(plan_id=record.id, sequence=n, eta=stop.eta, updated_at=now)
            )
            promised = views[stop.order_id].promised_at
            if (
                stop.late
                and promised is not None
                and record_late(session, stop.order_id, rider_id=rider.id, eta=stop.eta, promised_at=promised, now=now)
            ):
                result.late.append(stop.order_id)
        enqueue(
            session,
            topics.RIDER_ROUTE,
            _route_message(record, views),
            root=messaging.root,
            source=messaging.source,
            rider_id=rider.id,
        )
    for order_id in store_plan.unplanned:
        held_delivery = held.get(order_id)
        open_order = current.get(order_id)
        if (
            open_order is not None
            and held_delivery is not None
            and unchanged(order_id)
            and open_order.status == OrderStatus.ASSIGNED.value
            and not held_delivery.pinned
        ):
            unassign(session, open_order, actor=ACTOR, reason="no rider can take it in the current plan", at=now)
            result.unassigned.append(order_id)
    _drop_cancelled(session, snap.store_id, now)
    session.execute(
        update(store_dispatch)
        .where(store_dispatch.c.store_id == snap.store_id)
        .values(planned_at=snap.taken_at, plan_seconds=store_plan.runtime_s)
    )
    logger.info(
        "store %s planned: %d routes, %d assigned, %d unassigned, %d unplanned, %d late, %d skipped",
        snap.store_id,
        len(result.routes),
        len(result.assigned),
        len(result.unassigned),
        len(store_plan.unplanned),
        len(result.late),
        len(result.skipped),
    )
    return result


def _new_route(session: Session, rider_plan: RiderPlan, kept: list[StopPlan], now: datetime) -> RoutePlanRecord:
    latest = session.execute(
        select(func.max(route_plans.c.version)).where(route_plans.c.rider_id == rider_plan.rider_id)
    ).scalar()
    session.execute(
        update(route_plans)
        .where(route_plans.c.rider_id == rider_plan.rider_id, route_plans.c.current.is_(True))
        .values(current=False)
    )
    record = RoutePlanRecord(
        id=new_id(),
        store_id=_store_of(session, rider_plan.rider_id),
        rider_id=rider_plan.rider_id,
        version=(latest or 0) + 1,
        current=True,
        planned_at=now,
        start_at=rider_plan.start_at,
        end_at=rider_plan.end_at,
        start_lat=rider_plan.start[0],
        start_lon=rider_plan.start[1],
        distance_m=rider_plan.distance_m,
        stops=[
            {
                "order_id": s.order_id,
                "sequence": n,
                "eta": s.eta.isoformat(),
                "lat": s.place[0],
                "lon": s.place[1],
                "on_board": s.on_board,
                "late": s.late,
            }
            for n, s in enumerate(kept, start=1)
        ],
    )
    session.add(record)
    session.flush()
    return record


def _drop_cancelled(session: Session, store_id: str, now: datetime) -> None:
    """Orders cancelled after they were assigned leave their rider (and the next route message)."""
    cancelled = select(orders.c.id).where(orders.c.store_id == store_id, orders.c.status == OrderStatus.CANCELLED.value)
    session.execute(
        update(deliveries)
        .where(deliveries.c.order_id.in_(cancelled), deliveries.c.stage != Stage.CANCELLED)
        .values(stage=Stage.CANCELLED, plan_id=None, sequence=None, eta=None, updated_at=now)
    )


def _store_of(session: Session, rider_id: str) -> str:
    rider = session.get(Rider, rider_id)
    assert rider is not None
    return rider.store_id


def _route_message(record: RoutePlanRecord, views: dict[str, OrderView]) -> RiderRoute:
    return RiderRoute(
        rider_id=record.rider_id,
        plan_id=record.id,
        version=record.version,
        planned_at=record.planned_at,
        stops=tuple(
            RouteStop(
                stop_id=s["order_id"],
                order_id=s["order_id"],
                sequence=s["sequence"],
                address=views[s["order_id"]].address[:2000],
                lat=s["lat"],
                lon=s["lon"],
                window_end=views[s["order_id"]].promised_at,
                eta=datetime.fromisoformat(s["eta"]),
                notes=views[s["order_id"]].notes,
                customer_display=views[s["order_id"]].customer_display,
            )
            for s in record.stops
        ),
    )
