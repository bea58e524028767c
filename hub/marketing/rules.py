"""The automation rule model: trigger, audience filter, action, cool-down. Pure.

Triggers (business days are counted in the customer's home-store time zone):

- ``first_order``    scheduled: the local day ``after_days`` after the first order (catching up
                     ``lookback_days`` if the hub was down); once per customer.
- ``birthday``       scheduled: on the local birthday (29 Feb: 28 Feb in other years); once a year.
- ``winback``        scheduled: ``days`` local days without an order, and at most ``max_days``
                     (default 60: enabling it after importing years of history does not coupon
                     everyone who ever bought); once per dormant spell (a new order starts a new one).
- ``repurchase_due`` scheduled: the predicted repurchase date (last visit + average gap between
                     purchase days) passed within ``grace_days``; once per order cycle.
- ``late_delivery``  event: the delivery domain's ``delivery.late`` with ``expected_delay_s``, or a
                     delivered order, at least ``late_minutes`` after its promised time; once per order.

Every action is keyed by (rule, customer, period): re-runs and concurrent hubs never grant twice.
Settings that can target nobody (``days`` over ``max_days``, ``min_orders`` over ``max_orders``)
are refused when a rule is created or edited (``contradiction``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.api_types import RequestModel, StrictInt
from hub.crm.api import Lifecycle, Segment


class Trigger(StrEnum):
    FIRST_ORDER = "first_order"
    BIRTHDAY = "birthday"
    WINBACK = "winback"
    REPURCHASE_DUE = "repurchase_due"
    LATE_DELIVERY = "late_delivery"


SCHEDULED = frozenset({Trigger.FIRST_ORDER, Trigger.BIRTHDAY, Trigger.WINBACK, Trigger.REPURCHASE_DUE})


class FirstOrderParams(RequestModel):
    model_config = ConfigDict(extra="forbid")
    after_days: StrictInt = Field(default=1, ge=1, le=30)
    lookback_days: StrictInt = Field(default=3, ge=1, le=30)


class BirthdayParams(RequestModel):
    model_config = ConfigDict(extra="forbid")
    days_before: StrictInt = Field(default=0, ge=0, le=30)


class WinbackParams(RequestModel):
    model_config = ConfigDict(extra="forbid")
    days: StrictInt = Field(default=20, ge=1, le=3650)
    max_days: StrictInt | None = Field(default=60, ge=1, le=36500)
    """Customers quiet for longer are left alone (None: no limit, every lapsed customer ever)."""


class RepurchaseParams(RequestModel):
    model_config = ConfigDict(extra="forbid")
    grace_days: StrictInt = Field(default=7, ge=1, le=365)


class LateParams(RequestModel):
    model_config = ConfigDict(extra="forbid")
    late_minutes: StrictInt = Field(default=30, ge=1, le=1440)


PARAMS: dict[Trigger, type[BaseModel]] = {
    Trigger.FIRST_ORDER: FirstOrderParams,
    Trigger.BIRTHDAY: BirthdayParams,
    Trigger.WINBACK: WinbackParams,
    Trigger.REPURCHASE_DUE: RepurchaseParams,
    Trigger.LATE_DELIVERY: LateParams,
}


def parse_params(trigger: Trigger, raw: dict[str, Any]) -> Any:
    """The trigger's parameters with defaults filled in; ValidationError (422) for unknown ones."""
    return PARAMS[trigger].model_validate(raw)


def contradiction(trigger: Trigger, params: dict[str, Any], audience: Audience) -> str | None:
    """Why these settings can never target anyone, or None. New and edited rules are refused with it."""
    if trigger is Trigger.WINBACK:
        winback = parse_params(trigger, params)
        assert isinstance(winback, WinbackParams)
        if winback.max_days is not None and winback.days > winback.max_days:
            return f"days ({winback.days}) is more than max_days ({winback.max_days}): nobody is both"
    low, high = audience.min_orders, audience.max_orders
    if low is not None and high is not None and low > high:
        return f"audience min_orders ({low}) is more than max_orders ({high}): nobody is both"
    return None


class Audience(RequestModel):
    """Who a rule may target; every given condition must hold (empty: everyone)."""

    model_config = ConfigDict(extra="forbid")
    segments: list[Segment] | None = Field(default=None, max_length=20)
    lifecycles: list[Lifecycle] | None = Field(default=None, max_length=10)
    tiers: list[str] | None = Field(default=None, max_length=20)
    tags_any: list[str] | None = Field(default=None, max_length=50)
    home_store_ids: list[str] | None = Field(default=None, max_length=1000)
    min_orders: StrictInt | None = Field(default=None, ge=0, le=100_000)
    max_orders: StrictInt | None = Field(default=None, ge=0, le=100_000)
    """Counted in purchase days (visits): several orders or lines on one local day are one."""
