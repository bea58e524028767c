"""Billing's tables: the prepaid ledger, payment notices applied once, auto-renew consents."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class LedgerEntryRecord(SQLModel, table=True):
    """One prepaid ledger entry (signed fen). Never updated; the balance is their sum."""

    __tablename__ = "billing_ledger"

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    key: str = Field(unique=True, max_length=200)
    kind: str = Field(max_length=16)
    amount_fen: int
    business_date: date
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=120)
    refers_to: str | None = Field(default=None, index=True, max_length=200)
    expires_on: date | None = None
    note: str = Field(default="", max_length=200)
    store_id: str | None = Field(default=None, index=True, max_length=64)


class PaymentRecord(SQLModel, table=True):
    """A payment (or refund) notice as applied: its key makes a redelivered notice a no-op."""

    __tablename__ = "billing_payments"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    provider: str = Field(max_length=16)
    reference: str = Field(index=True, max_length=64)
    transaction_id: str = Field(default="", max_length=64)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    store_id: str | None = Field(default=None, max_length=64)
    amount_fen: int
    status: str = Field(max_length=16)
    refund_id: str | None = Field(default=None, max_length=64)
    refund_fen: int | None = None
    paid_at: datetime = Field(sa_type=UTCDateTime)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PaymentOrderRecord(SQLModel, table=True):
    """A top-up we asked a provider for: the reference a notice and a bill row are matched by."""

    __tablename__ = "billing_payment_orders"

    reference: str = Field(primary_key=True, max_length=64)
    customer_id: str = Field(foreign_key="customers.id", index=True, max_length=36)
    store_id: str | None = Field(default=None, max_length=64)
    amount_fen: int
    provider: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AutoRenewConsentRecord(SQLModel, table=True):
    """A customer's recorded consent to automatic renewal (who, when, up to which price)."""

    __tablename__ = "billing_consents"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(foreign_key="subscriptions.id", index=True, max_length=36)
    customer_id: str = Field(foreign_key="customers.id", max_length=36)
    max_price_fen: int
    granted_by: str = Field(max_length=120)
    granted_at: datetime = Field(sa_type=UTCDateTime)
    method: str = Field(max_length=32)
    """How it was given: app_checkbox, signed_form, recorded_call."""
    wording_version: str = Field(max_length=32)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str = Field(default="", max_length=120)
