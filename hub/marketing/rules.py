"""The automation rule model: trigger, audience filter, action, cool-down. Pure.

Triggers (business days are counted in the customer's home-store time zone):

- ``first_order``    scheduled: the local day ``after_days`` after the first order (catching up
                     ``lookback_days`` if the hub was down); once per customer.
- ``birthday``       scheduled: on the local birthday (29 Feb: 28 Feb in other years); once a year.
- ``winback``        scheduled: ``days`` local days without an order (and at most ``max_days``);
                     once per dormant spell (a new order starts a new one).
- ``repurchase_due`` scheduled: the predicted repurchase date (last order + average gap) passed
                     within ``grace_days``; once per order cycle.
- ``late_delivery``  event: the delivery domain's ``delivery.late`` with ``expected_delay_s``, or a
                     delivered order, at least ``late_minutes`` after its promised time; once per order.

Every action is keyed by (rule, customer, period): re-runs and concurrent hubs never grant twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.crm.segments import Lifecycle, Segment


class Trigger(StrEnum):
    FIRST_ORDER = "first_order"
    BIRTHDAY = "birthday"
    WINBACK = "winback"
    REPURCHASE_DUE = "repurchase_due"
    LATE_DELIVERY = "late_delivery"


SCHEDULED = frozenset({Trigger.FIRST_ORDER, Trigger.BIRTHDAY, Trigger.WINBACK, Trigger.REPURCHASE_DUE})


class Channel(StrEnum):
    SMS = "sms"
    WECHAT = "wechat"
    EMAIL = "email"


class FirstOrderParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    after_days: int = Field(default=1, ge=1, le=30)
    lookback_days: int = Field(default=3, ge=1, le=30)


class BirthdayParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days_before: int = Field(default=0, ge=0, le=30)


class WinbackParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(default=20, ge=1, le=3650)
    max_days: int | None = Field(default=None, ge=2, le=36500)


class RepurchaseParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_days: int = Field(default=7, ge=1, le=365)


class LateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    late_minutes: int = Field(default=30, ge=1, le=1440)


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


class Audience(BaseModel):
    """Who a rule may target; every given condition must hold (empty: everyone)."""

    model_config = ConfigDict(extra="forbid")
    segments: list[Segment] | None = Field(default=None, max_length=20)
    lifecycles: list[Lifecycle] | None = Field(default=None, max_length=10)
    tiers: list[str] | None = Field(default=None, max_length=20)
    tags_any: list[str] | None = Field(default=None, max_length=50)
    home_store_ids: list[str] | None = Field(default=None, max_length=1000)
    min_orders: int | None = Field(default=None, ge=0, le=100_000)
    max_orders: int | None = Field(default=None, ge=0, le=100_000)
