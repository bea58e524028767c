"""Stops on a rider's route that are not orders (a milk depot's subscription drops).

A rider's route (``contracts.rider.RiderRoute``) may carry stops another domain planned; their id is
``<owner>:<reference>`` (an order id never holds a ``:``). The rider reports on them as on any stop, with a
``DeliveryEvent`` naming the stop id as its ``order_id``; the delivery domain checks the rider and
publishes ``RiderStopReported`` on the session's in-process events (``hub.kernel.events``). The owning
domain's handler, subscribed in ``hub.wiring``, applies it in the same transaction, or raises a
``DomainError`` that the bridge answers to the rider as a refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from contracts.rider import DeliveryEvent, DeliveryEventKind, FailureReason
from hub.delivery.errors import UnknownStop
from hub.kernel.events import Conn, Events

SEPARATOR = ":"


def is_other_stop(stop_id: str) -> bool:
    return SEPARATOR in stop_id


def other_stop_id(owner: str, reference: str) -> str:
    """The id of a stop ``owner`` planned (``sub:123``)."""
    return f"{owner}{SEPARATOR}{reference}"


@dataclass(frozen=True)
class RiderStopReported:
    """A rider's report on a stop that is not an order. ``rider_id`` is an active rider of ``store_id``."""

    owner: str
    reference: str
    rider_id: str
    store_id: str
    kind: DeliveryEventKind
    at: datetime
    reason: FailureReason | None
    note: str | None
    proof_code: str | None


OwnerHandler = Callable[[Conn, RiderStopReported], None]


def by_owner(handlers: Mapping[str, OwnerHandler]) -> OwnerHandler:
    """One ``RiderStopReported`` handler from each owner's (what ``hub.wiring`` subscribes); a stop of an
    owner nobody handles is refused."""

    def handle(conn: Conn, event: RiderStopReported) -> None:
        handler = handlers.get(event.owner)
        if handler is None:
            raise UnknownStop(f"no stop {other_stop_id(event.owner, event.reference)} on any route of this hub")
        handler(conn, event)

    return handle


def report_other_stop(session: Session, events: Events, body: DeliveryEvent, store_id: str) -> None:
    """Hand the rider's report to the stop's owner (through ``events``); raises what the owner refuses."""
    owner, _, reference = body.order_id.partition(SEPARATOR)
    if not events.handlers(RiderStopReported):
        raise UnknownStop(f"no stop {body.order_id} on any route of this hub")
    events.publish(
        session,
        RiderStopReported(
            owner=owner,
            reference=reference,
            rider_id=body.rider_id,
            store_id=store_id,
            kind=body.kind,
            at=body.at,
            reason=body.reason,
            note=body.note,
            proof_code=body.proof_code,
        ),
    )
