"""A local server that plays Alipay's open-platform gateway the way the real one behaves on the wire.

Requests arrive as ``GET /gateway.do?...``: it checks our RSA2 signature over the sorted parameters
(without ``sign`` and ``sign_type``) with our app public key, answers
``{"<method>_response": {...}, "sign": "..."}`` signing the exact JSON text of the response object
with Alipay's key, and posts ``trade_status_sync`` notifications as a form, signed the same way.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from hub.billing.payments.port import fen_from_yuan, yuan
from tests.hub.billing.payments.keys import KeyPair
from tests.hub.billing.payments.local_http import LocalHttpServer, Request, Response, post

CHINA = ZoneInfo("Asia/Shanghai")
OK = {"code": "10000", "msg": "Success"}


def sorted_params(params: dict[str, str], *, notification: bool = False) -> str:
    """What is signed: requests sign every parameter but ``sign``; notifications leave out ``sign_type`` too."""
    left_out = ("sign", "sign_type") if notification else ("sign",)
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in left_out)


def beijing(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


class FakeAlipay:
    def __init__(
        self, *, app_id: str, seller_id: str, app_key: KeyPair, alipay_key: KeyPair, clock: Callable[[], datetime]
    ) -> None:
        self.app_id, self.seller_id = app_id, seller_id
        self.app_key, self.alipay_key, self.clock = app_key, alipay_key, clock
        self.orders: dict[str, dict[str, Any]] = {}
        self.calls: list[dict[str, str]] = []
        self.refunds: list[dict[str, Any]] = []
        """What each alipay.trade.refund asked (its biz content), in order."""
        self.refuse_refunds = False
        """Answer refunds with a business failure (ACQ.SYSTEM_ERROR), as Alipay does when it cannot."""
        self.server = LocalHttpServer(self._handle)

    @property
    def gateway_url(self) -> str:
        return f"{self.server.url}/gateway.do"

    def _handle(self, request: Request) -> Response:
        params = dict(parse_qsl(request.path.partition("?")[2], keep_blank_values=True))
        self.calls.append(params)
        method = params.get("method", "")
        response_key = method.replace(".", "_") + "_response"
        if params.get("app_id") != self.app_id:
            return self._answer(
                response_key,
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-app-id",
                    "sub_msg": "无效的AppID参数",
                },
            )
        if not self.app_key.verify(sorted_params(params), params.get("sign", "")):
            return self._answer(
                response_key,
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-signature",
                    "sub_msg": "验签出错",
                },
            )
        biz = json.loads(params.get("biz_content", "{}"))
        if method == "alipay.trade.page.pay":
            self._remember(biz, params)
            page = f"<html><body>支付宝收银台 {biz['subject']} ¥{biz['total_amount']}</body></html>"
            return Response(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
        if method == "alipay.trade.precreate":
            self._remember(biz, params)
            return self._answer(
                response_key,
                {
                    **OK,
                    "out_trade_no": biz["out_trade_no"],
                    "qr_code": f"https://qr.alipay.com/bax0{len(self.orders):04d}test",
                },
            )
        order = self.orders.get(biz.get("out_trade_no", ""))
        if order is None:
            return self._answer(
                response_key,
                {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"},
            )
        if method == "alipay.trade.query":
            out = {
                **OK,
                "out_trade_no": order["out_trade_no"],
                "trade_status": order["trade_status"],
                "total_amount": order["total_amount"],
            }
            if order.get("trade_no"):
                out.update(trade_no=order["trade_no"], send_pay_date=order["gmt_payment"], buyer_logon_id="159****5620")
            return self._answer(response_key, out)
        if method == "alipay.trade.refund":
            self.refunds.append(biz)
            if self.refuse_refunds:
                return self._answer(
                    response_key,
                    {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.SYSTEM_ERROR", "sub_msg": "系统错误"},
                )
            order["refund_fee"] = yuan(
                fen_from_yuan(order.get("refund_fee", "0")) + fen_from_yuan(biz["refund_amount"])
            )
            return self._answer(
                response_key,
                {
                    **OK,
                    "trade_no": order["trade_no"],
                    "out_trade_no": order["out_trade_no"],
                    "fund_change": "Y",
                    "refund_fee": order["refund_fee"],
                    "gmt_refund_pay": beijing(self.clock()),
                },
            )
        return self._answer(response_key, {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.INVALID_METHOD"})

    def _remember(self, biz: dict[str, Any], params: dict[str, str]) -> None:
        self.orders[biz["out_trade_no"]] = {
            **biz,
            "trade_status": "WAIT_BUYER_PAY",
            "notify_url": params.get("notify_url", ""),
        }

    def _answer(self, response_key: str, body: dict[str, Any]) -> Response:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        text = f'{{"{response_key}":{content},"sign":"{self.alipay_key.sign(content)}"}}'
        return Response(200, text.encode(), {"Content-Type": "text/html;charset=utf-8"})

    # --- what the payer and Alipay do ----------------------------------------------------------
    def pay(self, reference: str, at: datetime) -> str:
        order = self.orders[reference]
        trade_no = f"{at:%Y%m%d}22001450101{len(self.orders):09d}"
        order.update(trade_status="TRADE_SUCCESS", trade_no=trade_no, gmt_payment=beijing(at))
        return trade_no

    def notification(self, reference: str, key: KeyPair | None = None, **changes: str) -> bytes:
        order = self.orders[reference]
        params = {
            "notify_time": beijing(self.clock()),
            "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16),
            "app_id": self.app_id,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "trade_no": order["trade_no"],
            "out_trade_no": reference,
            "buyer_id": "2088102177846880",
            "buyer_logon_id": "159****5620",
            "seller_id": self.seller_id,
            "trade_status": order["trade_status"],
            "total_amount": order["total_amount"],
            "receipt_amount": order["total_amount"],
            "buyer_pay_amount": order["total_amount"],
            "subject": order["subject"],
            "gmt_create": order["gmt_payment"],
            "gmt_payment": order["gmt_payment"],
            "fund_bill_list": json.dumps([{"amount": order["total_amount"], "fundChannel": "ALIPAYACCOUNT"}]),
            **changes,
        }
        params["sign"] = (key or self.alipay_key).sign(sorted_params(params, notification=True))
        return urlencode(params).encode()

    def deliver(self, reference: str, body: bytes) -> tuple[int, bytes]:
        return post(
            self.orders[reference]["notify_url"],
            body,
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
