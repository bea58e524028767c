"""Order values refuse bad input before any provider is called; yuan text <-> fen is exact."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.billing.payments.errors import InvalidPaymentRequest
from hub.billing.payments.port import OrderRequest, PaymentMethod, RefundRequest, fen_from_yuan, yuan


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_survive_the_trip_through_yuan_text(fen: int) -> None:
    assert fen_from_yuan(yuan(fen)) == fen


@pytest.mark.parametrize("text", ["0.001", "1e-3", "NaN", "abc", ""])
def test_text_that_is_not_whole_fen_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        fen_from_yuan(text)


@pytest.mark.parametrize(
    ("reference", "amount", "message"),
    [
        ("MILK 0001", 100, "6-32 letters"),
        ("M1", 100, "6-32 letters"),
        ("MILK202405010001", 0, "positive whole number of fen"),
        ("MILK202405010001", True, "positive whole number of fen"),
    ],
)
def test_an_order_with_a_bad_reference_or_amount_is_refused(reference: str, amount: int, message: str) -> None:
    with pytest.raises(InvalidPaymentRequest, match=message):
        OrderRequest(reference, amount, "鲜牛奶", PaymentMethod.WECHAT_NATIVE)


def test_a_refund_above_the_order_is_refused() -> None:
    with pytest.raises(InvalidPaymentRequest, match="refund of 3001 fen exceeds the order's 3000 fen"):
        RefundRequest("MILK202405010001", "RF202405010001", 3001, 3000)
