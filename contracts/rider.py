"""Rider payloads: positions, delivery events and the route the hub plans for a rider."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import AwareDatetime, Field, model_validator

from contracts.base import Body, Identifier, LongText, ShortText


class RiderPosition(Body):
    """One GPS fix in WGS-84."""

    message_type: ClassVar[str] = "rider.position"

    rider_id: Identifier
    fix_at: AwareDatetime
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    speed_mps: float | None = Field(default=None, ge=0, le=100)
    heading_deg: float | None = Field(default=None, ge=0, le=360)
    accuracy_m: float | None = Field(default=None, ge=0)


class RiderPositionBatch(Body):
    message_type: ClassVar[str] = "rider.position_batch"

    rider_id: Identifier
    positions: tuple[RiderPosition, ...] = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _one_rider(self) -> RiderPositionBatch:
        if any(p.rider_id != self.rider_id for p in self.positions):
            raise ValueError("every position in a batch must belong to the batch's rider")
        return self


class DeliveryEventKind(StrEnum):
    PICKED_UP = "picked_up"
    ARRIVED = "arrived"
    DELIVERED = "delivered"
    FAILED = "failed"


class FailureReason(StrEnum):
    NOT_HOME = "not_home"
    WRONG_ADDRESS = "wrong_address"
    REFUSED = "refused"
    DAMAGED = "damaged"
    OTHER = "other"


class DeliveryEvent(Body):
    message_type: ClassVar[str] = "rider.delivery_event"

    rider_id: Identifier
    order_id: Identifier
    kind: DeliveryEventKind
    at: AwareDatetime
    proof_code: str | None = Field(default=None, pattern=r"^[0-9]{4}$")
    """The customer's 4-digit delivery code."""
    note: LongText | None = None
    reason: FailureReason | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _reason_iff_failed(self) -> DeliveryEvent:
        if self.kind is DeliveryEventKind.FAILED and self.reason is None:
            raise ValueError("a failed delivery needs a reason")
        if self.kind is DeliveryEventKind.DELIVERED and not (self.proof_code or self.note):
            raise ValueError("a delivery needs a proof: the customer's code or a note")
        return self


class RouteStop(Body):
    stop_id: Identifier
    order_id: Identifier
    sequence: int = Field(ge=1)
    address: LongText
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    window_start: AwareDatetime | None = None
    window_end: AwareDatetime | None = None
    eta: AwareDatetime
    notes: LongText | None = None
    customer_display: ShortText | None = None


class RiderRoute(Body):
    """The rider's current plan: retained on the rider's task topic, replaced by each re-plan."""

    message_type: ClassVar[str] = "rider.route"

    rider_id: Identifier
    plan_id: Identifier
    version: int = Field(ge=1)
    planned_at: AwareDatetime
    stops: tuple[RouteStop, ...] = ()
