"""Low-balance and expiring-plan reminders and delivered notices, as facts with once-only keys."""

from __future__ import annotations

from datetime import date

from hub.billing.delivery_charges import ChargePolicy, DeliveryOutcome, DeliveryReport, charge_delivery
from hub.billing.ledger import Ledger
from hub.billing.reminders import PlanExpiring, delivered_notice, low_balance, plan_expiring
from tests.hub.billing.entries import at, charge, top_up

DAY = date(2026, 3, 2)


def test_low_balance_is_below_n_deliveries_and_is_sent_once_per_funding() -> None:
    ledger = Ledger.replay("acct-1", [top_up("t1", 5000, DAY)])
    assert low_balance(ledger, per_delivery_fen=1200, threshold_deliveries=3) is None
    ledger = ledger.append(charge("c1", 1200, DAY)).ledger.append(charge("c2", 1200, date(2026, 3, 3))).ledger
    fact = low_balance(ledger, per_delivery_fen=1200, threshold_deliveries=3)
    assert fact is not None
    assert (fact.key, fact.balance_fen, fact.threshold_fen, fact.deliveries_left) == (
        "low-balance:acct-1:t1", 2600, 3600, 2
    )  # fmt: skip
    lower = ledger.append(charge("c3", 1200, date(2026, 3, 4))).ledger
    assert key_of(lower) == fact.key  # still the same funding: the same reminder, sent once
    topped = lower.append(top_up("t2", 1000, date(2026, 3, 4))).ledger
    assert key_of(topped) == "low-balance:acct-1:t2"
    assert key_of(Ledger("acct-2")) == "low-balance:acct-2:none"


def key_of(ledger: Ledger) -> str | None:
    fact = low_balance(ledger, per_delivery_fen=1200, threshold_deliveries=3)
    return None if fact is None else fact.key


def test_expiring_plan_reminder_from_n_days_before_the_last_day() -> None:
    def on(day: date) -> PlanExpiring | None:
        return plan_expiring(
            subscription_id="sub-1",
            ends_on=date(2026, 3, 31),
            today=day,
            remind_days_before=3,
            remaining_deliveries=4,
            renews_automatically=False,
        )

    assert on(date(2026, 3, 27)) is None
    first = on(date(2026, 3, 28))
    assert first is not None
    assert (first.key, first.days_left, first.remaining_deliveries) == ("plan-expiring:sub-1:2026-03-31", 3, 4)
    last_day = on(date(2026, 3, 31))
    assert last_day is not None and last_day.days_left == 0
    assert on(date(2026, 4, 1)) is None


def test_a_delivered_notice_goes_with_the_report_that_charged() -> None:
    ledger = Ledger.replay("acct-1", [top_up("t1", 5000, DAY)])
    delivered = DeliveryReport("sub-1/2026-03-02", DAY, DeliveryOutcome.DELIVERED, 1200, at(DAY, 7), "rider:r1")
    result = charge_delivery(ledger, delivered, ChargePolicy())
    notice = delivered_notice(delivered, result)
    assert notice is not None
    assert (notice.key, notice.charged_fen, notice.balance_fen) == ("delivered:sub-1/2026-03-02", 1200, 3800)
    retried = charge_delivery(result.ledger, delivered, ChargePolicy())
    assert delivered_notice(delivered, retried) is None
    failed = DeliveryReport("sub-1/2026-03-03", DAY, DeliveryOutcome.FAILED, 1200, at(DAY, 7), "rider:r1")
    free = delivered_notice(failed, charge_delivery(ledger, failed, ChargePolicy()))
    assert free is not None and (free.outcome, free.charged_fen, free.balance_fen) == ("failed", 0, 5000)
