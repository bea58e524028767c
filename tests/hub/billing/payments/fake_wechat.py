"""A local server that plays WeChat Pay API v3 the way the real one behaves on the wire.

It checks the merchant's ``Authorization`` signature (``method\\npath\\ntimestamp\\nnonce\\nbody\\n``
with the merchant key), answers with ``Wechatpay-*`` headers signed with the platform key over
``timestamp\\nnonce\\nbody\\n``, and sends notifications to the order's ``notify_url`` with the
resource encrypted under the APIv3 key (AEAD_AES_256_GCM), re-signed on every delivery.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.hub.billing.payments.keys import KeyPair
from tests.hub.billing.payments.local_http import LocalHttpServer, Request, Response, post

CHINA = ZoneInfo("Asia/Shanghai")
AUTH = re.compile(r'(\w+)="([^"]*)"')


class FakeWechatPay:
    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        apiv3_key: str,
        merchant_key: KeyPair,
        platform_key: KeyPair,
        platform_serial: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.mchid, self.appid, self.apiv3_key = mchid, appid, apiv3_key
        self.merchant_key, self.platform_key, self.platform_serial = merchant_key, platform_key, platform_serial
        self.clock = clock
        self.orders: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.tamper_responses = False
        self.server = LocalHttpServer(self._handle)
        self._seq = 0

    @property
    def base_url(self) -> str:
        return self.server.url

    # --- the API ---------------------------------------------------------------------------
    def _handle(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._answer(401, {"code": "SIGN_ERROR", "message": "签名错误"}, sign=False)
        path = request.path.split("?")[0]
        if request.method == "POST" and path in ("/v3/pay/transactions/native", "/v3/pay/transactions/jsapi"):
            return self._create(json.loads(request.body), jsapi=path.endswith("jsapi"))
        if request.method == "GET" and path.startswith("/v3/pay/transactions/out-trade-no/"):
            order = self.orders.get(path.rsplit("/", 1)[1])
            if order is None:
                return self._answer(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            return self._answer(200, self._transaction(order))
        if request.method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(json.loads(request.body))
        return self._answer(404, {"code": "NOT_FOUND", "message": "接口不存在"})

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("WECHATPAY2-SHA256-RSA2048 "):
            return False
        fields = dict(AUTH.findall(header))
        if fields.get("mchid") != self.mchid:
            return False
        message = f"{request.method}\n{request.path}\n{fields['timestamp']}\n{fields['nonce_str']}\n"
        return self.merchant_key.verify(message + request.body.decode() + "\n", fields.get("signature", ""))

    def _create(self, body: dict[str, Any], *, jsapi: bool) -> Response:
        if body.get("mchid") != self.mchid or body.get("appid") != self.appid:
            return self._answer(400, {"code": "PARAM_ERROR", "message": "商户号与appid不匹配"})
        total = body.get("amount", {}).get("total")
        if not isinstance(total, int) or total <= 0 or not body.get("notify_url"):
            return self._answer(400, {"code": "PARAM_ERROR", "message": "参数错误"})
        if jsapi and not body.get("payer", {}).get("openid"):
            return self._answer(400, {"code": "PARAM_ERROR", "message": "缺少参数payer"})
        reference = body["out_trade_no"]
        if reference in self.orders and self.orders[reference]["trade_state"] == "SUCCESS":
            return self._answer(400, {"code": "ORDERPAID", "message": "该订单已支付"})
        self._seq += 1
        self.orders[reference] = {**body, "trade_state": "NOTPAY", "trade_type": "JSAPI" if jsapi else "NATIVE"}
        if jsapi:
            return self._answer(200, {"prepay_id": f"wx{self._seq:028d}"})
        return self._answer(200, {"code_url": f"weixin://wxpay/bizpayurl?pr=TEST{self._seq:04d}"})

    def _refund(self, body: dict[str, Any]) -> Response:
        order = self.orders.get(body.get("out_trade_no", ""))
        if order is None:
            return self._answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
        refund = {
            "refund_id": f"5030{len(self.refunds) + 1:024d}",
            "out_refund_no": body["out_refund_no"],
            "transaction_id": order.get("transaction_id", ""),
            "out_trade_no": order["out_trade_no"],
            "channel": "ORIGINAL",
            "status": "PROCESSING",
            "create_time": self._now_text(),
            "amount": {
                **body["amount"],
                "payer_total": body["amount"]["total"],
                "payer_refund": body["amount"]["refund"],
            },
        }
        self.refunds[body["out_refund_no"]] = refund
        return self._answer(200, refund)

    def _answer(self, status: int, data: dict[str, Any], sign: bool = True) -> Response:
        text = json.dumps(data, ensure_ascii=False)
        headers = {"Content-Type": "application/json; charset=utf-8", "Request-ID": secrets.token_hex(8)}
        if sign:
            headers.update(self.signature(text))
        if self.tamper_responses:
            text = text.replace("TEST", "EVIL")
        return Response(status, text.encode(), headers)

    # --- what the payer and WeChat do --------------------------------------------------------
    def pay(self, reference: str, at: datetime) -> str:
        """The payer pays: the order becomes SUCCESS; returns its transaction id."""
        order = self.orders[reference]
        order.update(trade_state="SUCCESS", transaction_id=f"4200{len(self.orders):06d}{at:%Y%m%d}{self._seq:010d}")
        order["success_time"] = at.astimezone(CHINA).isoformat(timespec="seconds")
        return str(order["transaction_id"])

    def payment_notification(self, reference: str, **changes: Any) -> tuple[dict[str, str], bytes]:
        resource = {**self._transaction(self.orders[reference]), **changes}
        return self.notification("TRANSACTION.SUCCESS", "transaction", "支付成功", resource)

    def refund_notification(self, refund_no: str, at: datetime, **changes: Any) -> tuple[dict[str, str], bytes]:
        refund = self.refunds[refund_no]
        refund.update(status="SUCCESS")
        resource = {
            "mchid": self.mchid,
            "out_trade_no": refund["out_trade_no"],
            "transaction_id": refund["transaction_id"],
            "out_refund_no": refund_no,
            "refund_id": refund["refund_id"],
            "refund_status": "SUCCESS",
            "success_time": at.astimezone(CHINA).isoformat(timespec="seconds"),
            "user_received_account": "支付用户零钱",
            "amount": {k: refund["amount"][k] for k in ("total", "refund", "payer_total", "payer_refund")},
            **changes,
        }
        return self.notification("REFUND.SUCCESS", "refund", "退款成功", resource)

    def notification(
        self, event: str, original_type: str, summary: str, resource: dict[str, Any]
    ) -> tuple[dict[str, str], bytes]:
        nonce = secrets.token_hex(6)
        plain = json.dumps(resource, ensure_ascii=False).encode()
        sealed = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), plain, original_type.encode())
        body = {
            "id": f"EV-{secrets.token_hex(8)}",
            "create_time": self._now_text(),
            "resource_type": "encrypt-resource",
            "event_type": event,
            "summary": summary,
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": original_type,
                "nonce": nonce,
            },
        }
        text = json.dumps(body, ensure_ascii=False)
        return {"Content-Type": "application/json", **self.signature(text)}, text.encode()

    def resign(self, body: bytes) -> dict[str, str]:
        """WeChat re-signs each redelivery with a fresh timestamp and nonce."""
        return {"Content-Type": "application/json", **self.signature(body.decode())}

    def deliver(self, reference: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """POST a notification to the order's notify_url, as WeChat Pay does."""
        return post(self.orders[reference]["notify_url"], body, headers)

    def signature(self, text: str, key: KeyPair | None = None, at: datetime | None = None) -> dict[str, str]:
        timestamp = str(int((at or self.clock()).timestamp()))
        nonce = secrets.token_hex(16).upper()
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.platform_serial,
            "Wechatpay-Signature": (key or self.platform_key).sign(f"{timestamp}\n{nonce}\n{text}\n"),
            "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        }

    def _transaction(self, order: dict[str, Any]) -> dict[str, Any]:
        out = {
            "appid": order["appid"],
            "mchid": order["mchid"],
            "out_trade_no": order["out_trade_no"],
            "trade_type": order["trade_type"],
            "trade_state": order["trade_state"],
            "trade_state_desc": "支付成功" if order["trade_state"] == "SUCCESS" else "订单未支付",
            "amount": {"total": order["amount"]["total"], "currency": "CNY"},
        }
        if order["trade_state"] == "SUCCESS":
            out.update(
                transaction_id=order["transaction_id"],
                success_time=order["success_time"],
                bank_type="OTHERS",
                payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
            )
            out["amount"].update(payer_total=order["amount"]["total"], payer_currency="CNY")
        return out

    def _now_text(self) -> str:
        return (self.clock() + timedelta(0)).astimezone(CHINA).isoformat(timespec="seconds")
