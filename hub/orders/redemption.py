"""The coupon and points an order pays with: a port orders calls and marketing implements.

Orders sits below marketing, so it cannot import the coupons; the composition root (``hub.wiring``)
provides marketing's ``redeem_at_placement`` on the hub's ``Events``. Built bare (no wiring), a hub
takes orders without coupons or points and refuses those that name one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from hub.errors import InvalidInput
from hub.kernel.events import Port


@dataclass(frozen=True)
class Redemption:
    customer_id: str | None
    discount_fen: int
    coupon_id: int | None = None
    coupon_discount_fen: int = 0
    points_used: int = 0


@dataclass(frozen=True)
class RedemptionRequest:
    """What an order asks to pay with, and for what."""

    order_id: str
    customer_id: str | None
    store_id: str
    subtotal_fen: int
    delivery_fee_fen: int
    coupon_code: str | None
    points: int
    at: datetime
    actor: str


Redeem = Callable[[Session, RedemptionRequest], Redemption]
"""Check and consume the coupon and the points in the order's transaction; raise when they don't
apply (the whole order is refused)."""


def no_redemption(session: Session, asked: RedemptionRequest) -> Redemption:
    if asked.coupon_code or asked.points:
        raise InvalidInput("this hub takes no coupons or points (marketing is not wired)")
    return Redemption(customer_id=asked.customer_id, discount_fen=0)


REDEEM_AT_PLACEMENT: Port[Redeem] = Port("orders.redeem_at_placement", no_redemption)
