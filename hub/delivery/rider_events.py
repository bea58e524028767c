"""Applying a rider tracker's delivery events (picked_up, arrived, delivered, failed) from MQTT.

An event on a stop that is not an order (``sub:<id>``, see ``hub.delivery.other_stops``) goes to the
domain that planned the stop, through the hub's in-process events.

The event's time (``at``, the rider's clock) is when it happened: picked up, delivered, failed. The
order's and the delivery's ``updated_at`` say when the hub wrote it (the hub's clock), so a report that
arrives late, from a tracker that was offline for an hour, is still a change since the analytics
rollups' watermark and is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from contracts.envelope import Envelope
from contracts.rider import DeliveryEvent, DeliveryEventKind
from hub.db_types import utcnow
from hub.delivery.errors import OtherRidersDelivery, RiderMismatch, UnknownRider
from hub.delivery.lifecycle import (
    deliver,
    ensure_delivery,
    fail,
    locked_delivery_order,
    mark_arrived,
    pick_up,
    rider_of_store,
)
from hub.delivery.other_stops import is_other_stop, report_other_stop
from hub.delivery.tables import Delivery, Rider
from hub.errors import InvalidInput
from hub.kernel.events import Events
from hub.orders.api import orders_table

deliveries_table = Delivery.__table__  # type: ignore[attr-defined]

RiderEventApply = Callable[[Session, Envelope[DeliveryEvent], dict[str, str]], None]


def rider_event_applier(events: Events, clock: Callable[[], datetime] = utcnow) -> RiderEventApply:
    """``apply_rider_event`` with the hub's event wiring (who owns the stops that are not orders) and
    the hub's clock."""

    def apply(session: Session, envelope: Envelope[DeliveryEvent], params: dict[str, str]) -> None:
        apply_rider_event(session, envelope, params, events=events, now=clock())

    return apply


def apply_rider_event(
    session: Session,
    envelope: Envelope[DeliveryEvent],
    params: dict[str, str],
    *,
    events: Events | None = None,
    now: datetime | None = None,
) -> None:
    body = envelope.body
    if body.rider_id != params["rider_id"]:
        raise RiderMismatch(f"an event of rider {body.rider_id} on the topic of rider {params['rider_id']}")
    if is_other_stop(body.order_id):
        rider = session.get(Rider, body.rider_id)
        if rider is None:
            raise UnknownRider("no rider with this id")
        if not rider.active:
            raise InvalidInput(f"rider {rider.id!r} is not active")
        report_other_stop(session, events or Events(), body, rider.store_id)
        return
    order = locked_delivery_order(session, body.order_id)
    rider = rider_of_store(session, body.rider_id, order.store_id)
    actor = f"rider:{rider.id}"
    if body.kind is DeliveryEventKind.PICKED_UP:
        pick_up(session, order, rider, actor=actor, at=body.at)
    elif body.kind is DeliveryEventKind.ARRIVED:
        delivery = ensure_delivery(session, order)
        if delivery.rider_id not in (None, rider.id):
            raise OtherRidersDelivery(f"order {order.id} belongs to another rider")
        data = {"lat": body.lat, "lon": body.lon} if body.lat is not None and body.lon is not None else None
        mark_arrived(session, delivery, by="rider", actor=actor, at=body.at, data=data)
    elif body.kind is DeliveryEventKind.DELIVERED:
        deliver(session, order, rider, actor=actor, at=body.at, code=body.proof_code, note=body.note)
    else:
        assert body.reason is not None  # the contract requires it
        fail(session, order, rider, actor=actor, at=body.at, reason=body.reason.value, note=body.note)
    _written(session, order.id, now or utcnow())


def _written(session: Session, order_id: str, now: datetime) -> None:
    """Stamp the order and its delivery with the hub's time of writing (never earlier than it was)."""
    session.flush()
    for table, key in ((orders_table, orders_table.c.id), (deliveries_table, deliveries_table.c.order_id)):
        session.execute(update(table).where(key == order_id, table.c.updated_at < now).values(updated_at=now))
