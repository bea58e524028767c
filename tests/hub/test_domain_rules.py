"""Pure rules: state machine, pricing, phones, identities."""

from __future__ import annotations

import pytest

from hub.customers.identity import CustomerRef, IdentityKind
from hub.customers.phones import mask_name, mask_phone, normalise_phone
from hub.errors import InvalidInput
from hub.orders.domain import Fulfilment, InvalidTransition, OrderStatus, allowed_next, check_transition
from hub.stores.pricing import MenuPrice, RequestedLine, price_lines

S = OrderStatus


@pytest.mark.parametrize(
    ("path", "fulfilment"),
    [
        ([S.ACCEPTED, S.COOKING, S.READY, S.ASSIGNED, S.PICKED_UP, S.DELIVERED], Fulfilment.DELIVERY),
        ([S.ACCEPTED, S.COOKING, S.READY, S.ASSIGNED, S.PICKED_UP, S.FAILED], Fulfilment.DELIVERY),
        ([S.COOKING, S.READY, S.DELIVERED], Fulfilment.PICKUP),
        ([S.CANCELLED], Fulfilment.DELIVERY),
    ],
)
def test_legal_paths(path: list[OrderStatus], fulfilment: Fulfilment) -> None:
    current = S.RECEIVED
    for nxt in path:
        check_transition(current, nxt, fulfilment)
        current = nxt


@pytest.mark.parametrize(
    ("current", "target", "fulfilment"),
    [
        (S.RECEIVED, S.DELIVERED, Fulfilment.DELIVERY),
        (S.READY, S.DELIVERED, Fulfilment.DELIVERY),  # a delivery goes through a rider
        (S.READY, S.ASSIGNED, Fulfilment.PICKUP),
        (S.PICKED_UP, S.CANCELLED, Fulfilment.DELIVERY),
        (S.DELIVERED, S.RECEIVED, Fulfilment.DELIVERY),
        (S.CANCELLED, S.ACCEPTED, Fulfilment.DELIVERY),
    ],
)
def test_illegal_transitions_are_refused(current: OrderStatus, target: OrderStatus, fulfilment: Fulfilment) -> None:
    with pytest.raises(InvalidTransition, match=f"cannot become {target}"):
        check_transition(current, target, fulfilment)


def test_terminal_states_allow_nothing() -> None:
    for status in (S.DELIVERED, S.FAILED, S.CANCELLED):
        assert allowed_next(status, Fulfilment.DELIVERY) == frozenset()


def test_pricing_in_fen() -> None:
    menu = {"A": MenuPrice("A", "宫保鸡丁", 3850, ("wok",), ()), "B": MenuPrice("B", "奶茶", 1500, ("drinks",), ())}
    priced = price_lines([RequestedLine("A", 3), RequestedLine("B", 1)], menu, delivery_fee_fen=500)
    assert [line.total_fen for line in priced.lines] == [11550, 1500]
    assert (priced.subtotal_fen, priced.total_fen) == (13050, 13550)


def test_pricing_refuses_unknown_and_inactive_items() -> None:
    menu = {"A": MenuPrice("A", "x", 100, ("wok",), (), active=False)}
    with pytest.raises(InvalidInput, match="not on this store's menu: Z"):
        price_lines([RequestedLine("Z", 1)], menu)
    with pytest.raises(InvalidInput, match="not available now: A"):
        price_lines([RequestedLine("A", 1)], menu)


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "+86 138-1234-5678", "0086 13812345678", "+8613812345678", "(+86) 138 1234 5678"],
)
def test_phone_formats_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+8613812345678"


@pytest.mark.parametrize("raw", ["12345", "not a phone", "", "+86 1"])
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


def test_masking() -> None:
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_name("王小明") == "王**"
    assert mask_name("Li") == "L*"


def test_identity_keys_come_in_priority_order() -> None:
    ref = CustomerRef(
        device_id="dev-1", phone="13812345678", member_id="M001", platform="meituan", platform_user_id="mt-9"
    )
    assert [k.kind for k in ref.keys("CN")] == [
        IdentityKind.MEMBER_ID,
        IdentityKind.PHONE,
        IdentityKind.PLATFORM,
        IdentityKind.DEVICE_ID,
    ]
    with pytest.raises(ValueError, match="at least one"):
        CustomerRef(name="nobody")
