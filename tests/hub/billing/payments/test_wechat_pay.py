"""WeChat Pay v3 adapter against a local server playing WeChat Pay with keys made in the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.billing.payments.errors import BadSignature, InvalidPaymentRequest, ProviderError, UnknownOrder, WrongMerchant
from hub.billing.payments.notices import Verdict
from hub.billing.payments.port import (
    JsapiParams,
    OrderRequest,
    PaymentMethod,
    PaymentStatus,
    QrCode,
    RefundRequest,
)
from hub.billing.payments.wechat_pay import WechatPayAdapter, WechatPayConfig
from tests.hub.billing.payments.fake_wechat import FakeWechatPay
from tests.hub.billing.payments.keys import KeyPair, new_key, platform_certificate
from tests.hub.billing.payments.local_http import LocalHttpServer, Request, Response, post
from tests.hub.billing.payments.notice_desk import NoticeDesk

NOW = datetime(2024, 5, 1, 0, 12, 33, tzinfo=UTC)  # 08:12:33 in Shanghai
APIV3_KEY = "a12d3924fd499edac8a5efc2b3c4d5e6"
MCHID, APPID = "1900000109", "wxd678efh567hg6787"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092024050100000001"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Setup:
    fake: FakeWechatPay
    adapter: WechatPayAdapter
    desk: NoticeDesk
    clock: Clock


@pytest.fixture(scope="module")
def merchant_key() -> KeyPair:
    return new_key()


@pytest.fixture(scope="module")
def platform_key() -> KeyPair:
    return new_key()


def make_setup(merchant_key: KeyPair, platform_key: KeyPair, serial: str, **config: object) -> Iterator[Setup]:
    clock = Clock(NOW)
    fake = FakeWechatPay(
        mchid=MCHID,
        appid=APPID,
        apiv3_key=APIV3_KEY,
        merchant_key=merchant_key,
        platform_key=platform_key,
        platform_serial=serial,
        clock=clock,
    )
    holder: list[NoticeDesk] = []

    def to_desk(request: Request) -> Response:
        return holder[0].handle(request)

    with fake.server, LocalHttpServer(to_desk) as receiver:
        adapter = WechatPayAdapter(
            WechatPayConfig(
                mchid=MCHID,
                appid=APPID,
                merchant_serial_no="444F4864EA9B34415",
                merchant_private_key=merchant_key.private_pem,
                apiv3_key=APIV3_KEY,
                notify_url=f"{receiver.url}/notify/wechat",
                base_url=fake.base_url,
                **config,  # type: ignore[arg-type]
            ),
            clock=clock,
        )
        holder.append(NoticeDesk(adapter, orders={}))
        yield Setup(fake, adapter, holder[0], clock)


@pytest.fixture
def wx(merchant_key: KeyPair, platform_key: KeyPair) -> Iterator[Setup]:
    yield from make_setup(
        merchant_key,
        platform_key,
        PUBLIC_KEY_ID,
        platform_public_key=platform_key.public_pem,
        platform_public_key_id=PUBLIC_KEY_ID,
    )


def native_order(wx: Setup, reference: str = "MILK202405010001", amount_fen: int = 3000) -> QrCode:
    wx.desk.orders[reference] = amount_fen
    action = wx.adapter.create_order(
        OrderRequest(reference, amount_fen, "鲜牛奶五月预存 王小明", PaymentMethod.WECHAT_NATIVE)
    )
    assert isinstance(action, QrCode)
    return action


def test_a_native_order_gives_the_code_url_wechat_answered(wx: Setup) -> None:
    action = native_order(wx)

    assert action.code_url == "weixin://wxpay/bizpayurl?pr=TEST0001"
    order = wx.fake.orders["MILK202405010001"]
    assert order["amount"] == {"total": 3000, "currency": "CNY"}
    assert order["description"] == "鲜牛奶五月预存 王小明"
    assert order["notify_url"].endswith("/notify/wechat")
    assert [r.path for r in wx.fake.server.seen] == ["/v3/pay/transactions/native"]


def test_a_jsapi_order_gives_prepay_parameters_signed_with_the_merchant_key(wx: Setup, merchant_key: KeyPair) -> None:
    wx.desk.orders["MILK202405010002"] = 1850
    action = wx.adapter.create_order(
        OrderRequest("MILK202405010002", 1850, "鲜牛奶 1 瓶", PaymentMethod.WECHAT_JSAPI, payer_openid="oUpF8uMuAJO")
    )

    assert isinstance(action, JsapiParams)
    params = action.as_dict()
    assert params["package"].startswith("prepay_id=wx")
    assert params["timeStamp"] == str(int(NOW.timestamp()))
    assert params["signType"] == "RSA"
    signed = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert merchant_key.verify(signed, params["paySign"])
    assert wx.fake.orders["MILK202405010002"]["payer"] == {"openid": "oUpF8uMuAJO"}


def test_a_jsapi_order_without_the_payers_openid_is_refused_before_calling_wechat() -> None:
    with pytest.raises(InvalidPaymentRequest, match="openid") as caught:
        OrderRequest("MILK202405010003", 100, "鲜牛奶", PaymentMethod.WECHAT_JSAPI)
    assert caught.value.code == "payment.invalid_request"


def test_a_query_tells_pending_then_paid_and_an_unknown_order_is_refused(wx: Setup) -> None:
    native_order(wx)
    assert wx.adapter.query_order("MILK202405010001").status is PaymentStatus.PENDING

    transaction = wx.fake.pay("MILK202405010001", NOW + timedelta(minutes=1))
    state = wx.adapter.query_order("MILK202405010001")
    assert (state.status, state.transaction_id, state.paid_at) == (
        PaymentStatus.SUCCESS,
        transaction,
        NOW + timedelta(minutes=1),
    )
    notice = state.as_notice()
    assert notice is not None and notice.amount_fen == 3000

    with pytest.raises(UnknownOrder, match="no order MILK209901010001"):
        wx.adapter.query_order("MILK209901010001")


def test_a_notification_is_verified_and_its_resource_decrypted(wx: Setup) -> None:
    native_order(wx)
    transaction = wx.fake.pay("MILK202405010001", NOW)
    headers, body = wx.fake.payment_notification("MILK202405010001")
    assert b"MILK202405010001" not in body  # the resource travels encrypted

    notice = wx.adapter.parse_notice(headers, body)

    assert notice.status is PaymentStatus.SUCCESS
    assert (notice.reference, notice.transaction_id, notice.amount_fen) == ("MILK202405010001", transaction, 3000)
    assert notice.occurred_at == NOW
    assert notice.notice_id.startswith("EV-")


def test_the_same_notification_sent_twice_is_applied_once(wx: Setup) -> None:
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    headers, body = wx.fake.payment_notification("MILK202405010001")

    first = wx.fake.deliver("MILK202405010001", headers, body)
    wx.clock.now = NOW + timedelta(seconds=15)  # WeChat retries after 15 s, signed afresh
    second = wx.fake.deliver("MILK202405010001", wx.fake.resign(body), body)

    assert first == (200, b"") and second == (200, b"")
    assert wx.desk.ledger == [("MILK202405010001", 3000)]
    assert wx.desk.verdicts == [Verdict.APPLY, Verdict.DUPLICATE]


def test_a_refund_notice_before_its_payment_is_refused_until_the_payment_arrives(wx: Setup) -> None:
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    result = wx.adapter.refund(RefundRequest("MILK202405010001", "RF202405010001", 1000, 3000, "少送一瓶"))
    assert result.status is PaymentStatus.PENDING and result.provider_refund_id
    refund_headers, refund_body = wx.fake.refund_notification("RF202405010001", NOW + timedelta(minutes=5))
    pay_headers, pay_body = wx.fake.payment_notification("MILK202405010001")

    early_status, early_body = wx.fake.deliver("MILK202405010001", refund_headers, refund_body)
    assert early_status == 400
    assert json.loads(early_body) == {
        "code": "FAIL",
        "message": "refund RF202405010001 arrived before the payment of order MILK202405010001",
    }
    assert wx.desk.ledger == []

    assert wx.fake.deliver("MILK202405010001", pay_headers, pay_body)[0] == 200
    assert wx.fake.deliver("MILK202405010001", wx.fake.resign(refund_body), refund_body)[0] == 200
    assert wx.fake.deliver("MILK202405010001", wx.fake.resign(pay_body), pay_body)[0] == 200  # old success, late

    assert wx.desk.ledger == [("MILK202405010001", 3000), ("MILK202405010001", -1000)]
    assert wx.desk.verdicts == [Verdict.TOO_EARLY, Verdict.APPLY, Verdict.APPLY, Verdict.STALE]


def test_a_notification_with_a_bad_signature_is_refused_with_a_clear_error(wx: Setup) -> None:
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    _, body = wx.fake.payment_notification("MILK202405010001")
    forged = {"Content-Type": "application/json", **wx.fake.signature(body.decode(), key=new_key())}

    status, reply = wx.fake.deliver("MILK202405010001", forged, body)

    assert status == 400
    assert "does not verify with the platform key" in json.loads(reply)["message"]
    assert wx.desk.refusals == [
        "payment.bad_signature: WeChat Pay notification signature does not verify with the platform key: "
        "forged or tampered"
    ]
    assert wx.desk.ledger == []


def test_a_tampered_amount_is_refused(wx: Setup) -> None:
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    headers, body = wx.fake.payment_notification("MILK202405010001")
    envelope = json.loads(body)
    envelope["resource"]["ciphertext"] = envelope["resource"]["ciphertext"][:-8] + "AAAAAAA="
    tampered = json.dumps(envelope, ensure_ascii=False).encode()

    assert wx.fake.deliver("MILK202405010001", headers, tampered)[0] == 400
    assert wx.desk.refusals[-1].startswith("payment.bad_signature")

    # signed by WeChat, but for another amount than our order (the payer paid 1 fen for 30 yuan)
    headers, body = wx.fake.payment_notification("MILK202405010001", amount={"total": 1, "currency": "CNY"})
    assert wx.fake.deliver("MILK202405010001", headers, body)[0] == 400
    assert wx.desk.refusals[-1] == (
        "payment.amount_mismatch: the wechat notice for order MILK202405010001 says 0.01 yuan "
        "but the order is for 30.00 yuan"
    )
    assert wx.desk.ledger == []


def test_a_replayed_notification_signed_an_hour_ago_is_refused(wx: Setup) -> None:
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    _, body = wx.fake.payment_notification("MILK202405010001")
    old = {"Content-Type": "application/json", **wx.fake.signature(body.decode(), at=NOW - timedelta(hours=1))}

    with pytest.raises(BadSignature, match=r"signed 3600 s away from our clock .* a replay"):
        wx.adapter.parse_notice(old, body)


def test_a_request_without_signature_headers_is_refused(wx: Setup) -> None:
    with pytest.raises(BadSignature, match="no Wechatpay-Signature"):
        wx.adapter.parse_notice({"wechatpay-timestamp": "1714522353"}, b"{}")


def test_a_provider_answer_with_a_bad_signature_is_refused(wx: Setup) -> None:
    wx.fake.tamper_responses = True
    with pytest.raises(BadSignature, match="bad signature"):
        native_order(wx)


def test_a_refusal_by_wechat_is_a_provider_error_with_its_code(wx: Setup) -> None:
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    with pytest.raises(ProviderError, match="ORDERPAID") as caught:
        native_order(wx)
    assert caught.value.extra == {"provider_code": "ORDERPAID"}


def test_platform_certificate_mode_verifies_answers_and_notifications(
    merchant_key: KeyPair, platform_key: KeyPair, tmp_path: Path
) -> None:
    serial = 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1
    (tmp_path / "platform.pem").write_text(platform_certificate(platform_key, serial))
    for wx in make_setup(merchant_key, platform_key, format(serial, "X"), platform_cert_dir=tmp_path):
        assert native_order(wx).code_url.startswith("weixin://wxpay/bizpayurl")
        wx.fake.pay("MILK202405010001", NOW)
        notice = wx.adapter.parse_notice(*wx.fake.payment_notification("MILK202405010001"))
        assert notice.amount_fen == 3000


def test_a_notification_posted_to_the_desk_over_http_keeps_its_headers(wx: Setup) -> None:
    """The notify endpoint sees WeChat's headers whatever their case (frameworks lower-case them)."""
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    headers, body = wx.fake.payment_notification("MILK202405010001")
    lowered = {k.lower(): v for k, v in headers.items()}
    assert wx.adapter.parse_notice(lowered, body).reference == "MILK202405010001"
    assert post(wx.fake.orders["MILK202405010001"]["notify_url"], body, headers)[0] == 200


def test_a_genuine_notification_for_another_merchant_or_app_is_refused(wx: Setup) -> None:
    native_order(wx)
    wx.fake.pay("MILK202405010001", NOW)
    with pytest.raises(WrongMerchant, match="another merchant id"):
        wx.adapter.parse_notice(*wx.fake.payment_notification("MILK202405010001", mchid="1900000999"))
    with pytest.raises(WrongMerchant, match="another app id"):
        wx.adapter.parse_notice(*wx.fake.payment_notification("MILK202405010001", appid="wx0000000000000000"))
