"""Ports: a lower domain's call up to a higher one, provided by the composition root."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.errors import InvalidInput
from hub.kernel.events import Events
from hub.marketing.api import redeem_at_placement
from hub.orders.api import REDEEM_AT_PLACEMENT, Redemption
from hub.wiring import domain_events

AT = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
ORDER = dict(order_id="o-1", store_id="s-1", subtotal_fen=3000, delivery_fee_fen=500, at=AT, actor="test")


def test_the_hubs_wiring_gives_orders_marketings_redemption() -> None:
    assert domain_events().port(REDEEM_AT_PLACEMENT) is redeem_at_placement


def test_a_bare_hub_takes_an_order_without_a_coupon_and_refuses_one_that_names_a_coupon_or_points() -> None:
    redeem = Events().port(REDEEM_AT_PLACEMENT)
    assert redeem(None, customer_id="c-1", coupon_code=None, points=0, **ORDER) == Redemption("c-1", 0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no coupons or points"):
        redeem(None, customer_id="c-1", coupon_code="WELCOME", points=0, **ORDER)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no coupons or points"):
        redeem(None, customer_id="c-1", coupon_code=None, points=10, **ORDER)  # type: ignore[arg-type]
