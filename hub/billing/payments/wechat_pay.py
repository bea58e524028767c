"""WeChat Pay API v3 adapter over the ``wechatpayv3`` SDK: native and JSAPI orders, queries,
refunds, and notifications (signature verified with the platform public key or certificate,
resource decrypted with AES-256-GCM under the APIv3 key).

Base URL: the SDK (2.0.x) hard-codes ``https://api.mch.weixin.qq.com`` in ``Core._gate_way`` and
offers no parameter for it (its ``proxy`` is an HTTP proxy, which still targets that host over
TLS). Every request, and its own ``download_bill``, reads that one attribute, and request
signatures cover only the path, so ``_point_at`` sets it once after construction: the one seam,
checked at start-up so an SDK upgrade that renames it fails loudly instead of calling the real host.

Platform key modes: the WeChat Pay public key (``platform_public_key`` + ``platform_public_key_id``,
for merchants since 2024) or platform certificates kept in ``platform_cert_dir`` (older merchants;
the SDK downloads new ones from ``/v3/certificates`` when a notice names an unknown serial).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

from hub.billing.payments.errors import BadSignature, ProviderError, UnknownOrder
from hub.billing.payments.port import (
    JsapiParams,
    NotificationReply,
    OrderRequest,
    OrderState,
    PayerAction,
    PaymentMethod,
    PaymentNotice,
    PaymentStatus,
    Provider,
    QrCode,
    RefundRequest,
    RefundResult,
    check_reference,
)
from hub.billing.payments.wechat_notice import (
    REFUND_STATES,
    TRADE_STATES,
    check_fresh,
    field_dict,
    field_int,
    field_text,
    instant,
    notice_from,
    signature_headers,
    why_refused,
)
from hub.kernel.business_days import CHINA

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WechatPayConfig:
    mchid: str
    appid: str
    merchant_serial_no: str
    """Serial number of our merchant API certificate."""
    merchant_private_key: str = field(repr=False)
    """PEM of our merchant API private key (apiclient_key.pem)."""
    apiv3_key: str = field(repr=False)
    """The 32-byte APIv3 key set in the merchant platform."""
    notify_url: str
    platform_public_key: str | None = field(default=None, repr=False)
    platform_public_key_id: str | None = None
    platform_cert_dir: Path | None = None
    base_url: str = "https://api.mch.weixin.qq.com"
    timeout_s: float = 10.0
    max_clock_skew: timedelta = timedelta(minutes=5)
    """WeChat Pay re-signs every delivery; older signatures are refused as replays (its advice: 5 min)."""

    def __post_init__(self) -> None:
        if len(self.apiv3_key.encode()) != 32:
            raise ValueError("the WeChat Pay APIv3 key must be 32 bytes")
        if (self.platform_public_key is None) != (self.platform_public_key_id is None):
            raise ValueError("give both platform_public_key and platform_public_key_id, or neither")
        if self.platform_public_key is None and self.platform_cert_dir is None:
            raise ValueError("give the WeChat Pay platform public key or a platform_cert_dir")


class WechatPayAdapter:
    provider = Provider.WECHAT

    def __init__(
        self,
        config: WechatPayConfig,
        clock: Callable[[], datetime],
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._config = config
        self._clock = clock
        self._nonce = nonce
        try:
            self._pay = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=config.mchid,
                private_key=config.merchant_private_key,
                cert_serial_no=config.merchant_serial_no,
                appid=config.appid,
                apiv3_key=config.apiv3_key,
                notify_url=config.notify_url,
                cert_dir=str(config.platform_cert_dir) if config.platform_cert_dir else None,
                timeout=(config.timeout_s, config.timeout_s),
                public_key=config.platform_public_key,
                public_key_id=config.platform_public_key_id,
            )
        except Exception as exc:  # the SDK raises bare Exception for bad keys or no certificate
            raise ValueError(f"WeChat Pay configuration refused: {exc}") from exc
        _point_at(self._pay, config.base_url)

    def create_order(self, order: OrderRequest) -> PayerAction:
        if order.method not in (PaymentMethod.WECHAT_NATIVE, PaymentMethod.WECHAT_JSAPI):
            raise ValueError(f"WeChat Pay cannot create a {order.method} order")
        jsapi = order.method is PaymentMethod.WECHAT_JSAPI
        expire = order.expires_at.astimezone(CHINA).isoformat(timespec="seconds") if order.expires_at else None
        status, data = self._call(
            f"create order {order.reference}",
            lambda: self._pay.pay(
                description=order.description,
                out_trade_no=order.reference,
                amount={"total": order.amount_fen, "currency": "CNY"},
                payer={"openid": order.payer_openid} if jsapi else None,
                time_expire=expire,
                pay_type=WeChatPayType.JSAPI if jsapi else WeChatPayType.NATIVE,
            ),
        )
        self._raise_for(status, data, f"create order {order.reference}")
        logger.info("wechat pay order %s created (%s)", order.reference, order.method)
        if not jsapi:
            return QrCode(reference=order.reference, code_url=field_text(data, "code_url"))
        package = f"prepay_id={field_text(data, 'prepay_id')}"
        time_stamp, nonce_str = str(int(self._clock().timestamp())), self._nonce()
        pay_sign = self._pay.sign([self._config.appid, time_stamp, nonce_str, package])
        return JsapiParams(order.reference, self._config.appid, time_stamp, nonce_str, package, "RSA", str(pay_sign))

    def query_order(self, reference: str) -> OrderState:
        check_reference(reference)
        status, data = self._call(f"query order {reference}", lambda: self._pay.query(out_trade_no=reference))
        if status == 404:
            raise UnknownOrder(f"WeChat Pay has no order {reference}", reference=reference)
        self._raise_for(status, data, f"query order {reference}")
        state = TRADE_STATES.get(field_text(data, "trade_state"), PaymentStatus.PENDING)
        success_time = data.get("success_time")
        return OrderState(
            provider=self.provider,
            reference=reference,
            status=state,
            amount_fen=field_int(field_dict(data, "amount"), "total"),
            transaction_id=data.get("transaction_id"),
            paid_at=instant(success_time) if isinstance(success_time, str) else None,
        )

    def refund(self, request: RefundRequest) -> RefundResult:
        status, data = self._call(
            f"refund {request.refund_id}",
            lambda: self._pay.refund(
                out_refund_no=request.refund_id,
                amount={"refund": request.refund_fen, "total": request.total_fen, "currency": "CNY"},
                out_trade_no=request.reference,
                reason=request.reason or None,
            ),
        )
        if status == 404:
            raise UnknownOrder(f"WeChat Pay has no order {request.reference} to refund", reference=request.reference)
        self._raise_for(status, data, f"refund {request.refund_id}")
        return RefundResult(
            refund_id=request.refund_id,
            status=REFUND_STATES.get(field_text(data, "status"), PaymentStatus.PENDING),
            provider_refund_id=data.get("refund_id"),
        )

    def parse_notice(self, headers: Mapping[str, str], body: bytes) -> PaymentNotice:
        canonical = signature_headers(headers)
        check_fresh(canonical["Wechatpay-Timestamp"], self._clock(), self._config.max_clock_skew)
        text = body.decode("utf-8", errors="replace")
        try:
            result = self._pay.callback(canonical, text)
        except Exception as exc:  # the SDK raises bare Exception for an unsupported signature type
            raise BadSignature(f"WeChat Pay notification refused: {exc}") from exc
        if not result:
            raise why_refused(text, self._config.apiv3_key)
        return notice_from(result, self._config.mchid, self._config.appid)

    def acknowledge(self, accepted: bool, message: str = "") -> NotificationReply:
        if accepted:
            return NotificationReply(200, "application/json", b"")
        body = json.dumps({"code": "FAIL", "message": message or "失败"}, ensure_ascii=False).encode()
        return NotificationReply(400, "application/json", body)

    def _call(self, what: str, call: Callable[[], tuple[int, Any]]) -> tuple[int, dict[str, Any]]:
        try:
            status, message = call()
        except requests.RequestException as exc:
            raise ProviderError(f"WeChat Pay did not answer ({what}): {type(exc).__name__}") from exc
        except Exception as exc:
            if "signature" in str(exc):
                raise BadSignature(f"WeChat Pay's answer to {what} has a bad signature: forged or tampered") from exc
            raise ProviderError(f"WeChat Pay call refused ({what}): {exc}") from exc
        try:
            data = json.loads(message) if message else {}
        except (TypeError, ValueError) as exc:
            raise ProviderError(f"WeChat Pay answered {what} with HTTP {status} and no JSON") from exc
        return int(status), data if isinstance(data, dict) else {}

    @staticmethod
    def _raise_for(status: int, data: Mapping[str, Any], what: str) -> None:
        if 200 <= status < 300:
            return
        raise ProviderError(
            f"WeChat Pay refused to {what}: HTTP {status} {data.get('code', '')} {data.get('message', '')}".strip(),
            provider_code=str(data.get("code", "")),
        )


def _point_at(pay: WeChatPay, base_url: str) -> None:
    core = getattr(pay, "_core", None)
    if core is None or not isinstance(getattr(core, "_gate_way", None), str):
        raise RuntimeError("this wechatpayv3 version has no Core._gate_way: check how it builds URLs before upgrading")
    core._gate_way = base_url.rstrip("/")
