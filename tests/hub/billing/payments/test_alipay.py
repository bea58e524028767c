"""Alipay adapter against a local server playing Alipay's gateway with RSA2 keys made in the test."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from hub.billing.payments.alipay import AlipayAdapter, AlipayConfig
from hub.billing.payments.errors import BadSignature, UnknownOrder, WrongMerchant
from hub.billing.payments.notices import Verdict
from hub.billing.payments.port import (
    AppOrderString,
    OrderRequest,
    PaymentMethod,
    PaymentStatus,
    QrCode,
    RedirectPage,
    RefundRequest,
)
from tests.hub.billing.payments.fake_alipay import FakeAlipay, sorted_params
from tests.hub.billing.payments.keys import KeyPair, new_key
from tests.hub.billing.payments.local_http import LocalHttpServer, Request, Response
from tests.hub.billing.payments.notice_desk import NoticeDesk

NOW = datetime(2024, 5, 1, 0, 12, 33, tzinfo=UTC)  # 2024-05-01 08:12:33 in Beijing
APP_ID, SELLER_ID = "2021000123456789", "2088621234567890"


@dataclass
class Setup:
    fake: FakeAlipay
    adapter: AlipayAdapter
    desk: NoticeDesk


@pytest.fixture(scope="module")
def app_key() -> KeyPair:
    return new_key()


@pytest.fixture(scope="module")
def alipay_key() -> KeyPair:
    return new_key()


@pytest.fixture
def ali(app_key: KeyPair, alipay_key: KeyPair) -> Iterator[Setup]:
    fake = FakeAlipay(app_id=APP_ID, seller_id=SELLER_ID, app_key=app_key, alipay_key=alipay_key, clock=lambda: NOW)
    holder: list[NoticeDesk] = []

    def to_desk(request: Request) -> Response:
        return holder[0].handle(request)

    with fake.server, LocalHttpServer(to_desk) as receiver:
        adapter = AlipayAdapter(
            AlipayConfig(
                app_id=APP_ID,
                app_private_key=app_key.private_pem,
                alipay_public_key=alipay_key.public_pem,
                notify_url=f"{receiver.url}/notify/alipay",
                seller_id=SELLER_ID,
                gateway_url=fake.gateway_url,
            ),
            clock=lambda: NOW,
        )
        holder.append(NoticeDesk(adapter, orders={}))
        yield Setup(fake, adapter, holder[0])


def precreate(ali: Setup, reference: str = "MILK202405010101", amount_fen: int = 4550) -> QrCode:
    ali.desk.orders[reference] = amount_fen
    action = ali.adapter.create_order(
        OrderRequest(reference, amount_fen, "鲜牛奶预存 李阿姨", PaymentMethod.ALIPAY_PRECREATE)
    )
    assert isinstance(action, QrCode)
    return action


def test_a_precreate_order_gives_the_qr_code_alipay_answered(ali: Setup) -> None:
    action = precreate(ali)

    assert action.code_url == "https://qr.alipay.com/bax00001test"
    call = ali.fake.calls[-1]
    assert call["method"] == "alipay.trade.precreate"
    assert call["timestamp"] == "2024-05-01 08:12:33"  # Beijing time from our clock, not the machine's
    assert ali.fake.orders["MILK202405010101"]["total_amount"] == "45.50"
    assert ali.fake.orders["MILK202405010101"]["notify_url"].endswith("/notify/alipay")


def test_a_page_order_is_a_signed_url_on_the_configured_gateway(ali: Setup, app_key: KeyPair) -> None:
    action = ali.adapter.create_order(
        OrderRequest(
            "MILK202405010102", 12000, "鲜牛奶季卡", PaymentMethod.ALIPAY_PAGE, return_url="https://depot.example/paid"
        )
    )

    assert isinstance(action, RedirectPage)
    assert action.url.startswith(ali.fake.gateway_url + "?")
    params = dict(parse_qsl(urlsplit(action.url).query))
    assert app_key.verify(sorted_params(params), params["sign"])
    with urllib.request.urlopen(action.url, timeout=10) as page:  # the payer's browser opens it
        assert "支付宝收银台 鲜牛奶季卡 ¥120.00" in page.read().decode()
    assert ali.fake.orders["MILK202405010102"]["product_code"] == "FAST_INSTANT_TRADE_PAY"


def test_an_app_order_string_is_signed_for_the_alipay_sdk(ali: Setup, app_key: KeyPair) -> None:
    action = ali.adapter.create_order(OrderRequest("MILK202405010103", 990, "鲜牛奶", PaymentMethod.ALIPAY_APP))
    assert isinstance(action, AppOrderString)
    params = dict(parse_qsl(action.order_string))
    assert params["method"] == "alipay.trade.app.pay" and app_key.verify(sorted_params(params), params["sign"])


def test_a_query_tells_pending_then_paid_and_an_unknown_order_is_refused(ali: Setup) -> None:
    precreate(ali)
    assert ali.adapter.query_order("MILK202405010101").status is PaymentStatus.PENDING
    trade_no = ali.fake.pay("MILK202405010101", NOW + timedelta(minutes=2))

    state = ali.adapter.query_order("MILK202405010101")
    assert (state.status, state.transaction_id, state.paid_at, state.amount_fen) == (
        PaymentStatus.SUCCESS,
        trade_no,
        NOW + timedelta(minutes=2),
        4550,
    )
    with pytest.raises(UnknownOrder, match="ACQ\\.TRADE_NOT_EXIST"):
        ali.adapter.query_order("MILK209901010001")


def test_a_notification_is_verified_and_the_same_one_twice_is_applied_once(ali: Setup) -> None:
    precreate(ali)
    trade_no = ali.fake.pay("MILK202405010101", NOW)
    body = ali.fake.notification("MILK202405010101")

    notice = ali.adapter.parse_notice({}, body)
    assert (notice.status, notice.transaction_id, notice.amount_fen, notice.occurred_at) == (
        PaymentStatus.SUCCESS,
        trade_no,
        4550,
        NOW,
    )
    assert ali.fake.deliver("MILK202405010101", body) == (200, b"success")
    assert ali.fake.deliver("MILK202405010101", body) == (200, b"success")  # Alipay resends the same notify_id
    assert ali.desk.ledger == [("MILK202405010101", 4550)]
    assert ali.desk.verdicts == [Verdict.APPLY, Verdict.DUPLICATE]


def test_refunds_apply_once_from_alipays_cumulative_refund_fee_even_out_of_order(ali: Setup) -> None:
    precreate(ali)
    ali.fake.pay("MILK202405010101", NOW)
    paid = ali.fake.notification("MILK202405010101")
    first = ali.adapter.refund(RefundRequest("MILK202405010101", "RF202405010101", 1000, 4550, "停送两天"))
    assert (first.status, first.refunded_total_fen) == (PaymentStatus.SUCCESS, 1000)
    refund_one = ali.fake.notification(
        "MILK202405010101", out_biz_no="RF202405010101", refund_fee="10.00", gmt_refund="2024-05-02 09:00:00.120"
    )
    ali.adapter.refund(RefundRequest("MILK202405010101", "RF202405010102", 550, 4550))
    refund_two = ali.fake.notification(
        "MILK202405010101", out_biz_no="RF202405010102", refund_fee="15.50", gmt_refund="2024-05-03 09:00:00.450"
    )

    assert ali.fake.deliver("MILK202405010101", refund_one) == (400, b"fail")  # before its payment: sent again later
    for body in (paid, refund_one, refund_two, refund_two, paid):
        assert ali.fake.deliver("MILK202405010101", body) == (200, b"success")

    assert ali.desk.ledger == [("MILK202405010101", 4550), ("MILK202405010101", -1000), ("MILK202405010101", -550)]
    assert ali.desk.verdicts == [
        Verdict.TOO_EARLY,
        Verdict.APPLY,
        Verdict.APPLY,
        Verdict.APPLY,
        Verdict.DUPLICATE,
        Verdict.STALE,
    ]


def test_a_notification_with_a_bad_signature_is_refused_with_a_clear_error(ali: Setup) -> None:
    precreate(ali)
    ali.fake.pay("MILK202405010101", NOW)

    assert ali.fake.deliver("MILK202405010101", ali.fake.notification("MILK202405010101", key=new_key())) == (
        400,
        b"fail",
    )
    assert ali.desk.refusals == [
        "payment.bad_signature: Alipay notification signature does not verify with Alipay's public key: "
        "forged or tampered"
    ]
    assert ali.desk.ledger == []


def test_a_tampered_amount_is_refused(ali: Setup) -> None:
    precreate(ali)
    ali.fake.pay("MILK202405010101", NOW)
    body = ali.fake.notification("MILK202405010101")

    tampered = body.replace(b"total_amount=45.50", b"total_amount=4550.00")
    with pytest.raises(BadSignature):
        ali.adapter.parse_notice({}, tampered)
    # signed by Alipay, but not the amount of our order
    assert ali.fake.deliver("MILK202405010101", ali.fake.notification("MILK202405010101", total_amount="0.01")) == (
        400,
        b"fail",
    )
    assert ali.desk.refusals == [
        "payment.amount_mismatch: the alipay notice for order MILK202405010101 says 0.01 yuan "
        "but the order is for 45.50 yuan"
    ]


def test_a_genuine_notification_for_another_app_or_seller_is_refused(ali: Setup) -> None:
    precreate(ali)
    ali.fake.pay("MILK202405010101", NOW)
    with pytest.raises(WrongMerchant, match="another app id"):
        ali.adapter.parse_notice({}, ali.fake.notification("MILK202405010101", app_id="2021000999999999"))
    with pytest.raises(WrongMerchant, match="another seller"):
        ali.adapter.parse_notice({}, ali.fake.notification("MILK202405010101", seller_id="2088000000000000"))


def test_a_notification_without_a_signature_is_refused(ali: Setup) -> None:
    with pytest.raises(BadSignature, match="no sign parameter"):
        ali.adapter.parse_notice({}, b"trade_status=TRADE_SUCCESS&out_trade_no=MILK202405010101")


def test_an_answer_signed_by_someone_else_is_refused(app_key: KeyPair, alipay_key: KeyPair) -> None:
    impostor = FakeAlipay(app_id=APP_ID, seller_id=SELLER_ID, app_key=app_key, alipay_key=new_key(), clock=lambda: NOW)
    with impostor.server:
        adapter = AlipayAdapter(
            AlipayConfig(
                APP_ID,
                app_key.private_pem,
                alipay_key.public_pem,
                "http://127.0.0.1:9/n",
                gateway_url=impostor.gateway_url,
            ),
            clock=lambda: NOW,
        )
        with pytest.raises(BadSignature, match="bad signature"):
            adapter.create_order(OrderRequest("MILK202405010104", 100, "鲜牛奶", PaymentMethod.ALIPAY_PRECREATE))
