"""The payment-provider port and its plain value types. Pure.

A service creates an order for an amount in fen under our own reference (the provider's
``out_trade_no``), shows the payer what the provider answered (a QR code, JSAPI parameters, a
cashier page), and later receives a signed notification that the adapter verifies and turns into
a ``PaymentNotice``. Whether a notice is applied, a duplicate or stale is decided by
``hub.billing.payments.notices.decide``; the service stores the notice under its unique key in
the same transaction as the ledger entry, so it is applied exactly once.

Adapters are blocking (HTTP through the providers' SDKs): from async code, call them through
``asyncio.to_thread``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Protocol

from hub.billing.payments.errors import InvalidPaymentRequest

REFERENCE_PATTERN = re.compile(r"[0-9A-Za-z_-]{6,32}")
"""Our order reference: what both WeChat Pay (6-32 chars) and Alipay (up to 64) accept."""


class Provider(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"
    MANUAL = "manual"
    """Cash, bank transfer, a payment entered by hand at the depot."""


class PaymentMethod(StrEnum):
    WECHAT_NATIVE = "wechat.native"
    """A QR code (``code_url``) the payer scans with WeChat."""
    WECHAT_JSAPI = "wechat.jsapi"
    """Inside WeChat (official account / mini program): parameters for ``requestPayment``."""
    ALIPAY_PAGE = "alipay.page"
    """Alipay's cashier page on a computer: a URL to send the payer to."""
    ALIPAY_PRECREATE = "alipay.precreate"
    """当面付 QR code the payer scans with Alipay."""
    ALIPAY_APP = "alipay.app"
    """The signed order string a mobile app hands to the Alipay SDK."""


class PaymentStatus(StrEnum):
    SUCCESS = "success"
    """Paid: ``amount_fen`` arrived."""
    REFUND = "refund"
    """A refund of (part of) the payment went back to the payer."""
    REFUND_FAILED = "refund_failed"
    """A refund we asked for did not go through (abnormal or closed)."""
    CLOSED = "closed"
    """The order was closed without payment."""
    PENDING = "pending"
    """Created, not paid yet."""


@dataclass(frozen=True)
class OrderRequest:
    reference: str
    amount_fen: int
    description: str
    method: PaymentMethod
    payer_openid: str | None = None
    """WeChat JSAPI only: the payer's openid under our app id."""
    return_url: str | None = None
    """Alipay page only: where the cashier sends the payer back."""
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        check_reference(self.reference)
        check_amount(self.amount_fen)
        if not self.description.strip() or any(ord(c) < 32 for c in self.description):
            raise InvalidPaymentRequest("the description must be non-empty text without control characters")
        if self.method is PaymentMethod.WECHAT_JSAPI and not self.payer_openid:
            raise InvalidPaymentRequest("a WeChat JSAPI order needs the payer's openid")
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            raise InvalidPaymentRequest("expires_at must be timezone-aware")


@dataclass(frozen=True)
class QrCode:
    """Show ``code_url`` as a QR code (WeChat native, Alipay precreate)."""

    reference: str
    code_url: str


@dataclass(frozen=True)
class JsapiParams:
    """Hand these to ``wx.requestPayment`` / ``WeixinJSBridge`` unchanged (``paySign`` covers them)."""

    reference: str
    app_id: str
    time_stamp: str
    nonce_str: str
    package: str
    sign_type: str
    pay_sign: str

    def as_dict(self) -> dict[str, str]:
        return {
            "appId": self.app_id,
            "timeStamp": self.time_stamp,
            "nonceStr": self.nonce_str,
            "package": self.package,
            "signType": self.sign_type,
            "paySign": self.pay_sign,
        }


@dataclass(frozen=True)
class RedirectPage:
    """Send the payer's browser to ``url`` (Alipay cashier page)."""

    reference: str
    url: str


@dataclass(frozen=True)
class AppOrderString:
    """Give ``order_string`` to the Alipay mobile SDK."""

    reference: str
    order_string: str


PayerAction = QrCode | JsapiParams | RedirectPage | AppOrderString


@dataclass(frozen=True)
class PaymentNotice:
    """A verified, decrypted provider notification (or the result of a query, see ``OrderState``)."""

    provider: Provider
    notice_id: str
    """The provider's id of this notification (WeChat ``id``, Alipay ``notify_id``); for logs."""
    transaction_id: str
    """The provider's trade number (WeChat ``transaction_id``, Alipay ``trade_no``)."""
    reference: str
    """Our order reference (``out_trade_no``)."""
    status: PaymentStatus
    amount_fen: int
    """The order's total as the provider states it (for refunds too: the original payment)."""
    occurred_at: datetime
    """When it happened at the provider (paid, refunded, closed), aware UTC."""
    refund_id: str | None = None
    """Refunds: our refund number (WeChat ``out_refund_no``, Alipay ``out_biz_no``)."""
    refund_fen: int | None = None
    """Refunds: this refund's amount, when the provider states it (WeChat)."""
    refunded_total_fen: int | None = None
    """Refunds: everything refunded on the order so far, when the provider states it (Alipay)."""


@dataclass(frozen=True)
class OrderState:
    """What the provider says about one of our orders right now (a query)."""

    provider: Provider
    reference: str
    status: PaymentStatus
    amount_fen: int
    transaction_id: str | None = None
    paid_at: datetime | None = None

    def as_notice(self) -> PaymentNotice | None:
        """A paid order as a notice, so a missed notification can be applied from a query."""
        if self.status is not PaymentStatus.SUCCESS or self.transaction_id is None or self.paid_at is None:
            return None
        return PaymentNotice(
            provider=self.provider,
            notice_id=f"query:{self.transaction_id}",
            transaction_id=self.transaction_id,
            reference=self.reference,
            status=PaymentStatus.SUCCESS,
            amount_fen=self.amount_fen,
            occurred_at=self.paid_at,
        )


@dataclass(frozen=True)
class RefundRequest:
    reference: str
    refund_id: str
    """Our refund number; asking again with the same one never refunds twice."""
    refund_fen: int
    total_fen: int
    """The original order's amount (WeChat checks it)."""
    reason: str = ""

    def __post_init__(self) -> None:
        check_reference(self.reference)
        check_reference(self.refund_id)
        check_amount(self.refund_fen)
        check_amount(self.total_fen)
        if self.refund_fen > self.total_fen:
            raise InvalidPaymentRequest(
                f"refund of {self.refund_fen} fen exceeds the order's {self.total_fen} fen", reference=self.reference
            )


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    status: PaymentStatus
    """SUCCESS when the money already went back (Alipay), PENDING while the provider processes it."""
    provider_refund_id: str | None = None
    refunded_total_fen: int | None = None


@dataclass(frozen=True)
class NotificationReply:
    """The HTTP answer the provider expects from our notification endpoint."""

    status_code: int
    content_type: str
    body: bytes = field(default=b"")


class PaymentProviderPort(Protocol):
    provider: Provider

    def create_order(self, order: OrderRequest) -> PayerAction:
        """Create the order at the provider; raises ``ProviderError`` if it refuses."""
        ...

    def query_order(self, reference: str) -> OrderState:
        """Raises ``UnknownOrder`` if the provider has no such order."""
        ...

    def parse_notice(self, headers: Mapping[str, str], body: bytes) -> PaymentNotice:
        """Verify and decode a notification; raises ``BadSignature``, ``MalformedNotice``, ``WrongMerchant``."""
        ...

    def refund(self, request: RefundRequest) -> RefundResult: ...

    def acknowledge(self, accepted: bool, message: str = "") -> NotificationReply:
        """The reply to a notification: accepted, or refused so that the provider sends it again."""
        ...


def check_reference(reference: str) -> None:
    if not REFERENCE_PATTERN.fullmatch(reference):
        raise InvalidPaymentRequest(
            f"reference {reference!r} must be 6-32 letters, digits, '_' or '-' (what WeChat Pay and Alipay accept)"
        )


def check_amount(amount_fen: int) -> None:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise InvalidPaymentRequest(f"amount must be a positive whole number of fen, not {amount_fen!r}")


def yuan(amount_fen: int) -> str:
    """Fen as the yuan string providers want: 1234 -> '12.34'."""
    sign = "-" if amount_fen < 0 else ""
    whole, cents = divmod(abs(amount_fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def fen_from_yuan(text: str) -> int:
    """'12.34' -> 1234, exactly (``decimal``, never float); more than two decimals is a ``ValueError``."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"{text!r} is not an amount in yuan") from exc
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount in yuan")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{text!r} has more than two decimals (fen)")
    return int(fen)
