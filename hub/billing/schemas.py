"""Request and response models of the billing API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from hub.api_types import RequestModel, StrictInt
from hub.billing.payments.manual import ManualMethod

Reference = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{6,32}$")]


class EntryOut(BaseModel):
    key: str
    kind: str
    amount_fen: int
    business_date: date
    at: datetime
    actor: str
    refers_to: str | None
    note: str


class BalanceOut(BaseModel):
    customer_id: str
    balance_fen: int
    """Always the sum of ``entries``."""
    entries: list[EntryOut]


class ManualPaymentIn(RequestModel):
    reference: Reference
    """Chosen when the form opens; a resubmission with the same reference pays once."""
    amount_fen: Annotated[StrictInt, Field(ge=1, le=100_000_000)]
    method: ManualMethod
    store_id: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=500)


class AdjustmentIn(RequestModel):
    key: str = Field(pattern=r"^[\x21-\x7e]{1,120}$")
    amount_fen: Annotated[StrictInt, Field(ge=-100_000_000, le=100_000_000)]
    note: str = Field(min_length=1, max_length=200)


class PaymentOut(BaseModel):
    reference: str
    verdict: str
    reason: str
    balance_fen: int


class ReportLineOut(BaseModel):
    issue: str
    reference: str
    customer_id: str | None
    amount_fen: int
    transaction_id: str | None
    detail: str


class BillImportOut(BaseModel):
    provider: str
    rows: int
    matched: int
    clean: bool
    unmatched: list[ReportLineOut]


class TopUpIn(RequestModel):
    reference: Reference
    amount_fen: Annotated[StrictInt, Field(ge=1, le=100_000_000)]
    method: str = Field(pattern=r"^(wechat\.native|wechat\.jsapi|alipay\.page|alipay\.precreate|alipay\.app)$")
    payer_openid: str | None = Field(default=None, max_length=128)
    store_id: str | None = Field(default=None, max_length=64)


class TopUpOut(BaseModel):
    reference: str
    provider: str
    action: dict[str, object]
    """What the payer does: a QR code's ``code_url``, JSAPI parameters, a page URL or an app order string."""


IdempotencyKey = Annotated[str, Field(pattern=r"^[\x21-\x7e]{1,120}$")]


class RefundIn(RequestModel):
    key: IdempotencyKey
    """Chosen when the form opens; a resubmission with the same key refunds once."""
    entry_key: str = Field(min_length=1, max_length=200)
    """The ledger entry refunded: a charge (the money goes back onto the balance) or a top-up (paid back)."""
    amount_fen: Annotated[StrictInt, Field(ge=1, le=100_000_000)]
    note: str = Field(min_length=1, max_length=200)
    """Why (and, for a top-up, how the money was paid back)."""


class ChargeIn(RequestModel):
    reference: IdempotencyKey
    """The order or till receipt paid from the balance: charged once."""
    amount_fen: Annotated[StrictInt, Field(ge=1, le=100_000_000)]
    store_id: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=200)


class EntryWrittenOut(BaseModel):
    entry: EntryOut
    created: bool
    """False: this key was already used for the same refund or charge; nothing changed."""
    balance_fen: int
    refundable_fen: int
    """Refunds: what is still refundable of the refunded entry. Charges: what of this charge is refundable."""
