"""Delivery settings: part of ``HubSettings`` (``BRIGADE_DELIVERY__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DeliverySettings(BaseModel):
    stale_after_s: float = Field(default=60.0, gt=0)
    """A rider's GPS is stale when the last fix is older than this."""
    offline_after_s: float = Field(default=600.0, gt=0)
    """... and offline past this (or when there never was a fix)."""
    max_future_fix_s: float = Field(default=300.0, ge=0)
    """Fixes dated further ahead than this are dropped (a device clock gone wrong)."""
    geofence_enter_m: float = Field(default=40.0, gt=0)
    geofence_exit_m: float = Field(default=100.0, gt=0)
    geofence_dwell_s: float = Field(default=20.0, ge=0)
    geofence_max_accuracy_m: float = Field(default=60.0, gt=0)
    detour_factor: float = Field(default=1.3, ge=1.0)
    """Road distance over great-circle distance, for the default travel matrix."""
    speed_mps: float = Field(default=4.5, gt=0)
    """A rider's average door-to-door speed (about 16 km/h on an e-bike in town)."""
    speed_by_hour: dict[int, float] = Field(default_factory=lambda: {7: 3.5, 8: 3.5, 17: 3.5, 18: 3.5})
    """Local hour -> speed, for rush hours."""
    service_s: int = Field(default=120, ge=0)
    """Time at each drop-off (parking, stairs, handing over)."""
    max_route_s: int = Field(default=2 * 3600, gt=0)
    max_trips: int = Field(default=1, ge=1)
    """Trips per plan; 1 plans what a rider carries now (re-planning fills the next trip)."""
    balance_slack: int = Field(default=0, ge=0)
    horizon_s: int = Field(default=12 * 3600, gt=0)
    plan_seconds: float = Field(default=2.0, gt=0)
    """Solver time per plan."""
    auto_dispatch: bool = True
    """Plan and assign ready delivery orders automatically (re-plan when one arrives)."""
    replan_min_interval_s: float = Field(default=10.0, ge=0)
    dispatch_stale_riders: bool = True
    """Stale riders (a fix within the offline limit) still get new stops."""
    late_grace_s: float = Field(default=0.0, ge=0)
    jobs_interval_s: float = Field(default=2.0, gt=0)
    positions_retention_days: int | None = Field(default=None, ge=1)
    """PostgreSQL: drop day partitions of positions older than this; None keeps every day."""
