"""Analytics' own tables: churn model fits and scores, and the rollups (sales, purchase days, riders, products,
stations, areas)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, new_id


class ChurnFit(SQLModel, table=True):
    """One BG/NBD (+ Gamma-Gamma) fit over the chain's purchase days up to ``as_of``."""

    __tablename__ = "analytics_churn_fits"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    fitted_at: datetime = Field(sa_type=UTCDateTime, index=True)
    as_of: date
    """The last local day counted (calibration end)."""
    customers: int
    r: float
    alpha: float
    a: float
    b: float
    gg_p: float | None = None
    gg_q: float | None = None
    gg_gamma: float | None = None
    """Null when Gamma-Gamma could not be fitted (too few repeat buyers): values are then unknown."""
    at_risk_below: float
    """P(alive) under which a repeat customer is at risk."""
    at_risk: int


class ChurnScore(SQLModel, table=True):
    """A customer's figures from the latest fit (replaced by each fit)."""

    __tablename__ = "analytics_churn_scores"
    __table_args__ = (Index("ix_churn_scores_risk", "at_risk", "p_alive"),)

    customer_id: str = Field(primary_key=True, max_length=36)
    fit_id: str = Field(max_length=36)
    purchase_days: int
    last_purchase_day: date
    p_alive: float
    expected_purchases_30d: float
    expected_purchases_90d: float
    expected_value_fen: int | None = None
    """Expected value of one future purchase day (Gamma-Gamma)."""
    expected_value_90d_fen: int | None = None
    """Expected purchases in 90 days times that value."""
    at_risk: bool = False


class DailySales(SQLModel, table=True):
    """Counted orders and revenue per store and local day, kept current from changed orders."""

    __tablename__ = "analytics_daily_sales"

    store_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    orders: int = 0
    revenue_fen: int = 0


class RollupState(SQLModel, table=True):
    """How far the rollup has read the orders' ``updated_at``."""

    __tablename__ = "analytics_rollup_state"

    name: str = Field(primary_key=True, max_length=32)
    watermark: datetime | None = Field(default=None, sa_type=UTCDateTime)
    refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PurchaseDay(SQLModel, table=True):
    """A customer's local day with a counted order in a store (the cohorts' purchase days)."""

    __tablename__ = "analytics_purchase_days"
    __table_args__ = (Index("ix_analytics_purchase_days_customer", "customer_id", "day"),)

    store_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    customer_id: str = Field(primary_key=True, max_length=36)


class CustomerFirsts(SQLModel, table=True):
    """A customer's first and last purchase day in a store (from :class:`PurchaseDay`)."""

    __tablename__ = "analytics_customer_firsts"

    customer_id: str = Field(primary_key=True, max_length=36)
    store_id: str = Field(primary_key=True, max_length=64)
    first_day: date = Field(index=True)
    last_day: date


class DailyRiders(SQLModel, table=True):
    """A rider's deliveries per store and local day of the orders, split by failure reason.

    ``reason`` is the failure reason ('unknown' when none was given) for failed deliveries and ''
    for every other one, so a rider's day is a few rows whose counts add up.
    """

    __tablename__ = "analytics_daily_riders"

    store_id: str = Field(primary_key=True, max_length=64)
    """The order's store (what a scope filters on)."""
    day: date = Field(primary_key=True)
    rider_id: str = Field(primary_key=True, max_length=64)
    reason: str = Field(primary_key=True, max_length=32)
    delivery_store_id: str = Field(max_length=64)
    """The deliveries' own store (the largest), which the figures report."""
    deliveries: int = 0
    delivered: int = 0
    failed: int = 0
    on_time: int = 0
    promised: int = 0
    timed: int = 0
    """Delivered with both a pick-up and a delivery time (the average's denominator)."""
    delivery_s: float = 0.0
    """Their pick-up to delivery seconds, summed."""


class DailyProducts(SQLModel, table=True):
    """A product's lines (not cancelled) in counted orders per store and local day (the product ranking)."""

    __tablename__ = "analytics_daily_products"

    store_id: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True)
    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    """The largest of the day's line names (the ranking shows the largest over its days)."""
    quantity: int = 0
    orders: int = 0
    """Orders with a line of the product (an order is on one store and day, so these add up)."""
    revenue_fen: int = 0


class DailyStations(SQLModel, table=True):
    """A station's kitchen tickets per store and local day of the orders: counts, time sum and maximum, late ones."""

    __tablename__ = "analytics_daily_stations"

    store_id: str = Field(primary_key=True, max_length=64)
    """The order's store (what a scope filters on)."""
    day: date = Field(primary_key=True)
    ticket_store_id: str = Field(primary_key=True, max_length=64)
    """The tickets' own store, which the figures report."""
    station_code: str = Field(primary_key=True, max_length=64)
    tickets: int = 0
    bumped: int = 0
    """Sent and bumped (the average's denominator)."""
    ticket_s: float = 0.0
    """Their sent-to-bumped seconds, summed."""
    longest_s: float | None = None
    late: int = 0
    late_after_s: int = 480
    """The station's threshold ``late`` was counted with (a refresh recounts days whose station changed it)."""


NO_CUSTOMER = ""
"""``customer_id`` of :class:`DailyAreaCustomers` rows for orders with no customer (counted in orders and
revenue, not in customers, as ``count(distinct customer_id)`` leaves out nulls)."""


class DailyAreaCustomers(SQLModel, table=True):
    """A customer's counted delivery orders per local day, store and drop-off grid cell (customers by area).

    Day first in the key: a chain-wide window reads one range of it. Distinct customers over several days
    are counted at read time from these rows (a customer on two days of the window is one customer).
    """

    __tablename__ = "analytics_daily_area_customers"

    day: date = Field(primary_key=True)
    store_id: str = Field(primary_key=True, max_length=64)
    lat_cell: int = Field(primary_key=True)
    lon_cell: int = Field(primary_key=True)
    """floor(drop-off coordinate / ``AREA_CELL_DEG``)."""
    customer_id: str = Field(primary_key=True, max_length=36)
    """:data:`NO_CUSTOMER` for the cell's orders with no customer."""
    orders: int = 0
    revenue_fen: int = 0
