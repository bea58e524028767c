"""Alipay adapter over ``python-alipay-sdk`` (module ``alipay``, public-key mode, RSA2).

Orders: the cashier page (``alipay.trade.page.pay``, a URL), 当面付 QR (``alipay.trade.precreate``)
and the app order string (``alipay.trade.app.pay``); queries and refunds; asynchronous
notifications verified with Alipay's public key over the sorted parameters.

Gateway: the SDK picks ``https://openapi.alipay.com/gateway.do`` (or the sandbox with ``debug``)
into ``BaseAliPay._gateway`` and reads only that attribute for server calls; ``_point_at`` sets it
once from ``AlipayConfig.gateway_url`` (checked at start-up). Request timestamps are passed in
Beijing time from the injected clock (the SDK would use the machine's local time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig

from hub.billing.payments.errors import BadSignature, MalformedNotice, ProviderError, UnknownOrder, WrongMerchant
from hub.billing.payments.port import (
    AppOrderString,
    NotificationReply,
    OrderRequest,
    OrderState,
    PayerAction,
    PaymentMethod,
    PaymentNotice,
    PaymentStatus,
    Provider,
    QrCode,
    RedirectPage,
    RefundRequest,
    RefundResult,
    check_reference,
    fen_from_yuan,
    yuan,
)
from hub.kernel.business_days import CHINA

logger = logging.getLogger(__name__)

TRADE_STATES = {
    "WAIT_BUYER_PAY": PaymentStatus.PENDING,
    "TRADE_SUCCESS": PaymentStatus.SUCCESS,
    "TRADE_FINISHED": PaymentStatus.SUCCESS,
    "TRADE_CLOSED": PaymentStatus.CLOSED,
}
NOT_FOUND = frozenset({"ACQ.TRADE_NOT_EXIST"})


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    app_private_key: str = field(repr=False)
    """PEM of our application private key (RSA2048)."""
    alipay_public_key: str = field(repr=False)
    """PEM of Alipay's public key for our app (not our own public key)."""
    notify_url: str
    seller_id: str | None = None
    """Our PID (2088...); when set, notices for another seller are refused."""
    gateway_url: str = "https://openapi.alipay.com/gateway.do"
    timeout_s: float = 10.0


class AlipayAdapter:
    provider = Provider.ALIPAY

    def __init__(self, config: AlipayConfig, clock: Callable[[], datetime]) -> None:
        self._config = config
        self._clock = clock
        try:
            self._client = AliPay(
                appid=config.app_id,
                app_notify_url=config.notify_url,
                app_private_key_string=config.app_private_key,
                alipay_public_key_string=config.alipay_public_key,
                sign_type="RSA2",
                config=AliPayConfig(timeout=config.timeout_s),
            )
        except (ValueError, IndexError, TypeError) as exc:
            raise ValueError(f"Alipay configuration refused: {exc}") from exc
        _point_at(self._client, config.gateway_url)

    def create_order(self, order: OrderRequest) -> PayerAction:
        biz: dict[str, Any] = {
            "out_trade_no": order.reference,
            "total_amount": yuan(order.amount_fen),
            "subject": order.description,
        }
        if order.expires_at is not None:
            biz["time_expire"] = _beijing(order.expires_at)
        ts = _beijing(self._clock())
        if order.method is PaymentMethod.ALIPAY_PAGE:
            biz["product_code"] = "FAST_INSTANT_TRADE_PAY"
            query = self._client.client_api(
                "alipay.trade.page.pay", biz, timestamp=ts, return_url=order.return_url, notify_url=None
            )
            return RedirectPage(reference=order.reference, url=f"{self._config.gateway_url}?{query}")
        if order.method is PaymentMethod.ALIPAY_APP:
            biz["product_code"] = "QUICK_MSECURITY_PAY"
            query = self._client.client_api("alipay.trade.app.pay", biz, timestamp=ts, notify_url=None)
            return AppOrderString(reference=order.reference, order_string=str(query))
        if order.method is PaymentMethod.ALIPAY_PRECREATE:
            data = self._server("alipay.trade.precreate", biz, f"create order {order.reference}")
            logger.info("alipay order %s created (precreate)", order.reference)
            return QrCode(reference=order.reference, code_url=_text(data, "qr_code"))
        raise ValueError(f"Alipay cannot create a {order.method} order")

    def query_order(self, reference: str) -> OrderState:
        check_reference(reference)
        data = self._server("alipay.trade.query", {"out_trade_no": reference}, f"query order {reference}")
        paid = data.get("send_pay_date")
        return OrderState(
            provider=self.provider,
            reference=reference,
            status=TRADE_STATES.get(_text(data, "trade_status"), PaymentStatus.PENDING),
            amount_fen=_fen(data, "total_amount"),
            transaction_id=data.get("trade_no"),
            paid_at=_instant(paid) if isinstance(paid, str) and paid else None,
        )

    def refund(self, request: RefundRequest) -> RefundResult:
        biz = {
            "out_trade_no": request.reference,
            "refund_amount": yuan(request.refund_fen),
            "out_request_no": request.refund_id,
        }
        if request.reason:
            biz["refund_reason"] = request.reason
        data = self._server("alipay.trade.refund", biz, f"refund {request.refund_id}")
        return RefundResult(
            refund_id=request.refund_id,
            status=PaymentStatus.SUCCESS,
            provider_refund_id=data.get("trade_no"),
            refunded_total_fen=_fen(data, "refund_fee") if data.get("refund_fee") else None,
        )

    def parse_notice(self, headers: Mapping[str, str], body: bytes) -> PaymentNotice:
        params = _form(body)
        signature = params.pop("sign", "")
        if not signature:
            raise BadSignature("not a signed Alipay notification: no sign parameter")
        if params.get("sign_type", "RSA2") != "RSA2":
            raise BadSignature(f"Alipay notification signed with {params.get('sign_type')}, not RSA2")
        try:
            verified = self._client.verify(dict(params), signature)
        except (ValueError, TypeError) as exc:  # binascii.Error (bad base64) is a ValueError
            raise BadSignature(f"Alipay notification signature is not readable: {exc}") from exc
        if not verified:
            raise BadSignature(
                "Alipay notification signature does not verify with Alipay's public key: forged or tampered"
            )
        if params.get("app_id") != self._config.app_id:
            raise WrongMerchant("Alipay notification for another app id")
        if self._config.seller_id and params.get("seller_id") != self._config.seller_id:
            raise WrongMerchant("Alipay notification for another seller")
        return self._notice(params)

    def acknowledge(self, accepted: bool, message: str = "") -> NotificationReply:
        if accepted:
            return NotificationReply(200, "text/plain; charset=utf-8", b"success")
        return NotificationReply(400, "text/plain; charset=utf-8", b"fail")

    def _notice(self, params: Mapping[str, str]) -> PaymentNotice:
        trade_status = params.get("trade_status", "")
        status = TRADE_STATES.get(trade_status)
        if status is None:
            raise MalformedNotice(f"Alipay notification with trade status {trade_status!r}")
        common: dict[str, Any] = {
            "provider": self.provider,
            "notice_id": params.get("notify_id", ""),
            "transaction_id": _text(params, "trade_no"),
            "reference": _text(params, "out_trade_no"),
            "amount_fen": _fen(params, "total_amount"),
        }
        if params.get("refund_fee") and params.get("gmt_refund"):
            # a (partial or full) refund: Alipay states everything refunded so far in refund_fee
            return PaymentNotice(
                status=PaymentStatus.REFUND,
                occurred_at=_instant(params["gmt_refund"]),
                refund_id=params.get("out_biz_no") or None,
                refunded_total_fen=_fen(params, "refund_fee"),
                **common,
            )
        when = {PaymentStatus.SUCCESS: "gmt_payment", PaymentStatus.CLOSED: "gmt_close"}.get(status, "notify_time")
        return PaymentNotice(status=status, occurred_at=_instant(_text(params, when)), **common)

    def _server(self, method: str, biz: dict[str, Any], what: str) -> dict[str, Any]:
        try:
            data = self._client.server_api(method, biz, timestamp=_beijing(self._clock()))
        except AliPayValidationError as exc:
            raise BadSignature(f"Alipay's answer to {what} has a bad signature: forged or tampered") from exc
        except AliPayException as exc:
            raise ProviderError(f"Alipay refused to {what}: {exc}") from exc
        except (URLError, OSError) as exc:
            raise ProviderError(f"Alipay did not answer ({what}): {type(exc).__name__}") from exc
        except ValueError as exc:
            raise ProviderError(f"Alipay answered {what} with something that is not JSON") from exc
        if not isinstance(data, dict):
            raise ProviderError(f"Alipay answered {what} with no result")
        if data.get("code") != "10000":
            sub_code = str(data.get("sub_code", ""))
            detail = f"{data.get('code')} {sub_code} {data.get('sub_msg', '')}".strip()
            if sub_code in NOT_FOUND:
                raise UnknownOrder(f"Alipay has no such order ({what}): {detail}", reference=biz.get("out_trade_no"))
            raise ProviderError(f"Alipay refused to {what}: {detail}", provider_code=sub_code)
        return data


def _point_at(client: AliPay, gateway_url: str) -> None:
    if not isinstance(getattr(client, "_gateway", None), str):
        raise RuntimeError("this python-alipay-sdk version has no _gateway: check how it builds URLs before upgrading")
    client._gateway = gateway_url


def _form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedNotice("Alipay notification body is not URL-encoded") from exc
    charset = dict(parse_qsl(text, encoding="latin-1")).get("charset", "utf-8")
    try:
        return dict(parse_qsl(text, keep_blank_values=True, encoding=charset, errors="strict"))
    except (LookupError, UnicodeDecodeError) as exc:
        raise MalformedNotice(f"Alipay notification is not in its stated charset {charset!r}") from exc


def _beijing(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _instant(text: str) -> datetime:
    """Alipay's Beijing times ('2024-05-01 08:12:33', refunds with '.320') as aware UTC."""
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=CHINA).astimezone(UTC)
        except ValueError:
            continue
    raise MalformedNotice(f"{text!r} is not an Alipay time")


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedNotice(f"Alipay sent no {key}")
    return value


def _fen(data: Mapping[str, Any], key: str) -> int:
    try:
        return fen_from_yuan(_text(data, key))
    except ValueError as exc:
        raise MalformedNotice(f"Alipay sent {key}={data.get(key)!r}, not an amount in yuan") from exc
