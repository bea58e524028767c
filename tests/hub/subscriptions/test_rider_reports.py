"""Which subscription outcome a rider's report settles, and who a report on a stop that is not an order
goes to. Pure: no database, no broker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.rider import DeliveryEventKind, FailureReason
from hub.billing.api import DeliveryOutcome
from hub.delivery.api import RiderStopReported, UnknownStop, by_owner
from hub.subscriptions.rider_reports import outcome_of

AT = datetime(2026, 3, 2, 22, 40, tzinfo=UTC)


def reported(kind: DeliveryEventKind, reason: FailureReason | None = None, owner: str = "sub") -> RiderStopReported:
    return RiderStopReported(owner, "17", "r1", "d-1", kind, AT, reason, note=None, proof_code=None)


@pytest.mark.parametrize(
    ("kind", "reason", "outcome"),
    [
        (DeliveryEventKind.DELIVERED, None, DeliveryOutcome.DELIVERED),
        (DeliveryEventKind.FAILED, FailureReason.NOT_HOME, DeliveryOutcome.NOT_HOME),
        (DeliveryEventKind.FAILED, FailureReason.REFUSED, DeliveryOutcome.FAILED),
        (DeliveryEventKind.FAILED, FailureReason.WRONG_ADDRESS, DeliveryOutcome.FAILED),
        (DeliveryEventKind.PICKED_UP, None, None),  # loading the crates settles nothing
        (DeliveryEventKind.ARRIVED, None, None),
    ],
)
def test_a_riders_report_settles_the_outcome_the_store_policy_charges_for(
    kind: DeliveryEventKind, reason: FailureReason | None, outcome: DeliveryOutcome | None
) -> None:
    assert outcome_of(reported(kind, reason)) is outcome


def test_a_report_goes_to_the_stops_owner_and_an_unknown_owner_is_refused() -> None:
    seen: list[RiderStopReported] = []

    def subscriptions(conn: Any, event: RiderStopReported) -> None:
        seen.append(event)

    handle = by_owner({"sub": subscriptions})
    handle(None, reported(DeliveryEventKind.DELIVERED))  # type: ignore[arg-type]
    assert [e.reference for e in seen] == ["17"]
    with pytest.raises(UnknownStop, match="no stop box:17 on any route"):
        handle(None, reported(DeliveryEventKind.DELIVERED, owner="box"))  # type: ignore[arg-type]
    assert len(seen) == 1
