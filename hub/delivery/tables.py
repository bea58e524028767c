"""Riders, their positions, deliveries and route plans.

``rider_positions`` is the one high-volume table: its primary key (rider_id, fix_at) is both the
index every track query uses and the uniqueness that makes a replayed batch harmless. At scale it
is partitioned by day on fix_at (see hub/delivery/README.md); it has no foreign key so that
partitions can be attached, detached and dropped cheaply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class Rider(SQLModel, table=True):
    __tablename__ = "riders"

    id: str = Field(primary_key=True, max_length=64)
    """Also the rider segment of the rider's topics."""
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    name: str = Field(max_length=120)
    capacity: int = Field(default=6, ge=1)
    """Orders the bike's box carries on one trip."""
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    positions_dropped: int = 0
    """Positions the hub dropped because they were dated too far ahead of its clock (a receiver's date bug)."""
    last_drop_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the hub last dropped one (its own clock)."""
    last_drop_ahead_s: float | None = None
    """How far ahead of the hub's clock the last dropped position was dated."""


class RiderPositionRecord(SQLModel, table=True):
    """One GPS fix (WGS-84). Written in batches with Core statements, never one ORM object per row."""

    __tablename__ = "rider_positions"

    rider_id: str = Field(primary_key=True, max_length=64)
    fix_at: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    lat: float
    lon: float
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None
    received_at: datetime = Field(sa_type=UTCDateTime)


class RiderLastPosition(SQLModel, table=True):
    """The newest fix per rider: what the dispatcher's map and the status come from."""

    __tablename__ = "rider_last_positions"

    rider_id: str = Field(primary_key=True, max_length=64)
    fix_at: datetime = Field(sa_type=UTCDateTime)
    lat: float
    lon: float
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None
    received_at: datetime = Field(sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """The delivery side of a delivery order: rider, code, arrival, proof, plan and lateness."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_rider_stage", "rider_id", "stage"),)

    order_id: str = Field(foreign_key="orders.id", primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    rider_id: str | None = Field(default=None, foreign_key="riders.id", max_length=64)
    stage: str = Field(default="unassigned", max_length=16)
    """unassigned, assigned, picked_up, delivered, failed, cancelled."""
    code: str = Field(max_length=4)
    """The 4-digit code the customer gives the rider as proof of delivery."""
    pinned: bool = False
    """Assigned by hand: the planner keeps it on this rider."""
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    picked_up_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    arrived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    arrived_by: str | None = Field(default=None, max_length=16)
    """geofence or rider."""
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure_reason: str | None = Field(default=None, max_length=32)
    proof_kind: str | None = Field(default=None, max_length=8)
    """code or note."""
    proof_note: str | None = Field(default=None, max_length=2000)
    drop_lat: float | None = None
    drop_lon: float | None = None
    """WGS-84 drop-off, copied from the order for the geofence."""
    plan_id: str | None = Field(default=None, max_length=36)
    sequence: int | None = None
    eta: datetime | None = Field(default=None, sa_type=UTCDateTime)
    late_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When ``delivery.late`` was recorded: once per delivery."""
    expected_delay_s: int | None = None
    gf_candidate_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    gf_last_fix_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RoutePlanRecord(SQLModel, table=True):
    """One version of a rider's route; the newest (current) one is retained on the rider's topic."""

    __tablename__ = "route_plans"
    __table_args__ = (
        UniqueConstraint("rider_id", "version", name="uq_route_plan_version"),
        Index("ix_route_plans_store_current", "store_id", "current"),
    )

    id: str = Field(primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="stores.id", max_length=64)
    rider_id: str = Field(foreign_key="riders.id", max_length=64)
    version: int
    current: bool = True
    planned_at: datetime = Field(sa_type=UTCDateTime)
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    """Back at the store."""
    start_lat: float
    start_lon: float
    distance_m: int = 0
    stops: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    """[{order_id, sequence, eta, lat, lon, window_start, window_end, on_board}] in visiting order."""


class StoreDispatch(SQLModel, table=True):
    """When a store was last planned and whether something asked for a new plan since."""

    __tablename__ = "store_dispatch"

    store_id: str = Field(foreign_key="stores.id", primary_key=True, max_length=64)
    planned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    plan_seconds: float | None = None
