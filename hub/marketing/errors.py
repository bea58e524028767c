"""Marketing's errors, in the hub's one exception family (mapped once to problem+json)."""

from __future__ import annotations

from typing import ClassVar

from hub.errors import Conflict, InvalidInput


class CouponNotApplicable(InvalidInput):
    """Unknown code, expired, another customer's, another store, threshold not met."""

    code: ClassVar[str] = "coupon.not_applicable"


class CouponUnavailable(Conflict):
    """Already redeemed (perhaps a moment ago by another order) or voided."""

    code: ClassVar[str] = "coupon.unavailable"


class CouponLimitReached(Conflict):
    code: ClassVar[str] = "coupon.limit_reached"
