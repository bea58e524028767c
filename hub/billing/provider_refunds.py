"""A top-up paid through WeChat Pay or Alipay is paid back through it. Never commits.

Refunding such a top-up over REST writes the ledger entry and a refund row (the one the provider's
own refund notice is matched to later, so that notice changes nothing) in the request's transaction,
then asks the provider, with a refund number derived from the request's key; the route commits only
once the provider agreed. A provider that refuses or does not answer: nothing is written (a 502
problem), and the same request again asks again with the same number, which never pays back twice.
A refund the provider accepts to process later (WeChat's PROCESSING) is booked as refunded; a later
failure notice for it is refused as a conflict, for finance to settle by hand.

Before, the refund was only booked: the money stayed with the business until someone repeated the
refund in the merchant console, and that refund's notice then took it off the balance a second time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import Session

from hub.billing.balance_changes import successful_payment
from hub.billing.errors import InvalidEntry
from hub.billing.ledger import EntryKind
from hub.billing.payments.notices import refund_key
from hub.billing.payments.port import PaymentStatus, Provider, RefundRequest
from hub.billing.service import PROVIDER_ACTOR
from hub.billing.tables import LedgerEntryRecord, PaymentOrderRecord, PaymentRecord

PAID_BACK_BY_PROVIDER = frozenset({Provider.WECHAT, Provider.ALIPAY})
"""Cash and transfers (``manual``) are paid back by hand: the refund is only booked."""


def provider_of(original: LedgerEntryRecord) -> str | None:
    """The provider that pays a top-up back (None: paid in cash or by transfer, or not a top-up)."""
    if original.kind != EntryKind.TOP_UP or not original.actor.startswith(PROVIDER_ACTOR):
        return None
    provider = original.actor.removeprefix(PROVIDER_ACTOR)
    return provider if provider in PAID_BACK_BY_PROVIDER else None


def refund_number(customer_id: str, key: str) -> str:
    """Our refund number at the provider (6-32 of [A-Za-z0-9_-]), the same for the same request key."""
    return "RF" + hashlib.sha256(f"{customer_id}:{key}".encode()).hexdigest()[:30]


def record_refund(
    session: Session, original: LedgerEntryRecord, *, key: str, amount_fen: int, reason: str, at: datetime
) -> RefundRequest:
    """Write the refund row of a provider top-up's refund and return what to ask the provider."""
    provider = provider_of(original)
    reference = original.refers_to or ""
    order = session.get(PaymentOrderRecord, reference)
    if provider is None or order is None:
        raise InvalidEntry(f"entry {original.key} was not paid through a payment provider")
    refund_id = refund_number(original.account_id, key)
    paid = successful_payment(session, reference)
    session.add(
        PaymentRecord(
            key=refund_key(provider, reference, refund_id),
            provider=provider,
            reference=reference,
            transaction_id=paid.transaction_id if paid is not None else "",
            customer_id=order.customer_id,
            store_id=order.store_id,
            amount_fen=order.amount_fen,
            status=str(PaymentStatus.REFUND),
            refund_id=refund_id,
            refund_fen=amount_fen,
            paid_at=at,
            recorded_at=at,
        )
    )
    session.flush()
    return RefundRequest(reference, refund_id, amount_fen, order.amount_fen, reason=reason[:80])
