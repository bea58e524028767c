"""A delivery's life: assigned, picked up, arrived, delivered or failed. The caller commits.

Order states move only through ``hub.orders.api.apply_transition`` (ready -> assigned ->
picked_up -> delivered / failed), each with its order event; per-delivery facts (rider, code,
arrival, proof) live in ``deliveries``. Every step is idempotent: a redelivered rider event that
already happened changes nothing.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from sqlmodel import Session

from hub.db_types import utcnow
from hub.delivery.errors import NotADeliveryOrder, OtherRidersDelivery, UnknownRider, WrongDeliveryCode
from hub.delivery.sql import dialect_insert, store_dispatch
from hub.delivery.tables import Delivery, Rider
from hub.errors import InvalidInput, NotFound
from hub.orders.api import Fulfilment, InvalidTransition, Order, OrderStatus, apply_transition, lock_order, record_event

logger = logging.getLogger(__name__)


class Stage:
    UNASSIGNED = "unassigned"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


def new_code() -> str:
    return f"{secrets.randbelow(10_000):04d}"


def locked_delivery_order(session: Session, order_id: str) -> Order:
    order = lock_order(session, order_id)
    if order is None:
        raise NotFound(f"no order {order_id}")
    if order.fulfilment != Fulfilment.DELIVERY.value:
        raise NotADeliveryOrder(f"order {order_id} is {order.fulfilment}, not a delivery")
    return order


def ensure_delivery(session: Session, order: Order) -> Delivery:
    delivery = session.get(Delivery, order.id)
    if delivery is None:
        delivery = Delivery(
            order_id=order.id,
            store_id=order.store_id,
            code=new_code(),
            drop_lat=order.delivery_lat,
            drop_lon=order.delivery_lon,
        )
        session.add(delivery)
        session.flush()
    return delivery


def rider_of_store(session: Session, rider_id: str, store_id: str) -> Rider:
    rider = session.get(Rider, rider_id)
    if rider is None or rider.store_id != store_id:
        raise UnknownRider("no rider with this id in the order's store")
    if not rider.active:
        raise InvalidInput(f"rider {rider_id!r} is not active")
    return rider


def request_replan(session: Session, store_id: str, at: datetime) -> None:
    stmt = dialect_insert(session, store_dispatch).values(store_id=store_id, requested_at=at)
    session.execute(stmt.on_conflict_do_update(index_elements=["store_id"], set_={"requested_at": at}))


def assign(
    session: Session, order: Order, rider: Rider, *, actor: str, pinned: bool, at: datetime | None = None
) -> Delivery:
    """Give a ready (or already assigned) order to ``rider``."""
    when = at or utcnow()
    status = OrderStatus(order.status)
    if status not in (OrderStatus.READY, OrderStatus.ASSIGNED):
        raise InvalidTransition(f"only a ready order can be assigned to a rider; order {order.id} is {status}")
    delivery = ensure_delivery(session, order)
    if status is OrderStatus.ASSIGNED and delivery.rider_id == rider.id:
        if pinned and not delivery.pinned:
            delivery.pinned = True
            session.add(delivery)
        return delivery
    previous = delivery.rider_id if status is OrderStatus.ASSIGNED else None
    if status is not OrderStatus.ASSIGNED:
        apply_transition(session, order, OrderStatus.ASSIGNED, actor=actor, at=when, data={"rider_id": rider.id})
    delivery.rider_id = rider.id
    delivery.stage = Stage.ASSIGNED
    delivery.pinned = pinned
    delivery.assigned_at = when
    delivery.plan_id = None
    delivery.updated_at = when
    session.add(delivery)
    record_event(
        session,
        order.id,
        "delivery.reassigned" if previous else "delivery.assigned",
        actor=actor,
        at=when,
        data={"rider_id": rider.id, "previous_rider_id": previous, "manual": pinned},
    )
    return delivery


def unassign(session: Session, order: Order, *, actor: str, reason: str, at: datetime | None = None) -> None:
    when = at or utcnow()
    delivery = ensure_delivery(session, order)
    apply_transition(session, order, OrderStatus.READY, actor=actor, at=when, reason=reason)
    record_event(
        session,
        order.id,
        "delivery.unassigned",
        actor=actor,
        at=when,
        data={"rider_id": delivery.rider_id, "reason": reason},
    )
    delivery.rider_id = None
    delivery.stage = Stage.UNASSIGNED
    delivery.pinned = False
    delivery.plan_id = None
    delivery.sequence = None
    delivery.eta = None
    delivery.updated_at = when
    session.add(delivery)


def pick_up(session: Session, order: Order, rider: Rider, *, actor: str, at: datetime) -> bool:
    """False when it already happened (a redelivery)."""
    delivery = ensure_delivery(session, order)
    status = OrderStatus(order.status)
    if status in (OrderStatus.PICKED_UP, OrderStatus.DELIVERED, OrderStatus.FAILED):
        if delivery.rider_id != rider.id:
            raise OtherRidersDelivery(f"order {order.id} was picked up by another rider")
        return False
    if status is OrderStatus.ASSIGNED and delivery.rider_id not in (None, rider.id):
        raise OtherRidersDelivery(f"order {order.id} is assigned to another rider")
    if status not in (OrderStatus.READY, OrderStatus.ASSIGNED):
        raise InvalidTransition(f"only a ready order can be picked up; order {order.id} is {status}")
    if status is OrderStatus.READY or delivery.rider_id is None:
        delivery = assign(session, order, rider, actor=actor, pinned=True, at=at)
    apply_transition(session, order, OrderStatus.PICKED_UP, actor=actor, at=at, data={"rider_id": rider.id})
    delivery.stage = Stage.PICKED_UP
    delivery.picked_up_at = at
    delivery.pinned = True
    delivery.updated_at = at
    session.add(delivery)
    return True


def mark_arrived(
    session: Session, delivery: Delivery, *, by: str, actor: str, at: datetime, data: dict[str, Any] | None = None
) -> bool:
    """Record the one ``delivery.arrived``; False if the rider had already arrived."""
    if delivery.arrived_at is not None:
        return False
    delivery.arrived_at = at
    delivery.arrived_by = by
    delivery.updated_at = utcnow()
    session.add(delivery)
    record_event(
        session,
        delivery.order_id,
        "delivery.arrived",
        actor=actor,
        at=at,
        data={"rider_id": delivery.rider_id, "source": by, **(data or {})},
    )
    return True


def _riders_open_delivery(session: Session, order: Order, rider: Rider, at: datetime, actor: str) -> Delivery | None:
    """The delivery if ``rider`` may close it now; None if it is already closed by them."""
    delivery = ensure_delivery(session, order)
    status = OrderStatus(order.status)
    if delivery.rider_id not in (None, rider.id):
        raise OtherRidersDelivery(f"order {order.id} belongs to another rider")
    if status in (OrderStatus.DELIVERED, OrderStatus.FAILED):
        return None
    if status is OrderStatus.CANCELLED:
        raise InvalidTransition(f"order {order.id} was cancelled: nothing more can be reported on it")
    if status is not OrderStatus.PICKED_UP:
        pick_up(session, order, rider, actor=actor, at=at)  # the pick-up scan never reached us
    return delivery


def deliver(
    session: Session, order: Order, rider: Rider, *, actor: str, at: datetime, code: str | None, note: str | None
) -> bool:
    delivery = _riders_open_delivery(session, order, rider, at, actor)
    if delivery is None:
        return False
    if code is not None and code != delivery.code:
        raise WrongDeliveryCode(
            f"wrong delivery code for order {order.id}: ask the customer for their 4-digit code and enter it again"
        )
    if code is None and not note:
        raise InvalidInput("a delivery needs a proof: the customer's code or a note")
    proof: dict[str, Any] = {"kind": "code", "code": code} if code is not None else {"kind": "note", "note": note}
    mark_arrived(session, delivery, by="delivery", actor=actor, at=at)
    apply_transition(
        session, order, OrderStatus.DELIVERED, actor=actor, at=at, data={"rider_id": rider.id, "proof": proof}
    )
    delivery.stage = Stage.DELIVERED
    delivery.delivered_at = at
    delivery.proof_kind = proof["kind"]
    delivery.proof_note = note
    delivery.updated_at = at
    session.add(delivery)
    return True


def fail(
    session: Session, order: Order, rider: Rider, *, actor: str, at: datetime, reason: str, note: str | None
) -> bool:
    delivery = _riders_open_delivery(session, order, rider, at, actor)
    if delivery is None:
        return False
    apply_transition(
        session,
        order,
        OrderStatus.FAILED,
        actor=actor,
        at=at,
        reason=reason,
        data={"rider_id": rider.id, "failure_reason": reason, "note": note},
    )
    delivery.stage = Stage.FAILED
    delivery.failed_at = at
    delivery.failure_reason = reason
    delivery.proof_note = note
    delivery.updated_at = at
    session.add(delivery)
    return True
