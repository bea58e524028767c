"""What a rider reports about a stop, checked before it is queued. Pure (contracts only).

picked_up and arrived need nothing more; delivered needs a proof (the customer's 4-digit code or
a note); failed needs a reason, and "other" also a note saying what happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from contracts.rider import DeliveryEvent, DeliveryEventKind, FailureReason
from rider_tracker.errors import InvalidReport

CODE = re.compile(r"^[0-9]{4}$")

FAILURE_LABELS: dict[FailureReason, str] = {
    FailureReason.NOT_HOME: "无人在家 not home",
    FailureReason.WRONG_ADDRESS: "地址错误 wrong address",
    FailureReason.REFUSED: "拒收 refused",
    FailureReason.DAMAGED: "破损 damaged",
    FailureReason.OTHER: "其他 other",
}


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float


def build_report(
    *,
    rider_id: str,
    order_id: str,
    kind: DeliveryEventKind,
    at: datetime,
    code: str | None = None,
    note: str | None = None,
    reason: FailureReason | None = None,
    place: Place | None = None,
) -> DeliveryEvent:
    code = (code or "").strip() or None
    note = (note or "").strip() or None
    if kind is DeliveryEventKind.DELIVERED:
        if code is None and note is None:
            raise InvalidReport("a delivery needs the customer's 4-digit code or a note")
        if code is not None and not CODE.match(code):
            raise InvalidReport("the delivery code is 4 digits")
    if kind is DeliveryEventKind.FAILED:
        if reason is None:
            raise InvalidReport("say why the delivery failed")
        if reason is FailureReason.OTHER and note is None:
            raise InvalidReport("a failure for another reason needs a note")
    try:
        return DeliveryEvent(
            rider_id=rider_id,
            order_id=order_id,
            kind=kind,
            at=at,
            proof_code=code if kind is DeliveryEventKind.DELIVERED else None,
            note=note,
            reason=reason if kind is DeliveryEventKind.FAILED else None,
            lat=place.lat if place else None,
            lon=place.lon if place else None,
        )
    except ValidationError as exc:
        raise InvalidReport(f"report refused: {exc.errors()[0]['msg']}") from exc
