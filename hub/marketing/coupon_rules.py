"""What a coupon takes off an order, and whether it applies. Pure: no framework, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.marketing.errors import CouponNotApplicable


class CouponKind(StrEnum):
    AMOUNT_OFF = "amount_off"
    """满50减10: amount_off_fen off when the subtotal reaches min_spend_fen."""
    PERCENT_OFF = "percent_off"
    """percent_off % of the subtotal, at most max_discount_fen."""
    FREE_DELIVERY = "free_delivery"
    """The delivery fee, when the subtotal reaches min_spend_fen."""


@dataclass(frozen=True)
class CouponTerms:
    kind: CouponKind
    amount_off_fen: int | None
    percent_off: int | None
    max_discount_fen: int | None
    min_spend_fen: int
    store_ids: tuple[str, ...] | None


def check_applies(
    terms: CouponTerms, *, store_id: str, subtotal_fen: int, now: datetime, valid_from: datetime, valid_until: datetime
) -> None:
    if now < valid_from:
        raise CouponNotApplicable(f"this coupon is valid from {valid_from.isoformat()}")
    if now >= valid_until:
        raise CouponNotApplicable(f"this coupon expired at {valid_until.isoformat()}")
    if terms.store_ids is not None and store_id not in terms.store_ids:
        raise CouponNotApplicable("this coupon is not valid in this store")
    if subtotal_fen < terms.min_spend_fen:
        raise CouponNotApplicable(
            f"this coupon needs a subtotal of at least {terms.min_spend_fen} fen (this order: {subtotal_fen})"
        )


def discount_for(terms: CouponTerms, *, subtotal_fen: int, delivery_fee_fen: int) -> int:
    """Fen taken off; never more than the order is worth."""
    if terms.kind is CouponKind.AMOUNT_OFF:
        off = terms.amount_off_fen or 0
    elif terms.kind is CouponKind.PERCENT_OFF:
        off = subtotal_fen * (terms.percent_off or 0) // 100
        if terms.max_discount_fen is not None:
            off = min(off, terms.max_discount_fen)
    else:
        off = delivery_fee_fen
    return max(0, min(off, subtotal_fen + delivery_fee_fen))


def describe(terms: CouponTerms) -> str:
    """满50减10 / 8.5折 最高减20 / 免配送费: how a customer reads it."""
    if terms.kind is CouponKind.AMOUNT_OFF:
        off = _yuan(terms.amount_off_fen or 0)
        return f"满{_yuan(terms.min_spend_fen)}减{off}" if terms.min_spend_fen else f"{off}元无门槛券"
    if terms.kind is CouponKind.PERCENT_OFF:
        pct = 100 - (terms.percent_off or 0)
        text = f"{pct // 10}.{pct % 10}折" if pct % 10 else f"{pct // 10}折"
        return text + (f" 最高减{_yuan(terms.max_discount_fen)}" if terms.max_discount_fen is not None else "")
    return "免配送费" + (f"(满{_yuan(terms.min_spend_fen)})" if terms.min_spend_fen else "")


def _yuan(fen: int) -> str:
    return str(fen // 100) if fen % 100 == 0 else f"{fen / 100:.2f}"
