"""Response bodies of the analytics API. Money in fen, durations in seconds, days ISO (store-local)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Period(Out):
    date_from: date
    date_to: date
    store_ids: list[str] | None
    """None: the whole chain."""


class DaySalesOut(Out):
    day: date
    orders: int
    revenue_fen: int
    average_order_fen: int


class RollupOut(Out):
    refreshed_at: datetime | None
    """When the daily rollup these figures come from was last refreshed (by the hub's job)."""
    live: bool
    """True: every order is in the figures (the days changed since the refresh are read from the
    orders); False: too many days changed since (a bulk change) and those are not in them yet."""
    changed_days: int
    """Store days whose orders changed since the refresh."""


class SalesOut(Out):
    period: Period
    orders: int
    revenue_fen: int
    average_order_fen: int
    days: list[DaySalesOut]
    rollup: RollupOut


class RollupRefreshOut(Out):
    rewritten_days: int
    """(store, local day) pairs recomputed from their orders."""
    rollup: RollupOut


class CustomersOut(Out):
    period: Period
    active: int
    new: int
    returning: int
    repeat_buyers: int
    repeat_rate: float
    """Share of active customers with two or more purchase days in the period."""


class CohortCellOut(Out):
    cohort: str
    month: str
    offset: int
    customers: int
    cohort_size: int
    share: float


class CohortsOut(Out):
    period: Period
    cells: list[CohortCellOut]


class ProductOut(Out):
    sku: str
    name: str
    quantity: int
    orders: int
    revenue_fen: int


class AreaOut(Out):
    area: str
    lat: float
    lon: float
    customers: int
    orders: int
    revenue_fen: int


class RiderOut(Out):
    rider_id: str
    store_id: str
    deliveries: int
    delivered: int
    failed: int
    on_time: int
    promised: int
    on_time_share: float | None
    average_delivery_s: float | None
    failure_reasons: dict[str, int]


class StationOut(Out):
    store_id: str
    station_code: str
    tickets: int
    bumped: int
    average_s: float | None
    max_s: float | None
    late: int


class CampaignOut(Out):
    rule_id: str
    name: str
    targeted: int
    sent: int
    redeemed: int
    attributed_orders: int
    attributed_revenue_fen: int


class Gap(Out):
    figure: str
    reason: str


class CatalogueEntry(Out):
    name: str
    label: str


class CatalogueOut(Out):
    dimensions: list[CatalogueEntry]
    measures: list[CatalogueEntry]
    filterable: list[str]
    gaps: list[Gap]
    """Figures the issue asks for that the hub has no data for yet."""


class ReportOut(Out):
    period: Period
    columns: list[str]
    labels: list[str]
    rows: list[list[str | int | float | None]]


class StoreRenewalsOut(Out):
    store_id: str
    due: int
    renewed: int
    automatic: int
    rate: float | None


class RenewalsOut(Out):
    period: Period
    due: int
    """Paid terms that ended on the period's days (their last day has passed in the store's zone)."""
    renewed: int
    automatic: int
    """Of ``renewed``: automatically, with the customer's recorded consent."""
    rate: float | None
    """renewed / due; None without due terms."""
    stores: list[StoreRenewalsOut]


class StoreSlaOut(Out):
    store_id: str | None
    tickets: int
    breached: int
    compliance: float | None
    breaches: dict[str, int]


class SlaOut(Out):
    period: Period
    tickets: int
    """Service tickets opened on the period's local days."""
    breached: int
    """Of those, tickets with at least one SLA target breached so far."""
    compliance: float | None
    """(tickets - breached) / tickets; None without tickets."""
    breaches: dict[str, int]
    """Tickets that breached each target (first_response, resolution, compensation)."""
    stores: list[StoreSlaOut]
