"""Request and response models of the subscriptions API."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictBool, StrictFloat, StrictInt
from hub.subscriptions.frequency import FrequencyKind
from hub.subscriptions.holiday_policy import HolidayHandling, ShiftMerge
from hub.subscriptions.plans import PlanKind

Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Fen = Annotated[StrictInt, Field(ge=0, le=100_000_000)]


class ItemIn(RequestModel):
    sku: Slug
    name: str = Field(min_length=1, max_length=80)
    quantity: Annotated[StrictInt, Field(ge=1, le=1000)]
    unit_price_fen: Fen = 0


class FrequencyIn(RequestModel):
    kind: FrequencyKind
    weekdays: list[Annotated[StrictInt, Field(ge=0, le=6)]] = Field(default_factory=list, max_length=7)
    rule: str | None = Field(default=None, max_length=200)


class RenewalIn(RequestModel):
    auto_renew_offered: StrictBool = True
    renewal_price_fen: Fen | None = None
    remind_days_before: Annotated[StrictInt, Field(ge=0, le=60)] = 3
    prepaid_valid_days: Annotated[StrictInt, Field(ge=1, le=3660)] | None = None


class PlanIn(RequestModel):
    id: Slug
    name: str = Field(min_length=1, max_length=120)
    kind: PlanKind
    price_fen: Fen
    items: list[ItemIn] = Field(min_length=1, max_length=20)
    frequency: FrequencyIn
    window_start: time
    window_end: time
    holiday_handling: HolidayHandling = HolidayHandling.DELIVER
    holiday_merge: ShiftMerge = ShiftMerge.ADD_QUANTITIES
    renewal: RenewalIn = Field(default_factory=RenewalIn)
    deliveries_included: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None
    valid_days: Annotated[StrictInt, Field(ge=1, le=3660)] | None = None


class PlanOut(BaseModel):
    id: str
    name: str
    kind: str
    price_fen: int
    active: bool
    delivery_amount_fen: int
    frequency: str
    window: str
    spec: dict[str, object]


class StoreSettingsIn(RequestModel):
    zone: str = Field(default="Asia/Shanghai", min_length=1, max_length=64)
    cutoff: time = time(20, 0)
    failed_charge: str = Field(default="none", pattern=r"^(none|full)$")
    not_home_charge: str = Field(default="full", pattern=r"^(none|full)$")
    route_count: Annotated[StrictInt, Field(ge=1, le=500)] = 1
    low_balance_deliveries: Annotated[StrictInt, Field(ge=0, le=100)] = 3


class StoreSettingsOut(BaseModel):
    store_id: str
    zone: str
    cutoff: str
    failed_charge: str
    not_home_charge: str
    route_count: int
    low_balance_deliveries: int
    last_generated: date | None


class AddressIn(RequestModel):
    line: str = Field(default="", max_length=200)
    lat: Annotated[StrictFloat, Field(ge=-90, le=90)]
    lon: Annotated[StrictFloat, Field(ge=-180, le=180)]


class SubscriptionIn(RequestModel):
    customer_id: str = Field(min_length=1, max_length=36)
    store_id: str = Field(min_length=1, max_length=64)
    plan_id: Slug
    start: date
    address: AddressIn
    instructions: str = Field(default="", max_length=200)


class PauseIn(RequestModel):
    first: date
    last: date | None = None


class ResumeIn(RequestModel):
    on: date


class SkipIn(RequestModel):
    day: date
    reason: str = Field(default="", max_length=200)


class ExtraIn(RequestModel):
    day: date
    items: list[ItemIn] | None = Field(default=None, min_length=1, max_length=20)


class ChangeIn(RequestModel):
    effective_from: date
    items: list[ItemIn] | None = Field(default=None, min_length=1, max_length=20)
    address: AddressIn | None = None
    window_start: time | None = None
    window_end: time | None = None
    instructions: str | None = Field(default=None, max_length=200)


class CancelIn(RequestModel):
    effective: date
    reason: str = Field(min_length=1, max_length=200)


class HistoryOut(BaseModel):
    kind: str
    actor: str
    at: datetime
    summary: str


class PauseOut(BaseModel):
    first: date
    last: date | None


class SubscriptionOut(BaseModel):
    id: str
    customer_id: str
    store_id: str
    plan_id: str
    start: date
    status: str
    counts_as_churn: bool
    ends_on: date
    first_changeable: date
    remaining_deliveries: int
    punches_left: int | None
    balance_fen: int | None
    """None for a caller who does not see money."""
    instructions: str
    pauses: list[PauseOut]
    cancelled_from: date | None
    cancel_reason: str
    history: list[HistoryOut]


class DeliveryOut(BaseModel):
    id: int
    subscription_id: str
    business_date: date
    store_id: str
    customer_id: str
    window: str
    items: list[dict[str, object]]
    instructions: str
    amount_fen: int
    outcome: str
    route_id: str | None
    sequence: int | None
    rider_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str = ""


class OutcomeIn(RequestModel):
    outcome: str = Field(pattern=r"^(delivered|failed|not_home)$")


class OutcomeOut(BaseModel):
    delivery: DeliveryOut
    charged_fen: int
    balance_fen: int
    low_balance: bool


class PickLineOut(BaseModel):
    route_id: str
    sku: str
    name: str
    quantity: int
    deliveries: int


class RouteOut(BaseModel):
    route_id: str
    stops: int
    rider_id: str | None = None
    """The rider it was given to and pushed to (None: an empty route, or no rider left for it)."""


class DayOut(BaseModel):
    store_id: str
    business_date: date
    generated: int
    """New deliveries this run (0 when run again)."""
    deliveries: int
    pick_list: list[PickLineOut]
    totals: dict[str, int]
    routes: list[RouteOut]
    unassigned_routes: list[str] = []
    """Routes with stops but no rider (the store has fewer active riders than routes): nothing was pushed."""


class ConsentIn(RequestModel):
    method: str = Field(pattern=r"^(app_checkbox|signed_form|recorded_call)$")
    wording_version: str = Field(min_length=1, max_length=32)
    max_price_fen: Fen
    given_by: str = Field(default="", max_length=120)
    """Who gave it (``customer:<id>``); empty: the customer of the subscription."""


class ConsentOut(BaseModel):
    subscription_id: str
    auto_renew: bool
    max_price_fen: int | None
    granted_by: str | None
    granted_at: datetime | None
    method: str | None
