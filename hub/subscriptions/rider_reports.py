"""A rider's report from the bike on a subscription stop (``sub:<delivery id>`` on the route the cut-off
pushed): delivered / failed settle the delivery as ``POST /subscription-deliveries/{id}/outcome`` does
(``outcomes.record_outcome``: charged once per the store's policy). It runs on the bridge's session, in the
transaction that also claims the MQTT message id, so a redelivered message changes nothing; a second
message with the same outcome changes nothing either.

Refused (answered to the rider by the bridge): a stop that is not one of this store's deliveries, a stop
on another rider's route, an outcome other than the one already recorded.
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from contracts.rider import DeliveryEventKind, FailureReason
from hub.billing.api import DeliveryOutcome
from hub.delivery.api import RiderStopReported, UnknownStop
from hub.kernel.events import Conn
from hub.kernel.principal import Principal
from hub.kernel.roles import Role
from hub.subscriptions import outcomes
from hub.subscriptions.errors import OtherRidersStop
from hub.subscriptions.rider_routes import stop_id
from hub.subscriptions.tables import SubscriptionDelivery

logger = logging.getLogger(__name__)


def outcome_of(event: RiderStopReported) -> DeliveryOutcome | None:
    """What the report settles (None: picked up / arrived, which settle nothing)."""
    if event.kind is DeliveryEventKind.DELIVERED:
        return DeliveryOutcome.DELIVERED
    if event.kind is DeliveryEventKind.FAILED:
        return DeliveryOutcome.NOT_HOME if event.reason is FailureReason.NOT_HOME else DeliveryOutcome.FAILED
    return None


def apply_rider_report(conn: Conn, event: RiderStopReported) -> None:
    """Subscribed in ``hub.wiring`` for the ``sub`` stops of ``RiderStopReported``."""
    assert isinstance(conn, Session), "the bridge publishes rider reports on its ORM session"
    session = conn
    row = _delivery(session, event)
    if row.rider_id != event.rider_id:
        raise OtherRidersStop(f"stop {event.owner}:{event.reference} is on another rider's route")
    outcome = outcome_of(event)
    if outcome is None:
        return
    rider = Principal(
        kind="rider", id=event.rider_id, name=event.rider_id, role=Role.DEVICE, store_ids=frozenset({row.store_id})
    )
    assert row.id is not None
    recorded = outcomes.record_outcome(session, rider, row.id, outcome, event.at)
    logger.info(
        "subscription delivery %s reported %s by rider %s: %d fen charged",
        row.id,
        outcome,
        event.rider_id,
        recorded.charged_fen,
    )


def _delivery(session: Session, event: RiderStopReported) -> SubscriptionDelivery:
    numeric = event.reference.isdigit() and len(event.reference) <= 18
    row = session.get(SubscriptionDelivery, int(event.reference)) if numeric else None
    if row is None or row.store_id != event.store_id or stop_id(row.id or 0) != f"{event.owner}:{event.reference}":
        raise UnknownStop(f"no subscription stop {event.owner}:{event.reference} in this rider's store")
    return row
