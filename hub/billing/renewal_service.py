"""Stored consents as values, the renewal's charge and prepaid expiry on the stored ledger. Never commits.

The renewal's charge is a payment order for the renewal price under a reference derived from the
subscription and the new term's start: asked for once per term, however often the job runs. It is
paid like any top-up (a provider's notice, a manual payment or a bill row with that reference).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlmodel import Session

from hub.billing import service
from hub.billing.expiry import expiries_due
from hub.billing.ledger import EntryKind, Ledger, LedgerEntry
from hub.billing.payments.port import Provider
from hub.billing.renewal import AutoRenewConsent
from hub.billing.tables import PaymentOrderRecord


def consent_of(session: Session, subscription_id: str) -> AutoRenewConsent | None:
    """The active recorded consent to renew ``subscription_id`` automatically, if any."""
    row = service.active_consent(session, subscription_id)
    if row is None:
        return None
    return AutoRenewConsent(
        subscription_id=row.subscription_id,
        given_by=row.granted_by,
        given_at=row.granted_at,
        method=row.method,
        wording_version=row.wording_version,
        max_price_fen=row.max_price_fen,
    )


def renewal_reference(subscription_id: str, term_start: date) -> str:
    digest = hashlib.sha256(subscription_id.encode()).hexdigest()[:12].upper()
    return f"RN{term_start:%Y%m%d}{digest}"


def open_renewal_charge(
    session: Session, *, subscription_id: str, customer_id: str, store_id: str, term_start: date, price_fen: int
) -> tuple[PaymentOrderRecord, bool]:
    """(the renewal's payment order, created now): one per (subscription, term start)."""
    reference = renewal_reference(subscription_id, term_start)
    existing = session.get(PaymentOrderRecord, reference)
    if existing is not None:
        return existing, False
    order = service.open_payment_order(
        session,
        reference=reference,
        customer_id=customer_id,
        amount_fen=price_fen,
        provider=str(Provider.MANUAL),
        store_id=store_id,
    )
    return order, True


def expire_prepaid(
    session: Session, account_id: str, *, valid_days: int, today: date, at: datetime, store_id: str | None
) -> int:
    """Append the expiry of every top-up older than ``valid_days`` with value left; returns fen expired.

    Top-ups stored without their own ``expires_on`` are given ``business_date + valid_days`` (the plan's
    policy); the expiry key is the top-up's, so a second run adds nothing."""
    ledger = service.load_ledger(session, account_id)
    dated = Ledger(
        ledger.account_id,
        ledger.currency,
        tuple(
            e
            if e.kind is not EntryKind.TOP_UP or e.expires_on is not None
            else _with_expiry(e, e.business_date + timedelta(days=valid_days))
            for e in ledger.entries
        ),
    )
    expired = 0
    for entry in expiries_due(dated, today, at=at):
        if service.append(session, account_id, entry, store_id):
            expired -= entry.amount_fen
    return expired


def _with_expiry(entry: LedgerEntry, expires_on: date) -> LedgerEntry:
    return replace(entry, expires_on=expires_on)
