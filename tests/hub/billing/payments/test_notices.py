"""The pure rule that applies provider notices exactly once, whatever the order and the repeats."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.billing.payments.errors import AmountMismatch, ConflictingNotice, InvalidPaymentRequest, UnknownOrder
from hub.billing.payments.manual import ManualMethod, ManualPayment, manual_notice
from hub.billing.payments.notices import RecordedNotice, Verdict, decide
from hub.billing.payments.port import PaymentNotice, PaymentStatus, Provider

AT = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
PAID = PaymentNotice(Provider.WECHAT, "EV-1", "4200000001", "MILK202405010001", PaymentStatus.SUCCESS, 3000, AT)


def refund(refund_id: str, fen: int) -> PaymentNotice:
    return replace(PAID, notice_id=f"EV-{refund_id}", status=PaymentStatus.REFUND, refund_id=refund_id, refund_fen=fen)


def apply_all(deliveries: list[PaymentNotice], amount: int = 3000) -> tuple[list[int], list[Verdict]]:
    """A provider's delivery loop: what is refused comes again later (bounded)."""
    recorded: dict[str, RecordedNotice] = {}
    ledger: list[int] = []
    verdicts: list[Verdict] = []
    queue = list(deliveries)
    for _ in range(10 * len(deliveries) + 10):
        if not queue:
            break
        notice = queue.pop(0)
        decision = decide(notice, amount, list(recorded.values()))
        verdicts.append(decision.verdict)
        if decision.verdict is Verdict.TOO_EARLY:
            queue.append(notice)
        elif decision.verdict is Verdict.APPLY and decision.record is not None:
            recorded[decision.key] = decision.record
            if notice.status is PaymentStatus.SUCCESS:
                ledger.append(notice.amount_fen)
            elif notice.status is PaymentStatus.REFUND:
                ledger.append(-(decision.record.refund_fen or 0))
    assert not queue, "every notice is applied eventually"
    return ledger, verdicts


def test_a_payment_delivered_twice_is_applied_once() -> None:
    ledger, verdicts = apply_all([PAID, PAID])
    assert ledger == [3000] and verdicts == [Verdict.APPLY, Verdict.DUPLICATE]


def test_a_success_after_its_refund_is_stale() -> None:
    _, verdicts = apply_all([PAID, refund("RF1", 500), PAID])
    assert verdicts[-1] is Verdict.STALE


def test_an_unknown_order_and_a_wrong_amount_are_refused_clearly() -> None:
    with pytest.raises(UnknownOrder, match="no payment order with reference MILK202405010001"):
        decide(PAID, None, [])
    with pytest.raises(AmountMismatch, match=r"says 30\.00 yuan but the order is for 25\.00 yuan"):
        decide(PAID, 2500, [])


def test_a_second_different_amount_for_the_same_transaction_is_refused() -> None:
    first = decide(PAID, 3000, [])
    assert first.record is not None
    with pytest.raises(AmountMismatch, match=r"applied as paid 30\.00 yuan; this notice says 31\.00"):
        decide(replace(PAID, amount_fen=3100), 3100, [first.record])  # even if our order were edited since


def test_another_transaction_for_a_paid_order_is_a_conflict() -> None:
    first = decide(PAID, 3000, [])
    assert first.record is not None
    with pytest.raises(ConflictingNotice, match="paid in transaction 4200000001"):
        decide(replace(PAID, transaction_id="4200000999"), 3000, [first.record])


def test_refunds_beyond_the_payment_are_refused() -> None:
    paid = decide(PAID, 3000, []).record
    assert paid is not None
    first = decide(refund("RF1", 2000), 3000, [paid]).record
    assert first is not None and first.refund_fen == 2000
    with pytest.raises(
        AmountMismatch, match=r"bring refunds of order MILK202405010001 to 35\.00 yuan, beyond its payment"
    ):
        decide(refund("RF2", 1500), 3000, [paid, first])


def test_a_refund_computed_from_a_cumulative_total_counts_only_the_new_part() -> None:
    paid = decide(PAID, 3000, []).record
    first = decide(refund("RF1", 1000), 3000, [paid]).record  # type: ignore[list-item]
    cumulative = replace(refund("RF2", 0), refund_fen=None, refunded_total_fen=1600)
    second = decide(cumulative, 3000, [paid, first])  # type: ignore[list-item]
    assert second.verdict is Verdict.APPLY and second.record is not None and second.record.refund_fen == 600


def test_a_close_after_payment_is_stale_and_a_payment_after_close_still_counts() -> None:
    closed = replace(PAID, status=PaymentStatus.CLOSED)
    assert apply_all([PAID, closed])[1] == [Verdict.APPLY, Verdict.STALE]
    assert apply_all([closed, PAID]) == ([3000], [Verdict.APPLY, Verdict.APPLY])


def test_a_pending_notice_changes_nothing() -> None:
    assert decide(replace(PAID, status=PaymentStatus.PENDING), 3000, []).verdict is Verdict.IGNORE


@settings(max_examples=200, deadline=None)
@given(
    refunds=st.lists(st.integers(min_value=1, max_value=1000), max_size=3),
    repeats=st.lists(st.integers(min_value=1, max_value=3), min_size=4, max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_any_order_and_any_repeats_apply_each_notice_exactly_once(
    refunds: list[int], repeats: list[int], order: object
) -> None:
    notices = [PAID] + [refund(f"RF{i}", fen) for i, fen in enumerate(refunds)]
    deliveries = [n for n, times in zip(notices, repeats, strict=False) for _ in range(times)]
    order.shuffle(deliveries)  # type: ignore[attr-defined]

    ledger, _ = apply_all(deliveries)

    assert sorted(ledger) == sorted([3000] + [-fen for fen in refunds])


def test_a_manual_payment_submitted_twice_counts_once() -> None:
    entry = ManualPayment("MAN20240501A7", 5000, ManualMethod.CASH, AT, received_by="user-clerk-1", note="门店现金")
    first = decide(manual_notice(entry), 5000, [])
    assert first.verdict is Verdict.APPLY and first.record is not None
    again = decide(manual_notice(entry), 5000, [first.record])
    assert again.verdict is Verdict.DUPLICATE
    assert first.key == "manual:MAN20240501A7:payment"


def test_a_manual_payment_of_nothing_is_refused() -> None:
    with pytest.raises(InvalidPaymentRequest, match="positive whole number of fen"):
        ManualPayment("MAN20240501A8", 0, ManualMethod.CASH, AT, received_by="user-clerk-1")
