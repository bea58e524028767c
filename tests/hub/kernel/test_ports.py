"""Ports: a lower domain's call up to a higher one, provided by the composition root."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.errors import InvalidInput
from hub.kernel.events import Events
from hub.marketing.api import redeem_at_placement
from hub.orders.api import REDEEM_AT_PLACEMENT, Redemption, RedemptionRequest
from hub.wiring import domain_events

AT = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


def asked(coupon_code: str | None = None, points: int = 0) -> RedemptionRequest:
    return RedemptionRequest("o-1", "c-1", "s-1", 3000, 500, coupon_code, points, AT, "test")


def test_the_hubs_wiring_gives_orders_marketings_redemption() -> None:
    assert domain_events().port(REDEEM_AT_PLACEMENT) is redeem_at_placement


def test_a_bare_hub_takes_an_order_without_a_coupon_and_refuses_one_that_names_a_coupon_or_points() -> None:
    redeem = Events().port(REDEEM_AT_PLACEMENT)
    assert redeem(None, asked()) == Redemption("c-1", 0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no coupons or points"):
        redeem(None, asked(coupon_code="WELCOME"))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no coupons or points"):
        redeem(None, asked(points=10))  # type: ignore[arg-type]
