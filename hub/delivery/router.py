"""REST for riders, tracking, dispatch and route plans. Another store's riders and orders are 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from hub.api_types import QueryDatetime
from hub.delivery import riders as rider_service
from hub.delivery.geojson import routes_geojson
from hub.delivery.lifecycle import assign, ensure_delivery, locked_delivery_order, request_replan, rider_of_store
from hub.delivery.lifecycle import unassign as unassign_order
from hub.delivery.planning_service import plan_store
from hub.delivery.schemas import (
    AssignIn,
    DeliveryOut,
    DispatchOut,
    GeoJson,
    PositionOut,
    RiderIn,
    RiderOut,
    RiderPatch,
    RouteOut,
)
from hub.delivery.sql import route_plans
from hub.delivery.tables import Delivery, RoutePlanRecord
from hub.deps import ContextDep, ManagerDep, PrincipalDep, SessionDep
from hub.errors import Forbidden, NotFound
from hub.kernel.roles import Role
from hub.orders.api import visible_order
from hub.problems import problem_responses
from hub.stores.api import visible_store

router = APIRouter(tags=["delivery"], responses=problem_responses(401, 403, 404, 422))
DELIVERY_READERS = frozenset({Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.CHANNEL})


@router.post("/riders", response_model=RiderOut, status_code=status.HTTP_201_CREATED, responses=problem_responses(409))
def create_rider(ctx: ContextDep, session: SessionDep, manager: ManagerDep, body: RiderIn) -> RiderOut:
    rider = rider_service.create_rider(session, manager, body)
    session.commit()
    return rider_service.rider_views(session, [rider], ctx.settings.delivery)[0]


@router.get("/riders", response_model=list[RiderOut])
def list_riders(
    ctx: ContextDep,
    session: SessionDep,
    manager: ManagerDep,
    store_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[RiderOut]:
    """Riders with their last fix, its age, GPS status (online/stale/offline) and MQTT presence."""
    found = rider_service.list_riders(session, manager, store_id)
    return rider_service.rider_views(session, found, ctx.settings.delivery)


@router.get("/riders/{rider_id}", response_model=RiderOut)
def get_rider(ctx: ContextDep, session: SessionDep, manager: ManagerDep, rider_id: str) -> RiderOut:
    rider = rider_service.visible_rider(session, manager, rider_id)
    return rider_service.rider_views(session, [rider], ctx.settings.delivery)[0]


@router.patch("/riders/{rider_id}", response_model=RiderOut)
def update_rider(
    ctx: ContextDep, session: SessionDep, manager: ManagerDep, rider_id: str, body: RiderPatch
) -> RiderOut:
    rider = rider_service.update_rider(session, manager, rider_id, body)
    session.commit()
    return rider_service.rider_views(session, [rider], ctx.settings.delivery)[0]


@router.get("/riders/{rider_id}/track", response_model=list[PositionOut])
def rider_track(
    session: SessionDep,
    manager: ManagerDep,
    rider_id: str,
    since: QueryDatetime | None = None,
    until: QueryDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[PositionOut]:
    """The rider's fixes, oldest first (the newest ``limit`` of the period)."""
    rider_service.visible_rider(session, manager, rider_id)
    return rider_service.track(session, rider_id, since, until, limit)


@router.get("/riders/{rider_id}/route", response_model=RouteOut)
def rider_route(session: SessionDep, manager: ManagerDep, rider_id: str) -> RoutePlanRecord:
    """The rider's current route with an ETA per stop."""
    rider_service.visible_rider(session, manager, rider_id)
    plan = session.scalars(
        select(RoutePlanRecord).where(route_plans.c.rider_id == rider_id, route_plans.c.current.is_(True))
    ).first()
    if plan is None:
        raise NotFound(f"rider {rider_id!r} has no route")
    return plan


@router.get("/orders/{order_id}/delivery", response_model=DeliveryOut)
def get_delivery(session: SessionDep, principal: PrincipalDep, order_id: str) -> DeliveryOut:
    """The delivery of an order, with the customer's code (for staff and for the order's own channel)."""
    if principal.role not in DELIVERY_READERS:
        raise Forbidden(f"the {principal.role} role may not read deliveries")
    order = visible_order(session, principal, order_id)
    delivery = session.get(Delivery, order.id)
    if delivery is None:
        locked = locked_delivery_order(session, order_id)
        delivery = ensure_delivery(session, locked)
        session.commit()
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.post("/orders/{order_id}/delivery/assign", response_model=DeliveryOut, responses=problem_responses(409))
def assign_rider(
    ctx: ContextDep, session: SessionDep, manager: ManagerDep, order_id: str, body: AssignIn
) -> DeliveryOut:
    """Assign a ready order to a rider by hand; the planner keeps it on that rider."""
    visible_order(session, manager, order_id)
    order = locked_delivery_order(session, order_id)
    rider = rider_of_store(session, body.rider_id, order.store_id)
    delivery = assign(session, order, rider, actor=manager.label, pinned=True)
    request_replan(session, order.store_id, delivery.updated_at)
    session.commit()
    ctx.wake_relay()
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.post("/orders/{order_id}/delivery/unassign", response_model=DeliveryOut, responses=problem_responses(409))
def unassign_rider(session: SessionDep, manager: ManagerDep, order_id: str) -> DeliveryOut:
    """Take an assigned (not yet picked up) order back: it is ready again."""
    visible_order(session, manager, order_id)
    order = locked_delivery_order(session, order_id)
    unassign_order(session, order, actor=manager.label, reason="unassigned by hand")
    delivery = ensure_delivery(session, order)
    request_replan(session, order.store_id, delivery.updated_at)
    session.commit()
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.post("/stores/{store_id}/dispatch", response_model=DispatchOut, responses=problem_responses(409))
def dispatch_store(
    ctx: ContextDep,
    session: SessionDep,
    manager: ManagerDep,
    store_id: str,
    seconds: Annotated[float | None, Query(gt=0, le=60)] = None,
) -> DispatchOut:
    """Plan every rider of the store now: assign ready orders with balanced workloads, route with ETAs."""
    visible_store(session, manager, store_id)
    store_plan, applied = plan_store(ctx.db, store_id, ctx.settings.delivery, ctx.messaging(), seconds=seconds)
    ctx.metrics.delivery_plans.inc()
    ctx.wake_relay()
    return DispatchOut(
        store_id=store_id,
        planned_at=applied.planned_at,
        runtime_s=round(store_plan.runtime_s, 3),
        routes=[RouteOut.model_validate(r, from_attributes=True) for r in applied.routes],
        assigned=applied.assigned,
        unassigned=applied.unassigned,
        unplanned=list(store_plan.unplanned),
        unplannable=list(store_plan.unplannable),
        late=applied.late,
        skipped=applied.skipped,
    )


def _current_plans(session: SessionDep, store_id: str) -> list[RoutePlanRecord]:
    return list(
        session.scalars(
            select(RoutePlanRecord)
            .where(route_plans.c.store_id == store_id, route_plans.c.current.is_(True))
            .order_by(route_plans.c.rider_id)
        )
    )


@router.get("/stores/{store_id}/routes", response_model=list[RouteOut])
def store_routes(session: SessionDep, manager: ManagerDep, store_id: str) -> list[RoutePlanRecord]:
    visible_store(session, manager, store_id)
    return _current_plans(session, store_id)


@router.get("/stores/{store_id}/routes.geojson", response_model=GeoJson)
def store_routes_geojson(session: SessionDep, manager: ManagerDep, store_id: str) -> GeoJson:
    """The current routes as a GeoJSON FeatureCollection (one LineString per rider, a Point per stop)."""
    store = visible_store(session, manager, store_id)
    place = (store.lat, store.lon) if store.lat is not None and store.lon is not None else None
    return routes_geojson(_current_plans(session, store_id), place)
