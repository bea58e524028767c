"""A delivery is charged once, when delivered; failed and not-home deliveries follow the policy."""

from __future__ import annotations

from datetime import date

import pytest

from hub.billing.delivery_charges import (
    ChargePolicy,
    DeliveryOutcome,
    DeliveryReport,
    FailureCharge,
    FailureRule,
    charge_delivery,
)
from hub.billing.errors import AlreadyCharged, EntryKeyConflict, InvalidEntry, NotDelivered
from hub.billing.ledger import Ledger
from tests.hub.billing.entries import at, top_up

DAY = date(2026, 3, 2)
LEDGER = Ledger("acct-1").append(top_up("t1", 10000, DAY)).ledger
POLICY = ChargePolicy()


def report(outcome: DeliveryOutcome, amount: int = 1200, key: str = "sub-1/2026-03-02") -> DeliveryReport:
    return DeliveryReport(key, DAY, outcome, amount, at(DAY, 7), "rider:r1")


def test_a_delivered_delivery_is_charged_once_and_a_retried_report_changes_nothing() -> None:
    first = charge_delivery(LEDGER, report(DeliveryOutcome.DELIVERED), POLICY)
    assert first.created and first.entry is not None
    assert (first.entry.key, first.entry.amount_fen, first.entry.refers_to) == (
        "delivery:sub-1/2026-03-02", -1200, "sub-1/2026-03-02"
    )  # fmt: skip
    assert first.ledger.balance_fen == 8800
    again = charge_delivery(first.ledger, report(DeliveryOutcome.DELIVERED), POLICY)
    assert not again.created
    assert again.ledger.balance_fen == 8800
    assert not first.gives_back_plan_delivery


def test_a_pending_delivery_cannot_be_charged() -> None:
    with pytest.raises(NotDelivered, match="when it is delivered"):
        charge_delivery(LEDGER, report(DeliveryOutcome.PENDING), POLICY)


def test_by_default_a_failed_delivery_is_free_and_not_home_is_charged() -> None:
    failed = charge_delivery(LEDGER, report(DeliveryOutcome.FAILED), POLICY)
    assert (failed.entry, failed.ledger.balance_fen, failed.gives_back_plan_delivery) == (None, 10000, True)
    not_home = charge_delivery(LEDGER, report(DeliveryOutcome.NOT_HOME), POLICY)
    assert not_home.ledger.balance_fen == 8800
    assert not not_home.gives_back_plan_delivery


def test_a_fee_policy_charges_the_fee_and_gives_the_punch_back() -> None:
    policy = ChargePolicy(not_home=FailureRule(FailureCharge.FEE, fee_fen=300))
    result = charge_delivery(LEDGER, report(DeliveryOutcome.NOT_HOME), policy)
    assert result.entry is not None and result.entry.amount_fen == -300
    assert result.entry.note == "not_home"
    assert result.gives_back_plan_delivery
    with pytest.raises(InvalidEntry, match="positive fee_fen"):
        FailureRule(FailureCharge.FEE)
    with pytest.raises(InvalidEntry, match="positive fee_fen"):
        FailureRule(FailureCharge.NONE, fee_fen=100)


def test_a_report_contradicting_the_charge_is_refused() -> None:
    charged = charge_delivery(LEDGER, report(DeliveryOutcome.DELIVERED), POLICY).ledger
    with pytest.raises(AlreadyCharged, match="refund it instead of reporting it failed"):
        charge_delivery(charged, report(DeliveryOutcome.FAILED), POLICY)
    with pytest.raises(EntryKeyConflict):
        charge_delivery(charged, report(DeliveryOutcome.DELIVERED, amount=1500), POLICY)


def test_a_free_delivery_records_no_entry() -> None:
    result = charge_delivery(LEDGER, report(DeliveryOutcome.DELIVERED, amount=0), POLICY)
    assert result.entry is None and result.ledger is LEDGER
