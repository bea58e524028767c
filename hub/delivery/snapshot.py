"""What a store's dispatcher sees at one moment: its riders and its open delivery orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlmodel import Session

from hub.crm.api import customers_table, mask_name
from hub.delivery.errors import NothingToPlan
from hub.delivery.planning.problem import Place
from hub.delivery.rider_status import GpsStatus, gps_status
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import deliveries, last_positions, orders, riders, route_plans
from hub.delivery.tables import RoutePlanRecord
from hub.errors import NotFound
from hub.orders.api import Fulfilment, OrderStatus
from hub.stores.api import Store

customers = customers_table
OPEN_STATUSES = (OrderStatus.READY.value, OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value)


@dataclass(frozen=True)
class RiderView:
    rider_id: str
    capacity: int
    position: Place | None
    fix_at: datetime | None
    gps: GpsStatus
    previous_stops: tuple[str, ...]
    """Order ids of the rider's current plan, for the warm start."""
    previous_version: int


@dataclass(frozen=True)
class OrderView:
    order_id: str
    status: OrderStatus
    rider_id: str | None
    pinned: bool
    place: Place | None
    promised_at: datetime | None
    address: str
    notes: str | None
    customer_display: str | None


@dataclass(frozen=True)
class StoreSnapshot:
    store_id: str
    place: Place
    timezone: str
    taken_at: datetime
    riders: tuple[RiderView, ...]
    orders: tuple[OrderView, ...]

    def rider(self, rider_id: str) -> RiderView | None:
        return next((r for r in self.riders if r.rider_id == rider_id), None)


def take_snapshot(session: Session, store_id: str, settings: DeliverySettings, now: datetime) -> StoreSnapshot:
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(f"no store {store_id!r}")
    if store.lat is None or store.lon is None:
        raise NothingToPlan(f"store {store_id!r} has no coordinates: set its lat/lon to plan routes")
    rider_rows = session.execute(
        select(riders.c.id, riders.c.capacity, last_positions.c.lat, last_positions.c.lon, last_positions.c.fix_at)
        .select_from(riders.outerjoin(last_positions, last_positions.c.rider_id == riders.c.id))
        .where(riders.c.store_id == store_id, riders.c.active.is_(True))
        .order_by(riders.c.id)
    ).all()
    current_plans = {
        p.rider_id: p
        for p in session.execute(
            select(RoutePlanRecord).where(
                route_plans.c.store_id == store_id,
                route_plans.c.current.is_(True),
            )
        ).scalars()
    }
    rider_views = tuple(
        RiderView(
            rider_id=r.id,
            capacity=r.capacity,
            position=(r.lat, r.lon) if r.lat is not None and r.lon is not None else None,
            fix_at=r.fix_at,
            gps=gps_status(
                r.fix_at, now, stale_after_s=settings.stale_after_s, offline_after_s=settings.offline_after_s
            ),
            previous_stops=tuple(s["order_id"] for s in current_plans[r.id].stops) if r.id in current_plans else (),
            previous_version=current_plans[r.id].version if r.id in current_plans else 0,
        )
        for r in rider_rows
    )
    order_rows = session.execute(
        select(
            orders.c.id,
            orders.c.status,
            orders.c.delivery_lat,
            orders.c.delivery_lon,
            orders.c.promised_at,
            orders.c.delivery_address,
            orders.c.notes,
            customers.c.display_name,
            deliveries.c.rider_id,
            deliveries.c.pinned,
        )
        .select_from(
            orders.outerjoin(deliveries, deliveries.c.order_id == orders.c.id).outerjoin(
                customers, customers.c.id == orders.c.customer_id
            )
        )
        .where(
            and_(
                orders.c.store_id == store_id,
                orders.c.fulfilment == Fulfilment.DELIVERY.value,
                orders.c.status.in_(OPEN_STATUSES),
            )
        )
        .order_by(orders.c.placed_at, orders.c.id)
    ).all()
    order_views = tuple(
        OrderView(
            order_id=o.id,
            status=OrderStatus(o.status),
            rider_id=o.rider_id if o.status != OrderStatus.READY.value else None,
            pinned=bool(o.pinned) and o.status != OrderStatus.READY.value,
            place=(o.delivery_lat, o.delivery_lon)
            if o.delivery_lat is not None and o.delivery_lon is not None
            else None,
            promised_at=o.promised_at,
            address=o.delivery_address or "",
            notes=o.notes,
            customer_display=mask_name(o.display_name) if o.display_name else None,
        )
        for o in order_rows
    )
    return StoreSnapshot(
        store_id=store_id,
        place=(store.lat, store.lon),
        timezone=store.timezone,
        taken_at=now,
        riders=rider_views,
        orders=order_views,
    )
