"""Payments taken by hand (cash at the depot, a bank transfer) as notices, so they take the same
exactly-once path as the providers' (``notices.decide`` with the same unique key). Pure.

The entry's reference is the idempotency key: the form is submitted twice, the payment counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.billing.payments.errors import InvalidPaymentRequest
from hub.billing.payments.port import PaymentNotice, PaymentStatus, Provider, check_amount, check_reference


class ManualMethod(StrEnum):
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    OTHER = "other"


@dataclass(frozen=True)
class ManualPayment:
    reference: str
    """Chosen when the form opens (e.g. ``MAN`` + a new id); the same on a resubmission."""
    amount_fen: int
    method: ManualMethod
    received_at: datetime
    received_by: str
    """The user id of who took the money."""
    note: str = ""

    def __post_init__(self) -> None:
        check_reference(self.reference)
        check_amount(self.amount_fen)
        if self.received_at.tzinfo is None:
            raise InvalidPaymentRequest("received_at must be timezone-aware")
        if not self.received_by.strip():
            raise InvalidPaymentRequest("a manual payment needs who received it")
        if any(ord(c) < 32 and c not in "\n" for c in self.note) or len(self.note) > 500:
            raise InvalidPaymentRequest("the note must be plain text of at most 500 characters")


def manual_notice(payment: ManualPayment) -> PaymentNotice:
    return PaymentNotice(
        provider=Provider.MANUAL,
        notice_id=f"manual:{payment.reference}",
        transaction_id=f"{payment.method}:{payment.reference}",
        reference=payment.reference,
        status=PaymentStatus.SUCCESS,
        amount_fen=payment.amount_fen,
        occurred_at=payment.received_at,
    )
