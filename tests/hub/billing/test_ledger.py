"""The prepaid ledger: append-only, unique keys, balance = sum of entries, refunds bounded."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from hub.billing.errors import AlreadyCharged, EntryKeyConflict, InvalidEntry, RefundTooLarge
from hub.billing.ledger import EntryKind, Ledger, LedgerEntry
from tests.hub.billing.entries import at, charge, refund, top_up

DAY = date(2026, 3, 2)


def funded() -> Ledger:
    ledger = Ledger("acct-1")
    for entry in (top_up("t1", 10000, DAY), charge("c1", 1200, DAY), charge("c2", 1200, date(2026, 3, 3))):
        ledger = ledger.append(entry).ledger
    return ledger


def test_the_balance_is_the_sum_of_the_entries() -> None:
    ledger = funded()
    assert ledger.balance_fen == 10000 - 2400 == sum(e.amount_fen for e in ledger.entries)
    assert Ledger.replay("acct-1", ledger.entries) == ledger


def test_a_repeated_key_with_the_same_fact_is_a_no_op_returning_the_first_entry() -> None:
    ledger = funded()
    retried = replace(top_up("t1", 10000, DAY), at=at(DAY, 18), actor="system:webhook-retry")
    result = ledger.append(retried)
    assert not result.created
    assert result.ledger is ledger
    assert result.entry.actor == "customer:c1"
    assert result.ledger.balance_fen == 7600


def test_a_repeated_key_with_another_amount_is_refused() -> None:
    with pytest.raises(EntryKeyConflict, match="key t1 already records a top_up of 10000 fen") as caught:
        funded().append(top_up("t1", 20000, DAY))
    assert (caught.value.code, caught.value.status) == ("billing.key_conflict", 409)


def test_a_delivery_is_charged_once_whatever_the_key() -> None:
    twin = replace(charge("c1", 1200, DAY), key="c1-again")
    with pytest.raises(AlreadyCharged, match=f"sub-1/{DAY} is already charged"):
        funded().append(twin)


@pytest.mark.parametrize(
    ("kind", "fen", "refers_to", "message"),
    [
        (EntryKind.TOP_UP, 0, None, "0 fen is not a valid amount for a top_up"),
        (EntryKind.DELIVERY_CHARGE, 500, "d", "500 fen is not a valid amount for a delivery_charge"),
        (EntryKind.EXPIRY, 100, "t1", "100 fen is not a valid amount for a expiry"),
        (EntryKind.ADHOC_ORDER, -100, None, "must say what it refers to"),
        (EntryKind.ADJUSTMENT, -100, None, "needs a note"),
    ],
)
def test_amounts_must_fit_their_kind(kind: EntryKind, fen: int, refers_to: str | None, message: str) -> None:
    with pytest.raises(InvalidEntry, match=message):
        LedgerEntry("x", kind, fen, DAY, at(DAY), "staff:s1", refers_to=refers_to)


def test_entries_are_refused_when_malformed() -> None:
    with pytest.raises(InvalidEntry, match="timezone-aware"):
        LedgerEntry("x", EntryKind.TOP_UP, 100, DAY, datetime(2026, 3, 2, 10), "customer:c1")
    with pytest.raises(InvalidEntry, match="only top-ups expire"):
        LedgerEntry("x", EntryKind.ADJUSTMENT, 100, DAY, at(DAY), "staff:s1", note="goodwill", expires_on=DAY)


def test_a_charge_is_refunded_onto_the_balance_never_above_what_was_charged() -> None:
    ledger = funded().append(refund("r1", "c1", 700, DAY)).ledger
    assert ledger.balance_fen == 7600 + 700
    with pytest.raises(RefundTooLarge, match="refund of 600 fen exceeds the 500 fen still refundable of charge c1"):
        ledger.append(refund("r2", "c1", 600, DAY))
    ledger = ledger.append(refund("r2", "c1", 500, DAY)).ledger
    assert ledger.refunded_fen("c1") == 1200
    with pytest.raises(InvalidEntry, match="credits the balance"):
        ledger.append(refund("r3", "c2", -100, DAY))


def test_a_top_up_is_paid_back_at_most_up_to_what_is_left_of_it_and_the_balance() -> None:
    ledger = funded()
    with pytest.raises(RefundTooLarge, match="exceeds the 7600 fen still refundable") as caught:
        ledger.append(refund("r1", "t1", -7601, DAY))
    assert caught.value.extra == {"refundable_fen": 7600}
    ledger = ledger.append(refund("r1", "t1", -7600, DAY)).ledger
    assert ledger.balance_fen == 0
    with pytest.raises(InvalidEntry, match="pays money back"):
        ledger.append(refund("r2", "t1", 100, DAY))
    with pytest.raises(InvalidEntry, match="must refer to a top-up or a charge"):
        ledger.append(refund("r3", "nothing", 100, DAY))


def test_adjustments_and_adhoc_orders() -> None:
    ledger = funded()
    goodwill = LedgerEntry("adj-1", EntryKind.ADJUSTMENT, 300, DAY, at(DAY), "staff:s1", note="late delivery")
    order = LedgerEntry("o-1", EntryKind.ADHOC_ORDER, -2500, DAY, at(DAY), "customer:c1", refers_to="order-77")
    ledger = ledger.append(goodwill).ledger.append(order).ledger
    assert ledger.balance_fen == 7600 + 300 - 2500
    with pytest.raises(AlreadyCharged):
        ledger.append(replace(order, key="o-2"))
