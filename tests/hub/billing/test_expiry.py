"""Prepaid value expires per the plan's terms: the unspent rest of each top-up, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hub.billing.errors import InvalidEntry
from hub.billing.expiry import PrepaidLot, expiries_due, prepaid_lots
from hub.billing.ledger import EntryKind, Ledger, LedgerEntry
from tests.hub.billing.entries import at, charge, refund, top_up


def ledger_of(*entries: LedgerEntry) -> Ledger:
    return Ledger.replay("acct-1", entries)


def test_the_unspent_rest_expires_the_day_after_the_last_valid_day_and_only_once() -> None:
    ledger = ledger_of(
        top_up("t1", 10000, date(2026, 3, 1), valid_days=31),  # spendable through 31 March
        charge("c1", 1200, date(2026, 3, 2)),
        charge("c2", 1800, date(2026, 3, 20)),
    )
    assert expiries_due(ledger, date(2026, 3, 31), at=at(date(2026, 3, 31))) == []
    due = expiries_due(ledger, date(2026, 4, 1), at=at(date(2026, 4, 1)))
    assert [(e.key, e.kind, e.amount_fen, e.refers_to) for e in due] == [
        ("expiry:t1", EntryKind.EXPIRY, -7000, "t1")
    ]  # fmt: skip
    after = ledger.append(due[0]).ledger
    assert after.balance_fen == 0
    assert expiries_due(after, date(2026, 4, 9), at=at(date(2026, 4, 9))) == []
    assert after.append(due[0]).created is False


def test_spending_uses_the_first_expiring_top_up_first() -> None:
    ledger = ledger_of(
        top_up("late", 5000, date(2026, 3, 1), valid_days=120),
        top_up("soon", 5000, date(2026, 3, 1), valid_days=31),
        charge("c1", 6000, date(2026, 3, 15)),
    )
    assert prepaid_lots(ledger) == [
        PrepaidLot("soon", date(2026, 3, 31), 0),
        PrepaidLot("late", date(2026, 6, 28), 4000),
    ]
    assert expiries_due(ledger, date(2026, 4, 1), at=at(date(2026, 4, 1))) == []
    assert [e.amount_fen for e in expiries_due(ledger, date(2026, 6, 29), at=at(date(2026, 6, 29)))] == [-4000]


def test_a_late_expiry_job_computes_what_an_on_time_one_would() -> None:
    entries = [top_up("t1", 5000, date(2026, 3, 1), valid_days=31), charge("c1", 1000, date(2026, 4, 2))]
    on_time = ledger_of(entries[0])
    on_time = on_time.append(expiries_due(on_time, date(2026, 4, 1), at=at(date(2026, 4, 1)))[0]).ledger
    on_time = on_time.append(entries[1]).ledger
    late = ledger_of(*entries)  # the charge of 2 April could not use the expired top-up
    late = late.append(expiries_due(late, date(2026, 4, 5), at=at(date(2026, 4, 5)))[0]).ledger
    assert late.balance_fen == on_time.balance_fen == -1000


def test_refunded_charges_and_adjustments_never_expire() -> None:
    ledger = ledger_of(
        top_up("t1", 3000, date(2026, 3, 1), valid_days=10),
        charge("c1", 3000, date(2026, 3, 2)),
        refund("r1", "c1", 3000, date(2026, 3, 3)),
        LedgerEntry("adj", EntryKind.ADJUSTMENT, 500, date(2026, 3, 3), at(date(2026, 3, 3)), "staff:s1", note="sorry"),
    )
    assert expiries_due(ledger, date(2026, 5, 1), at=at(date(2026, 5, 1))) == []
    assert sum(lot.remaining_fen for lot in prepaid_lots(ledger)) == ledger.balance_fen == 3500


def test_a_top_up_without_terms_never_expires() -> None:
    ledger = ledger_of(top_up("t1", 3000, date(2026, 3, 1)))
    assert expiries_due(ledger, date(2030, 1, 1), at=at(date(2030, 1, 1))) == []


def test_an_expiry_never_takes_more_than_is_left_of_its_top_up() -> None:
    ledger = ledger_of(top_up("t1", 5000, date(2026, 3, 1), valid_days=31), refund("r1", "t1", -1000, date(2026, 3, 2)))
    too_much = LedgerEntry(
        "expiry:t1", EntryKind.EXPIRY, -4001, date(2026, 4, 1), at(date(2026, 4, 1)), "system:expiry", "t1"
    )
    with pytest.raises(InvalidEntry, match="only 4000 fen of top-up t1 can still expire"):
        ledger.append(too_much)
    with pytest.raises(InvalidEntry, match="must refer to a top-up"):
        ledger.append(replace(too_much, amount_fen=-100, refers_to="r1"))
