"""Riders: registration, what the dispatcher sees of each, and their tracks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from hub.audit.service import record_audit
from hub.db_types import utcnow
from hub.delivery.errors import UnknownRider
from hub.delivery.lifecycle import Stage
from hub.delivery.rider_status import fix_age_s, gps_status, gps_time_warning
from hub.delivery.schemas import PositionOut, RiderIn, RiderOut, RiderPatch
from hub.delivery.settings import DeliverySettings
from hub.delivery.sql import deliveries, last_positions, orders, positions
from hub.delivery.tables import Rider
from hub.devices.api import devices_table
from hub.errors import Conflict, NotFound
from hub.kernel.principal import Principal
from hub.orders.api import OrderStatus
from hub.stores.api import visible_store

devices = devices_table


def visible_rider(session: Session, principal: Principal, rider_id: str) -> Rider:
    rider = session.get(Rider, rider_id)
    if rider is None or not principal.sees_store(rider.store_id):
        raise UnknownRider("no rider with this id")
    return rider


def create_rider(session: Session, principal: Principal, body: RiderIn) -> Rider:
    visible_store(session, principal, body.store_id)
    if session.get(Rider, body.id) is not None:
        raise Conflict(f"rider {body.id!r} already exists")
    rider = Rider(id=body.id, store_id=body.store_id, name=body.name, capacity=body.capacity)
    session.add(rider)
    record_audit(session, actor=principal.label, action="rider.create", target_type="rider", target_id=body.id)
    return rider


def update_rider(session: Session, principal: Principal, rider_id: str, body: RiderPatch) -> Rider:
    rider = visible_rider(session, principal, rider_id)
    changes = body.model_dump(exclude_none=True)
    for name, value in changes.items():
        setattr(rider, name, value)
    session.add(rider)
    record_audit(
        session, actor=principal.label, action="rider.update", target_type="rider", target_id=rider_id, detail=changes
    )
    return rider


def list_riders(session: Session, principal: Principal, store_id: str | None) -> list[Rider]:
    query = select(Rider).order_by(Rider.id)
    if store_id is not None:
        if not principal.sees_store(store_id):
            raise NotFound("no store with this id")
        query = query.where(Rider.store_id == store_id)  # type: ignore[arg-type]
    if principal.store_ids is not None:
        query = query.where(Rider.store_id.in_(sorted(principal.store_ids)))  # type: ignore[attr-defined]
    return list(session.scalars(query))


def rider_views(
    session: Session, found: Sequence[Rider], settings: DeliverySettings, now: datetime | None = None
) -> list[RiderOut]:
    now = now or utcnow()
    ids = [r.id for r in found]
    fixes = {p.rider_id: p for p in session.execute(select(last_positions).where(last_positions.c.rider_id.in_(ids)))}
    presence: dict[str, str] = {}
    for row in session.execute(select(devices.c.rider_id, devices.c.details).where(devices.c.rider_id.in_(ids))):
        status = (row.details or {}).get("presence")
        if status and presence.get(row.rider_id) != "online":
            presence[row.rider_id] = status
    open_counts = dict(
        session.execute(
            select(deliveries.c.rider_id, func.count())
            .join(orders, orders.c.id == deliveries.c.order_id)
            .where(
                deliveries.c.rider_id.in_(ids),
                deliveries.c.stage.in_([Stage.ASSIGNED, Stage.PICKED_UP]),
                orders.c.status.in_([OrderStatus.ASSIGNED.value, OrderStatus.PICKED_UP.value]),
            )
            .group_by(deliveries.c.rider_id)
        ).all()
    )
    views = []
    for rider in found:
        fix = fixes.get(rider.id)
        fix_at = fix.fix_at if fix is not None else None
        views.append(
            RiderOut(
                id=rider.id,
                store_id=rider.store_id,
                name=rider.name,
                capacity=rider.capacity,
                active=rider.active,
                gps_status=gps_status(
                    fix_at, now, stale_after_s=settings.stale_after_s, offline_after_s=settings.offline_after_s
                ),
                fix_age_s=fix_age_s(fix_at, now),
                presence=presence.get(rider.id),
                last_fix=_position(fix) if fix is not None else None,
                open_deliveries=int(open_counts.get(rider.id, 0)),
                positions_dropped=rider.positions_dropped,
                last_drop_at=rider.last_drop_at,
                last_drop_ahead_s=rider.last_drop_ahead_s,
                gps_warning=gps_time_warning(
                    rider.positions_dropped,
                    rider.last_drop_at,
                    rider.last_drop_ahead_s,
                    fix.received_at if fix is not None else None,
                ),
            )
        )
    return views


def track(
    session: Session, rider_id: str, since: datetime | None, until: datetime | None, limit: int
) -> list[PositionOut]:
    query = select(positions).where(positions.c.rider_id == rider_id)
    if since is not None:
        query = query.where(positions.c.fix_at >= since)
    if until is not None:
        query = query.where(positions.c.fix_at <= until)
    rows = session.execute(query.order_by(positions.c.fix_at.desc()).limit(limit)).all()
    return [_position(r) for r in reversed(rows)]


def _position(row: object) -> PositionOut:
    return PositionOut.model_validate(row, from_attributes=True)
