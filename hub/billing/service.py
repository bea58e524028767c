"""Billing's service layer: the stored ledger, delivery charges, payments applied once. Never commits."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from hub.billing.delivery_charges import ChargePolicy, ChargeResult, DeliveryReport, charge_delivery
from hub.billing.errors import EntryKeyConflict
from hub.billing.ledger import EntryKind, Ledger, LedgerEntry
from hub.billing.payments.errors import UnknownOrder
from hub.billing.payments.notices import NoticeDecision, RecordedNotice, Verdict, decide
from hub.billing.payments.port import PaymentNotice, PaymentStatus, Provider
from hub.billing.renewal import AutoRenewConsent
from hub.billing.statements.statement import ChargeLine, PaymentLine
from hub.billing.tables import AutoRenewConsentRecord, LedgerEntryRecord, PaymentOrderRecord, PaymentRecord

logger = logging.getLogger(__name__)


def _entry(row: LedgerEntryRecord) -> LedgerEntry:
    return LedgerEntry(
        key=row.key,
        kind=EntryKind(row.kind),
        amount_fen=row.amount_fen,
        business_date=row.business_date,
        at=row.at,
        actor=row.actor,
        refers_to=row.refers_to,
        expires_on=row.expires_on,
        note=row.note,
    )


def ledger_rows(session: Session, account_id: str) -> list[LedgerEntryRecord]:
    stmt = select(LedgerEntryRecord).where(col(LedgerEntryRecord.account_id) == account_id)
    return list(session.execute(stmt.order_by(col(LedgerEntryRecord.id))).scalars())


def load_ledger(session: Session, account_id: str) -> Ledger:
    return Ledger(account_id, entries=tuple(_entry(r) for r in ledger_rows(session, account_id)))


def balance_fen(session: Session, account_id: str) -> int:
    stmt = select(func.coalesce(func.sum(LedgerEntryRecord.amount_fen), 0)).where(
        col(LedgerEntryRecord.account_id) == account_id
    )
    return int(session.execute(stmt).scalar_one())


def store_entry(session: Session, account_id: str, entry: LedgerEntry, store_id: str | None = None) -> None:
    """Insert a checked entry; a concurrent writer of the same key loses on the unique column."""
    row = LedgerEntryRecord(
        account_id=account_id,
        key=entry.key,
        kind=str(entry.kind),
        amount_fen=entry.amount_fen,
        business_date=entry.business_date,
        at=entry.at,
        actor=entry.actor,
        refers_to=entry.refers_to,
        expires_on=entry.expires_on,
        note=entry.note,
        store_id=store_id,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise EntryKeyConflict(f"ledger key {entry.key} was written concurrently; retry") from exc


def append(session: Session, account_id: str, entry: LedgerEntry, store_id: str | None = None) -> bool:
    """Append ``entry`` to the account (checked against every rule); False when it was already there."""
    appended = load_ledger(session, account_id).append(entry)
    if appended.created:
        store_entry(session, account_id, entry, store_id)
    return appended.created


def charge(
    session: Session, account_id: str, report: DeliveryReport, policy: ChargePolicy, store_id: str
) -> ChargeResult:
    result = charge_delivery(load_ledger(session, account_id), report, policy)
    if result.created and result.entry is not None:
        store_entry(session, account_id, result.entry, store_id)
    return result


def open_payment_order(
    session: Session, *, reference: str, customer_id: str, amount_fen: int, provider: str, store_id: str | None
) -> PaymentOrderRecord:
    order = session.get(PaymentOrderRecord, reference)
    if order is None:
        order = PaymentOrderRecord(
            reference=reference, customer_id=customer_id, store_id=store_id, amount_fen=amount_fen, provider=provider
        )
        session.add(order)
        session.flush()
    return order


PROVIDER_ACTOR = "provider:"
"""The actor of what a provider's notice booked (``provider:wechat``)."""


def top_up_key(reference: str) -> str:
    return f"top_up:{reference}"


def apply_notice(session: Session, notice: PaymentNotice, *, business_date: date, now: datetime) -> NoticeDecision:
    """Apply a verified notice exactly once: the payment row and its ledger entry in one transaction."""
    order = session.get(PaymentOrderRecord, notice.reference)
    if order is None:
        raise UnknownOrder(f"no payment order with reference {notice.reference}", reference=notice.reference)
    stmt = select(PaymentRecord).where(col(PaymentRecord.reference) == notice.reference)
    rows = list(session.execute(stmt).scalars())
    recorded = [
        RecordedNotice(r.key, PaymentStatus(r.status), r.transaction_id, r.amount_fen, r.refund_id, r.refund_fen)
        for r in rows
    ]
    decision = decide(notice, order.amount_fen, recorded)
    if decision.verdict is not Verdict.APPLY or decision.record is None:
        return decision
    record = decision.record
    session.add(
        PaymentRecord(
            key=record.key,
            provider=str(notice.provider),
            reference=notice.reference,
            transaction_id=record.transaction_id,
            customer_id=order.customer_id,
            store_id=order.store_id,
            amount_fen=record.amount_fen,
            status=str(record.status),
            refund_id=record.refund_id,
            refund_fen=record.refund_fen,
            paid_at=notice.occurred_at,
            recorded_at=now,
        )
    )
    actor = f"{PROVIDER_ACTOR}{notice.provider}"
    if record.status is PaymentStatus.SUCCESS:
        entry = LedgerEntry(
            top_up_key(notice.reference),
            EntryKind.TOP_UP,
            record.amount_fen,
            business_date,
            now,
            actor,
            refers_to=notice.reference,
        )
        append(session, order.customer_id, entry, order.store_id)
    elif record.status is PaymentStatus.REFUND and record.refund_fen:
        entry = LedgerEntry(
            f"refund:{record.key}",
            EntryKind.REFUND,
            -record.refund_fen,
            business_date,
            now,
            actor,
            refers_to=top_up_key(notice.reference),
        )
        append(session, order.customer_id, entry, order.store_id)
    session.flush()
    logger.info("payment notice %s applied: %s", record.key, decision.reason)
    return decision


def payments_between(session: Session, store_id: str, first: datetime, end: datetime) -> list[PaymentRecord]:
    stmt = select(PaymentRecord).where(
        col(PaymentRecord.store_id) == store_id, col(PaymentRecord.paid_at) >= first, col(PaymentRecord.paid_at) < end
    )
    return list(session.execute(stmt).scalars())


def statement_money(
    session: Session, customer_id: str, first: date, last: date
) -> tuple[int, list[ChargeLine], list[PaymentLine]]:
    """The opening balance before ``first`` and the month's charges and payments, for a statement."""
    rows = ledger_rows(session, customer_id)
    opening = sum(r.amount_fen for r in rows if r.business_date < first)
    charges: list[ChargeLine] = []
    payments: list[PaymentLine] = []
    for r in rows:
        if not first <= r.business_date <= last:
            continue
        if r.kind in (EntryKind.TOP_UP, EntryKind.REFUND) and r.actor.startswith(PROVIDER_ACTOR):
            order = session.get(PaymentOrderRecord, r.refers_to or "") if r.kind == EntryKind.TOP_UP else None
            provider = Provider(order.provider) if order is not None else Provider(r.actor.removeprefix(PROVIDER_ACTOR))
            payments.append(PaymentLine(r.at, r.key, provider, r.amount_fen, r.refers_to or ""))
        else:
            charges.append(ChargeLine(r.business_date, r.key, _describe(r), -r.amount_fen))
    return opening, charges, payments


def _describe(row: LedgerEntryRecord) -> str:
    names = {
        "delivery_charge": "配送扣款",
        "adhoc_order": "加购",
        "refund": "退款",
        "adjustment": "调整",
        "expiry": "余额过期",
        "top_up": "充值",
    }
    text = names.get(row.kind, row.kind)
    return f"{text} {row.note}".strip() if row.note else text


def record_consent(
    session: Session,
    *,
    subscription_id: str,
    customer_id: str,
    consent: AutoRenewConsent,
) -> AutoRenewConsentRecord:
    """Keep a consent to automatic renewal (an earlier active one is revoked by the new one)."""
    revoke_consent(session, subscription_id, by=consent.given_by, at=consent.given_at)
    row = AutoRenewConsentRecord(
        subscription_id=subscription_id,
        customer_id=customer_id,
        max_price_fen=consent.max_price_fen,
        granted_by=consent.given_by,
        granted_at=consent.given_at,
        method=consent.method,
        wording_version=consent.wording_version,
    )
    session.add(row)
    session.flush()
    return row


def revoke_consent(session: Session, subscription_id: str, *, by: str, at: datetime) -> int:
    stmt = select(AutoRenewConsentRecord).where(
        col(AutoRenewConsentRecord.subscription_id) == subscription_id, col(AutoRenewConsentRecord.revoked_at).is_(None)
    )
    revoked = 0
    for row in session.execute(stmt).scalars():
        row.revoked_at, row.revoked_by = at, by
        session.add(row)
        revoked += 1
    session.flush()
    return revoked


def active_consent(session: Session, subscription_id: str) -> AutoRenewConsentRecord | None:
    stmt = select(AutoRenewConsentRecord).where(
        col(AutoRenewConsentRecord.subscription_id) == subscription_id, col(AutoRenewConsentRecord.revoked_at).is_(None)
    )
    return session.execute(stmt.order_by(col(AutoRenewConsentRecord.id).desc())).scalars().first()
