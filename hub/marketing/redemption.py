"""Coupons and points at order placement, in the order's own transaction (orders' ``REDEEM_AT_PLACEMENT``
port, provided in ``hub.wiring``).

The coupon is consumed by one conditional UPDATE (``status = 'available'``): of twenty orders
presenting the same single-use coupon at once, exactly one gets the row; the others are
refused and their whole order is rolled back. Cancelling the order releases the coupon and
returns the points (``hub.marketing.order_feed``).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session

from hub.crm.api import load_config
from hub.errors import InvalidInput
from hub.kernel.sql_dialect import execute_count
from hub.loyalty.api import spend
from hub.marketing.coupon_rules import check_applies, discount_for
from hub.marketing.coupons import coupons, get_template, terms_of
from hub.marketing.errors import CouponNotApplicable, CouponUnavailable
from hub.orders.api import Redemption, RedemptionRequest


def redeem_at_placement(session: Session, asked: RedemptionRequest) -> Redemption:
    """Check and consume the coupon and the points; raises (and the caller rolls back) when they don't apply."""
    customer_id = asked.customer_id
    coupon_id = None
    coupon_off = 0
    if asked.coupon_code:
        row = session.execute(select(coupons).where(coupons.c.code == asked.coupon_code.strip().upper())).first()
        if row is None:
            raise CouponNotApplicable("unknown coupon code")
        if customer_id is None:
            customer_id = row.customer_id  # the coupon names its holder
        elif row.customer_id != customer_id:
            raise CouponNotApplicable("this coupon belongs to another customer")
        if row.status != "available":
            raise CouponUnavailable(f"this coupon was already {row.status}")
        terms = terms_of(get_template(session, row.template_id))
        check_applies(
            terms,
            store_id=asked.store_id,
            subtotal_fen=asked.subtotal_fen,
            now=asked.at,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
        coupon_off = discount_for(terms, subtotal_fen=asked.subtotal_fen, delivery_fee_fen=asked.delivery_fee_fen)
        taken = execute_count(
            session,
            update(coupons)
            .where(coupons.c.id == row.id, coupons.c.status == "available")
            .values(
                status="redeemed",
                order_id=asked.order_id,
                redeemed_at=asked.at,
                discount_fen=coupon_off,
                released_at=None,
            ),
        )
        if taken != 1:
            raise CouponUnavailable("this coupon was just used by another order")
        coupon_id = row.id
    points_off = 0
    if asked.points:
        if customer_id is None:
            raise InvalidInput("paying with points needs the order's customer")
        value = asked.points * load_config(session).fen_per_point
        due = asked.subtotal_fen + asked.delivery_fee_fen - coupon_off
        if value > due:
            raise InvalidInput(f"{asked.points} points are worth {value} fen, more than the {due} fen due")
        spend(
            session,
            customer_id=customer_id,
            points=asked.points,
            kind="spend",
            key=f"spend:{asked.order_id}",
            at=asked.at,
            order_id=asked.order_id,
            note="paid with points",
            actor=asked.actor,
        )
        points_off = value
    return Redemption(
        customer_id=customer_id,
        discount_fen=coupon_off + points_off,
        coupon_id=coupon_id,
        coupon_discount_fen=coupon_off,
        points_used=asked.points,
    )
