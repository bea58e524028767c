"""REST shapes of the delivery domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, Field, StringConstraints

from hub.api_types import RequestModel, StrictBool, StrictInt
from hub.delivery.rider_status import GpsStatus

RiderId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class RiderIn(RequestModel):
    id: RiderId
    """Also the rider segment of the rider's MQTT topics."""
    store_id: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=120)
    capacity: StrictInt = Field(default=6, ge=1, le=500)
    """Orders the bike's box carries on one trip."""


class RiderPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    capacity: StrictInt | None = Field(default=None, ge=1, le=500)
    active: StrictBool | None = None


class PositionOut(BaseModel):
    fix_at: datetime
    lat: float
    lon: float
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None


class RiderOut(BaseModel):
    id: str
    store_id: str
    name: str
    capacity: int
    active: bool
    gps_status: GpsStatus
    """From the age of the last fix: online, stale or offline."""
    fix_age_s: float | None
    presence: str | None
    """The tracker's MQTT presence (online/offline), a separate fact from the GPS status."""
    last_fix: PositionOut | None
    open_deliveries: int
    positions_dropped: int = 0
    """Positions the hub dropped because they were dated too far ahead of its clock."""
    last_drop_at: datetime | None = None
    last_drop_ahead_s: float | None = None
    """How far ahead of the hub's clock the last dropped position was dated."""
    gps_warning: str | None = None
    """Set while the hub drops this rider's positions (the receiver's date is wrong): what to check."""


class AssignIn(RequestModel):
    rider_id: RiderId


class DeliveryOut(BaseModel):
    order_id: str
    store_id: str
    rider_id: str | None
    stage: str
    code: str | None
    """The customer's 4-digit delivery code (shown to staff and to the order's own channel)."""
    pinned: bool
    assigned_at: datetime | None
    picked_up_at: datetime | None
    arrived_at: datetime | None
    arrived_by: str | None
    delivered_at: datetime | None
    failed_at: datetime | None
    failure_reason: str | None
    proof_kind: str | None
    plan_id: str | None
    sequence: int | None
    eta: datetime | None
    late_at: datetime | None
    expected_delay_s: int | None


class RouteStopOut(BaseModel):
    order_id: str
    sequence: int
    eta: datetime
    lat: float
    lon: float
    on_board: bool
    late: bool


class RouteOut(BaseModel):
    plan_id: str = Field(validation_alias=AliasChoices("plan_id", "id"))
    rider_id: str
    store_id: str
    version: int
    planned_at: datetime
    start_at: datetime
    end_at: datetime
    start_lat: float
    start_lon: float
    distance_m: int
    stops: list[RouteStopOut]


class DispatchOut(BaseModel):
    store_id: str
    planned_at: datetime
    runtime_s: float
    routes: list[RouteOut]
    assigned: list[str]
    unassigned: list[str]
    unplanned: list[str]
    """Open orders no rider can take now (they stay ready; the next plan tries again)."""
    unplannable: list[str]
    """Orders without delivery coordinates."""
    late: list[str]
    skipped: list[str]
    """Orders that changed while the plan was computed."""


GeoJson = dict[str, Any]
