"""Whether a verified payment notice is applied, a duplicate, stale or too early. Pure.

Providers deliver notifications at least once and in any order (WeChat Pay and Alipay both retry
for about a day until we answer success). The service loads what it already recorded for the
order, asks ``decide``, and on ``APPLY`` stores ``decision.record`` under ``decision.key`` (a
unique column) in the same transaction as the ledger entry; a concurrent duplicate then fails on
that unique key and is answered like ``DUPLICATE``. On ``TOO_EARLY`` it answers the provider with
a failure so the notice comes again after the one it depends on.

Rules:
- unknown reference -> ``UnknownOrder``; an amount other than the order's -> ``AmountMismatch``;
- a second payment with another transaction id, or another amount, for one order -> error;
- a ``SUCCESS`` seen again -> ``DUPLICATE``, or ``STALE`` once a refund was applied after it;
- a ``REFUND`` before its ``SUCCESS`` -> ``TOO_EARLY``; refunds above the payment -> ``AmountMismatch``;
- a ``CLOSED`` after a payment -> ``STALE`` (money that moved wins over a close);
- ``PENDING`` -> ``IGNORE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from hub.billing.payments.errors import AmountMismatch, ConflictingNotice, MalformedNotice, UnknownOrder
from hub.billing.payments.port import PaymentNotice, PaymentStatus, yuan


class Verdict(StrEnum):
    APPLY = "apply"
    """New: apply it (credit, refund, close) and store ``record`` under ``key``."""
    DUPLICATE = "duplicate"
    """Already applied: answer success, change nothing."""
    STALE = "stale"
    """Older than what was applied since (a success after its refund): answer success, change nothing."""
    TOO_EARLY = "too_early"
    """Depends on a notice not applied yet: answer failure, the provider sends it again later."""
    IGNORE = "ignore"
    """Nothing to apply (still pending): answer success."""


@dataclass(frozen=True)
class RecordedNotice:
    """What the service keeps of an applied notice (one row per ``key``)."""

    key: str
    status: PaymentStatus
    transaction_id: str
    amount_fen: int
    refund_id: str | None = None
    refund_fen: int | None = None
    """Refunds: the amount that was applied."""


@dataclass(frozen=True)
class NoticeDecision:
    verdict: Verdict
    reason: str
    key: str
    record: RecordedNotice | None = None
    """Set on ``APPLY``: the row to store."""

    @property
    def acknowledge(self) -> bool:
        """True when the provider should be told the notice was received."""
        return self.verdict is not Verdict.TOO_EARLY


def refund_key(provider: str, reference: str, refund_id: str) -> str:
    """The unique key of one refund of an order, whoever asked for it (a notice, or our own request)."""
    return f"{provider}:{reference}:refund:{refund_id}"


def notice_key(notice: PaymentNotice) -> str:
    """The unique key of what a notice changes: the payment, one refund, or the close of an order."""
    if notice.status in (PaymentStatus.REFUND, PaymentStatus.REFUND_FAILED):
        return refund_key(str(notice.provider), notice.reference, notice.refund_id or "")
    if notice.status is PaymentStatus.CLOSED:
        return f"{notice.provider}:{notice.reference}:closed"
    return f"{notice.provider}:{notice.reference}:payment"


def decide(
    notice: PaymentNotice, expected_amount_fen: int | None, recorded: Sequence[RecordedNotice]
) -> NoticeDecision:
    """Decide what to do with ``notice`` given the order's amount (None: no such order) and what was recorded."""
    ref = notice.reference
    if expected_amount_fen is None:
        raise UnknownOrder(f"no payment order with reference {ref} (from {notice.provider})", reference=ref)
    key = notice_key(notice)
    if notice.status is PaymentStatus.PENDING:
        return NoticeDecision(Verdict.IGNORE, f"order {ref} is not paid yet", key)
    if notice.amount_fen != expected_amount_fen:
        raise AmountMismatch(
            f"the {notice.provider} notice for order {ref} says {yuan(notice.amount_fen)} yuan "
            f"but the order is for {yuan(expected_amount_fen)} yuan",
            reference=ref,
        )
    _check_same_transaction(notice, recorded)
    same = next((r for r in recorded if r.key == key), None)
    paid = next((r for r in recorded if r.status is PaymentStatus.SUCCESS), None)
    refunds = [r for r in recorded if r.status is PaymentStatus.REFUND]
    if notice.status is PaymentStatus.SUCCESS:
        return _payment(notice, key, same, refunds)
    if notice.status is PaymentStatus.CLOSED:
        if same is not None:
            return NoticeDecision(Verdict.DUPLICATE, f"order {ref} was already closed", key)
        if paid is not None:
            return NoticeDecision(Verdict.STALE, f"order {ref} was paid; a close notice changes nothing", key)
        return NoticeDecision(Verdict.APPLY, f"order {ref} closed unpaid", key, _record(notice, key))
    if notice.status is PaymentStatus.REFUND_FAILED:
        if same is not None and same.status is PaymentStatus.REFUND:
            raise ConflictingNotice(
                f"refund {notice.refund_id} of order {ref} was applied as refunded; a failure notice contradicts it",
                reference=ref,
            )
        if same is not None:
            return NoticeDecision(Verdict.DUPLICATE, f"refund {notice.refund_id} of order {ref} already failed", key)
        return NoticeDecision(
            Verdict.APPLY, f"refund {notice.refund_id} of order {ref} failed", key, _record(notice, key)
        )
    return _refund(notice, key, same, paid, refunds)


def _payment(
    notice: PaymentNotice, key: str, same: RecordedNotice | None, refunds: Sequence[RecordedNotice]
) -> NoticeDecision:
    ref = notice.reference
    if same is None:
        return NoticeDecision(Verdict.APPLY, f"payment of order {ref} received", key, _record(notice, key))
    if same.amount_fen != notice.amount_fen:
        raise AmountMismatch(
            f"order {ref} was applied as paid {yuan(same.amount_fen)} yuan; this notice says {yuan(notice.amount_fen)}",
            reference=ref,
        )
    if refunds:
        return NoticeDecision(Verdict.STALE, f"order {ref} was refunded since this payment notice", key)
    return NoticeDecision(Verdict.DUPLICATE, f"payment of order {ref} was already applied", key)


def _refund(
    notice: PaymentNotice,
    key: str,
    same: RecordedNotice | None,
    paid: RecordedNotice | None,
    refunds: Sequence[RecordedNotice],
) -> NoticeDecision:
    ref, refund_id = notice.reference, notice.refund_id
    if not refund_id:
        raise MalformedNotice(f"the refund notice for order {ref} names no refund", reference=ref)
    if same is not None and same.status is PaymentStatus.REFUND_FAILED:
        raise ConflictingNotice(f"refund {refund_id} of order {ref} was recorded as failed", reference=ref)
    others = sum(r.refund_fen or 0 for r in refunds if r.refund_id != refund_id)
    if notice.refund_fen is not None:
        amount = notice.refund_fen
    elif notice.refunded_total_fen is not None:
        amount = notice.refunded_total_fen - others
    else:
        raise MalformedNotice(f"the refund notice for order {ref} states no amount", reference=ref)
    if same is not None:
        if same.refund_fen != amount:
            raise AmountMismatch(
                f"refund {refund_id} of order {ref} was applied as {yuan(same.refund_fen or 0)} yuan; "
                f"this notice says {yuan(amount)}",
                reference=ref,
            )
        return NoticeDecision(Verdict.DUPLICATE, f"refund {refund_id} of order {ref} was already applied", key)
    if paid is None:
        return NoticeDecision(Verdict.TOO_EARLY, f"refund {refund_id} arrived before the payment of order {ref}", key)
    if amount <= 0 or others + amount > paid.amount_fen:
        raise AmountMismatch(
            f"refund {refund_id} of {yuan(amount)} yuan would bring refunds of order {ref} to "
            f"{yuan(others + amount)} yuan, beyond its payment of {yuan(paid.amount_fen)}",
            reference=ref,
        )
    return NoticeDecision(
        Verdict.APPLY, f"refund {refund_id} of order {ref} received", key, _record(notice, key, refund_fen=amount)
    )


def _check_same_transaction(notice: PaymentNotice, recorded: Sequence[RecordedNotice]) -> None:
    for r in recorded:
        if r.status in (PaymentStatus.SUCCESS, PaymentStatus.REFUND) and r.transaction_id != notice.transaction_id:
            raise ConflictingNotice(
                f"order {notice.reference} was paid in transaction {r.transaction_id}; "
                f"this notice is for transaction {notice.transaction_id}",
                reference=notice.reference,
            )


def _record(notice: PaymentNotice, key: str, refund_fen: int | None = None) -> RecordedNotice:
    return RecordedNotice(
        key=key,
        status=notice.status,
        transaction_id=notice.transaction_id,
        amount_fen=notice.amount_fen,
        refund_id=notice.refund_id,
        refund_fen=refund_fen,
    )
