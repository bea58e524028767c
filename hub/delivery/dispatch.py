"""Automatic dispatch: a store snapshot in, every rider's next route with ETAs out. No database.

Two planner runs, both PyVRP through ``hub.delivery.planning``:

1. Riders with orders already on their bike start at their current position (their last fix, or
   the store when the GPS is offline), deliver those orders (pinned to them) and return to the store.
2. Every available rider then starts at the store no earlier than their return (a rider heading
   back empty starts after the ride back), with the ready and assigned orders: capacity capped for
   an even workload, hand-assigned orders pinned, each order's promised time as its window, the
   maximum route duration, warm-started from the current plan.

An order that cannot be kept on time is still planned (after its window) and flagged late; an order
no rider can take now stays unplanned until the next plan.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.delivery.balance import RiderLoad, trip_capacities
from hub.delivery.planning.matrix import GreatCircleMatrix
from hub.delivery.planning.problem import Place, Plan, Problem, Stop, Vehicle
from hub.delivery.planning.solver import Budget, plan
from hub.delivery.rider_status import GpsStatus
from hub.delivery.settings import DeliverySettings
from hub.delivery.snapshot import OrderView, RiderView, StoreSnapshot
from hub.delivery.travel_model import travel_model
from hub.kernel.geo import haversine_m
from hub.orders.api import OrderStatus

logger = logging.getLogger(__name__)

AT_STORE_M = 150.0
"""A rider closer than this to the store is at the store."""


@dataclass(frozen=True)
class StopPlan:
    order_id: str
    sequence: int
    eta: datetime
    place: Place
    on_board: bool
    late: bool
    """The ETA is after the promised time."""


@dataclass(frozen=True)
class RiderPlan:
    rider_id: str
    start: Place
    start_at: datetime
    end_at: datetime
    distance_m: int
    stops: tuple[StopPlan, ...]


@dataclass(frozen=True)
class StorePlan:
    snapshot: StoreSnapshot
    riders: tuple[RiderPlan, ...]
    unplanned: tuple[str, ...]
    """Open orders no rider can take in this plan."""
    unplannable: tuple[str, ...]
    """Orders without delivery coordinates."""
    runtime_s: float

    def rider(self, rider_id: str) -> RiderPlan | None:
        return next((r for r in self.riders if r.rider_id == rider_id), None)


def matrix_provider(settings: DeliverySettings, snapshot: StoreSnapshot) -> GreatCircleMatrix:
    return travel_model(settings, snapshot.taken_at, snapshot.timezone)


def plan_snapshot(snapshot: StoreSnapshot, settings: DeliverySettings, seconds: float | None = None) -> StorePlan:
    epoch = snapshot.taken_at.replace(microsecond=0)
    provider = matrix_provider(settings, snapshot)
    budget_s = settings.plan_seconds if seconds is None else seconds
    riders = {r.rider_id: r for r in snapshot.riders}
    plannable = [o for o in snapshot.orders if o.place is not None]
    unplannable = tuple(o.order_id for o in snapshot.orders if o.place is None)
    on_board = [o for o in plannable if o.status is OrderStatus.PICKED_UP and o.rider_id in riders]
    waiting = [o for o in plannable if o.status is not OrderStatus.PICKED_UP]

    first = _deliver_on_board(snapshot, on_board, riders, provider, epoch, settings, budget_s)
    back_at = {r.vehicle_id: r.end_s for r in first.routes}
    for rider in snapshot.riders:
        if rider.rider_id not in back_at and _away(rider, snapshot.place):
            assert rider.position is not None
            back_at[rider.rider_id] = provider.seconds_between(rider.position, snapshot.place)

    pinned_riders = {o.rider_id for o in waiting if o.pinned and o.rider_id in riders}
    available = [r for r in snapshot.riders if _available(r, settings) or r.rider_id in pinned_riders]
    on_board_count = {rid: sum(1 for o in on_board if o.rider_id == rid) for rid in riders}
    caps = trip_capacities(
        [
            RiderLoad(
                r.rider_id,
                r.capacity,
                on_board=on_board_count[r.rider_id],
                pinned=sum(1 for o in waiting if o.pinned and o.rider_id == r.rider_id),
            )
            for r in available
        ],
        new_stops=len(waiting),
        slack=settings.balance_slack,
    )
    vehicles = tuple(
        Vehicle(
            vehicle_id=r.rider_id,
            start=snapshot.place,
            end=snapshot.place,
            capacity=caps[r.rider_id],
            earliest_start_s=back_at.get(r.rider_id, 0),
            max_duration_s=settings.max_route_s,
            max_trips=settings.max_trips,
        )
        for r in available
        if caps[r.rider_id] > 0
    )
    stops = tuple(
        _stop(o, epoch, settings, pinned_to=o.rider_id if o.pinned and o.rider_id in riders else None) for o in waiting
    )
    second = plan(
        Problem(vehicles=vehicles, stops=stops, horizon_s=settings.horizon_s, optional_stops=True),
        provider,
        Budget(seconds=budget_s, no_improvement=3000),
        warm_start={r.rider_id: [s for s in r.previous_stops if s in {o.order_id for o in waiting}] for r in available},
    )
    by_id = {o.order_id: o for o in plannable}
    rider_plans = []
    first_routes = {r.vehicle_id: r for r in first.routes}
    second_routes = {r.vehicle_id: r for r in second.routes if r.visits}
    for rider in snapshot.riders:
        legs = [first_routes.get(rider.rider_id), second_routes.get(rider.rider_id)]
        visits = [(v, leg is legs[0]) for leg in legs if leg is not None for v in leg.visits]
        if not visits and not rider.previous_stops:
            continue
        start_s = min((leg.start_s for leg in legs if leg is not None), default=0)
        end_s = max((leg.end_s for leg in legs if leg is not None), default=0)
        rider_plans.append(
            RiderPlan(
                rider_id=rider.rider_id,
                start=_position_or_store(rider, snapshot.place) if rider.rider_id in first_routes else snapshot.place,
                start_at=epoch + timedelta(seconds=start_s),
                end_at=epoch + timedelta(seconds=end_s),
                distance_m=sum(leg.distance for leg in legs if leg is not None),
                stops=tuple(
                    _stop_plan(by_id[v.stop_id], n, epoch + timedelta(seconds=v.arrival_s), on_board, settings)
                    for n, (v, on_board) in enumerate(visits, start=1)
                ),
            )
        )
    return StorePlan(
        snapshot=snapshot,
        riders=tuple(rider_plans),
        unplanned=tuple(second.unplanned) + tuple(first.unplanned),
        unplannable=unplannable,
        runtime_s=first.runtime_s + second.runtime_s,
    )


def _deliver_on_board(
    snapshot: StoreSnapshot,
    on_board: Sequence[OrderView],
    riders: dict[str, RiderView],
    provider: GreatCircleMatrix,
    epoch: datetime,
    settings: DeliverySettings,
    budget_s: float,
) -> Plan:
    carrying = sorted({o.rider_id for o in on_board if o.rider_id is not None})
    vehicles = tuple(
        Vehicle(
            vehicle_id=rid,
            start=_position_or_store(riders[rid], snapshot.place),
            end=snapshot.place,
            capacity=max(1, sum(1 for o in on_board if o.rider_id == rid)),
        )
        for rid in carrying
    )
    stops = tuple(_stop(o, epoch, settings, pinned_to=o.rider_id) for o in on_board)
    return plan(
        Problem(vehicles=vehicles, stops=stops, horizon_s=settings.horizon_s, optional_stops=True),
        provider,
        Budget(seconds=min(1.0, max(0.2, budget_s / 4)), no_improvement=500),
        warm_start={rid: list(riders[rid].previous_stops) for rid in carrying},
    )


def _stop(order: OrderView, epoch: datetime, settings: DeliverySettings, *, pinned_to: str | None) -> Stop:
    assert order.place is not None
    window = None
    if order.promised_at is not None:
        window = (0, math.floor((order.promised_at - epoch).total_seconds()))
    return Stop(order.order_id, order.place, 1, settings.service_s, window, pinned_to)


def _stop_plan(order: OrderView, sequence: int, eta: datetime, on_board: bool, settings: DeliverySettings) -> StopPlan:
    late = order.promised_at is not None and eta > order.promised_at + timedelta(seconds=settings.late_grace_s)
    assert order.place is not None
    return StopPlan(order.order_id, sequence, eta, order.place, on_board, late)


def _position_or_store(rider: RiderView, store: Place) -> Place:
    if rider.position is None or rider.gps is GpsStatus.OFFLINE:
        return store
    return rider.position


def _away(rider: RiderView, store: Place) -> bool:
    if rider.position is None or rider.gps is GpsStatus.OFFLINE:
        return False
    return haversine_m(*rider.position, *store) > AT_STORE_M


def _available(rider: RiderView, settings: DeliverySettings) -> bool:
    return rider.gps is GpsStatus.ONLINE or (rider.gps is GpsStatus.STALE and settings.dispatch_stale_riders)
