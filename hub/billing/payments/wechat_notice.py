"""Reading WeChat Pay v3 notifications and answers: headers, freshness, decrypted resources -> values.

The signature itself is verified by the SDK (``WeChatPay.callback``); this module checks what the
SDK leaves to the merchant (the timestamp against replays, our merchant and app ids) and turns
the decrypted resource into a ``PaymentNotice``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from wechatpayv3.utils import aes_decrypt

from hub.billing.payments.errors import BadSignature, MalformedNotice, WrongMerchant
from hub.billing.payments.port import PaymentNotice, PaymentStatus, Provider

SIGNATURE_HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial")
TRADE_STATES = {
    "SUCCESS": PaymentStatus.SUCCESS,
    "REFUND": PaymentStatus.REFUND,
    "NOTPAY": PaymentStatus.PENDING,
    "USERPAYING": PaymentStatus.PENDING,
    "CLOSED": PaymentStatus.CLOSED,
    "REVOKED": PaymentStatus.CLOSED,
    "PAYERROR": PaymentStatus.CLOSED,
}
REFUND_STATES = {
    "SUCCESS": PaymentStatus.REFUND,
    "PROCESSING": PaymentStatus.PENDING,
    "ABNORMAL": PaymentStatus.REFUND_FAILED,
    "CLOSED": PaymentStatus.REFUND_FAILED,
}


def signature_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The ``Wechatpay-*`` headers under the names the SDK looks for, whatever their case on arrival."""
    lower = {k.lower(): v for k, v in headers.items()}
    out = {name: lower.get(name.lower(), "") for name in (*SIGNATURE_HEADERS, "Wechatpay-Signature-Type")}
    missing = [name for name in SIGNATURE_HEADERS if not out[name]]
    if missing:
        raise BadSignature(f"not a signed WeChat Pay notification: no {', '.join(missing)} header")
    return out


def check_fresh(timestamp: str, now: datetime, max_skew: timedelta) -> None:
    """WeChat Pay re-signs every delivery, so an old signature is a replay (or our clock is wrong)."""
    try:
        signed_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except ValueError as exc:
        raise BadSignature(f"Wechatpay-Timestamp {timestamp!r} is not a Unix time") from exc
    skew = abs(now - signed_at)
    if skew > max_skew:
        raise BadSignature(
            f"the notification was signed {int(skew.total_seconds())} s away from our clock "
            f"(more than {int(max_skew.total_seconds())} s): a replay, or a wrong clock"
        )


def why_refused(text: str, apiv3_key: str) -> BadSignature:
    """The SDK answers None for any failure; say which one it was where that can be known."""
    try:
        resource = json.loads(text).get("resource") or {}
    except (ValueError, AttributeError):
        return BadSignature("WeChat Pay notification refused: the body is not JSON and its signature does not verify")
    decrypts = isinstance(resource, dict) and all(isinstance(resource.get(k), str) for k in ("nonce", "ciphertext"))
    if decrypts:
        plain = aes_decrypt(
            nonce=resource["nonce"],
            ciphertext=resource["ciphertext"],
            associated_data=str(resource.get("associated_data") or ""),
            apiv3_key=apiv3_key,
        )
        decrypts = plain is not None
    if decrypts:
        return BadSignature(
            "WeChat Pay notification signature does not verify with the platform key: forged or tampered"
        )
    return BadSignature(
        "WeChat Pay notification refused: its signature does not verify or its resource does not decrypt "
        "with our APIv3 key (forged or tampered, or a wrong APIv3 key)"
    )


def notice_from(data: Mapping[str, Any], mchid: str, appid: str) -> PaymentNotice:
    """A verified notification whose resource the SDK decrypted, as a ``PaymentNotice``."""
    event, resource = data.get("event_type"), data.get("resource")
    if not isinstance(resource, dict) or not isinstance(event, str):
        raise MalformedNotice("WeChat Pay notification without an event or a resource")
    if resource.get("mchid") != mchid:
        raise WrongMerchant("WeChat Pay notification for another merchant id")
    amount = field_dict(resource, "amount")
    common: dict[str, Any] = {
        "provider": Provider.WECHAT,
        "notice_id": str(data.get("id", "")),
        "transaction_id": field_text(resource, "transaction_id"),
        "reference": field_text(resource, "out_trade_no"),
        "amount_fen": field_int(amount, "total"),
    }
    if event == "TRANSACTION.SUCCESS":
        if resource.get("appid") != appid:
            raise WrongMerchant("WeChat Pay notification for another app id")
        if resource.get("trade_state") != "SUCCESS":
            raise MalformedNotice(f"payment notification with trade state {resource.get('trade_state')}")
        at = instant(field_text(resource, "success_time"))
        return PaymentNotice(status=PaymentStatus.SUCCESS, occurred_at=at, **common)
    if event.startswith("REFUND."):
        state = REFUND_STATES.get(field_text(resource, "refund_status"))
        if state not in (PaymentStatus.REFUND, PaymentStatus.REFUND_FAILED):
            raise MalformedNotice(f"refund notification with status {resource.get('refund_status')}")
        return PaymentNotice(
            status=state,
            occurred_at=instant(str(resource.get("success_time") or data.get("create_time"))),
            refund_id=field_text(resource, "out_refund_no"),
            refund_fen=field_int(amount, "refund"),
            **common,
        )
    raise MalformedNotice(f"WeChat Pay event {event!r} is not a payment or refund notification")


def instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MalformedNotice(f"{text!r} is not an RFC 3339 time") from exc
    if at.tzinfo is None:
        raise MalformedNotice(f"{text!r} has no UTC offset")
    return at.astimezone(UTC)


def field_text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedNotice(f"WeChat Pay sent no {key}")
    return value


def field_int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedNotice(f"WeChat Pay sent no whole-fen {key}")
    return value


def field_dict(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise MalformedNotice(f"WeChat Pay sent no {key}")
    return value
