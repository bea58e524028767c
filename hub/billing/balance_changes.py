"""Refunds, ad-hoc charges and payment receipts on the stored ledger. Never commits.

Every change is a new ledger entry under a key the caller chooses when the form opens, so a
resubmission changes nothing; the ledger's rules refuse a refund above what is still refundable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from hub.billing import service
from hub.billing.errors import InsufficientBalance, InvalidEntry
from hub.billing.ledger import CHARGES, EntryKind, LedgerEntry
from hub.billing.payments.port import Provider
from hub.billing.statements.statement import PaymentReceipt
from hub.billing.tables import LedgerEntryRecord, PaymentRecord


@dataclass(frozen=True)
class Written:
    entry: LedgerEntryRecord
    created: bool
    """False: the key was already used for the same fact (a resubmission)."""
    balance_fen: int


def entry_row(session: Session, account_id: str, key: str) -> LedgerEntryRecord | None:
    stmt = select(LedgerEntryRecord).where(
        col(LedgerEntryRecord.account_id) == account_id, col(LedgerEntryRecord.key) == key
    )
    return session.execute(stmt).scalars().first()


def refundable_fen(session: Session, account_id: str, key: str) -> int:
    """What is still refundable of the entry ``key``: of a charge, what was charged less refunds; of a
    top-up, what was paid less refunds and expiry, and never more than the balance."""
    ledger = service.load_ledger(session, account_id)
    original = ledger.get(key)
    if original is None:
        return 0
    if original.kind in CHARGES:
        return -original.amount_fen - ledger.refunded_fen(key)
    left = original.amount_fen - ledger.refunded_fen(key) - ledger.expired_fen(key)
    return max(min(left, ledger.balance_fen), 0)


def refund(
    session: Session,
    account_id: str,
    original: LedgerEntryRecord,
    *,
    key: str,
    amount_fen: int,
    note: str,
    actor: str,
    business_date: date,
    at: datetime,
) -> Written:
    """Refund part or all of a charge (back onto the balance) or of a top-up (paid back to the payer)."""
    kind = EntryKind(original.kind)
    if kind not in (*CHARGES, EntryKind.TOP_UP):
        raise InvalidEntry(f"entry {original.key} is a {kind}: only top-ups and charges are refunded")
    signed = amount_fen if kind in CHARGES else -amount_fen
    entry = LedgerEntry(
        f"refund:{key}", EntryKind.REFUND, signed, business_date, at, actor, refers_to=original.key, note=note
    )
    created = service.append(session, account_id, entry, original.store_id)
    return _written(session, account_id, entry.key, created)


def charge_order(
    session: Session,
    account_id: str,
    *,
    reference: str,
    amount_fen: int,
    store_id: str,
    note: str,
    actor: str,
    business_date: date,
    at: datetime,
) -> Written:
    """An ad-hoc purchase paid from the prepaid balance: once per reference, only what the balance covers."""
    key = f"adhoc:{reference}"
    entry = LedgerEntry(
        key, EntryKind.ADHOC_ORDER, -amount_fen, business_date, at, actor, refers_to=reference, note=note
    )
    ledger = service.load_ledger(session, account_id)
    if ledger.get(key) is None and ledger.balance_fen < amount_fen:
        raise InsufficientBalance(
            f"the balance of {ledger.balance_fen} fen does not cover {amount_fen} fen",
            balance_fen=ledger.balance_fen,
        )
    created = service.append(session, account_id, entry, store_id)
    return _written(session, account_id, key, created)


def _written(session: Session, account_id: str, key: str, created: bool) -> Written:
    row = entry_row(session, account_id, key)
    assert row is not None  # just appended, or there already
    return Written(row, created, service.balance_fen(session, account_id))


def successful_payment(session: Session, reference: str) -> PaymentRecord | None:
    stmt = select(PaymentRecord).where(
        col(PaymentRecord.reference) == reference, col(PaymentRecord.status) == "success"
    )
    return session.execute(stmt.order_by(col(PaymentRecord.id))).scalars().first()


def receipt(session: Session, payment: PaymentRecord, *, customer_name: str, store_name: str) -> PaymentReceipt:
    """The receipt of a successful payment, with the balance right after its top-up."""
    rows = service.ledger_rows(session, payment.customer_id)
    top_up = next((r for r in rows if r.key == service.top_up_key(payment.reference)), None)
    balance_after = sum(r.amount_fen for r in rows if top_up is not None and (r.id or 0) <= (top_up.id or 0))
    manual = payment.provider == Provider.MANUAL
    return PaymentReceipt(
        receipt_no=f"R{payment.paid_at:%Y%m%d}-{payment.id:06d}",
        customer_id=payment.customer_id,
        customer_name=customer_name,
        store_name=store_name,
        amount_fen=payment.amount_fen,
        provider=Provider(payment.provider),
        paid_at=payment.paid_at,
        reference=payment.reference,
        transaction_id=None if manual else payment.transaction_id or None,
        balance_after_fen=balance_after if top_up is not None else None,
    )
