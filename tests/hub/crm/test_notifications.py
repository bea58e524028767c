"""Notifications really leave: a signed webhook retried until it is taken, SMTP, quiet hours, consent, unsubscribe."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select, update

from hub.crm.profile import set_consent
from hub.crm.profile_tables import CustomerProfile
from hub.marketing.api import coupon_for_message
from hub.marketing.rule_runner import run_rule
from hub.marketing.tables import MarketingRule
from hub.notifications.sender import NotificationSender
from hub.notifications.settings import NotifySettings
from hub.notifications.tables import Notification
from tests.hub.crm.builders import TZ, World, utc
from tests.hub.crm.gateways import smtp_server, webhook_gateway
from tests.services import free_port

pytestmark = pytest.mark.integration
NOTES = Notification.__table__  # type: ignore[attr-defined]
RULES = MarketingRule.__table__  # type: ignore[attr-defined]
NOW = utc(2025, 6, 30, 4, 0)  # 12:00 in Shanghai
NO_QUIET = {"quiet_start": time(0, 0), "quiet_end": time(0, 0)}


def _dormant_customer(world: World, *, channel: str = "sms", consent: bool = True, email: str | None = None) -> str:
    store = world.store(name="老王烧烤")
    customer = world.customer(phone="+8613812345678", name="王小明", store_id=store)
    world.order(customer, store, NOW - timedelta(days=40))
    with world.db.session() as session:
        if consent:
            set_consent(session, customer, channel, True, source="test")
        if email:
            session.add(CustomerProfile(customer_id=customer, email=email))
        session.commit()
    world.recompute(NOW)
    with world.db.engine.begin() as conn:
        conn.execute(update(RULES).where(RULES.c.id == "win-back").values(enabled=True, channels=[channel]))
    result = run_rule(world.db, "win-back", now=NOW, default_tz=TZ)
    assert (result.targeted, result.granted) == (1, 1)
    return customer


def _status(world: World) -> tuple[str, int]:
    row = world.rows(select(NOTES.c.status, NOTES.c.attempts))[0]
    return row.status, row.attempts


def test_the_webhook_is_signed_and_a_failing_gateway_is_retried_until_it_takes_the_message(world: World) -> None:
    _dormant_customer(world)
    assert world.count(NOTES, NOTES.c.status == "queued") == 1
    with webhook_gateway("gateway-secret", fail_first=2) as gateway:
        settings = NotifySettings(
            webhook_url=gateway.url, webhook_secret=SecretStr("gateway-secret"), backoff_base_s=30, **NO_QUIET
        )
        sender = NotificationSender(world.db, settings, "hub-secret", default_tz=TZ, coupons=coupon_for_message)
        assert sender.send_due(NOW).retried == 1
        assert sender.send_due(NOW + timedelta(seconds=29)).handled == 0, "not due before the backoff"
        assert sender.send_due(NOW + timedelta(seconds=31)).retried == 1
        assert _status(world) == ("queued", 2)
        assert sender.send_due(NOW + timedelta(seconds=31 + 61)).sent == 1
        assert sender.send_due(NOW + timedelta(days=1)).handled == 0

    assert gateway.bad_signatures == 0
    assert len(gateway.posts) == 3 and len(gateway.accepted) == 1
    assert len({p["delivery"] for p in gateway.posts}) == 1, "the same message id on every attempt (for dedupe)"
    message = gateway.accepted[0]
    assert message["channel"] == "sms" and message["to"] == "+8613812345678"
    assert message["text"].startswith("王小明，好久不见！老王烧烤想您了，送您一张满40减12回归券，券码 ")
    assert message["coupon_code"] in message["text"]
    assert "/unsubscribe?token=" in message["text"]
    assert _status(world) == ("sent", 3)


def test_a_gateway_that_stays_down_loses_nothing(world: World) -> None:
    _dormant_customer(world)
    down = NotifySettings(
        webhook_url=f"http://127.0.0.1:{free_port()}/sms",
        max_attempts=3,
        backoff_base_s=10,
        webhook_timeout_s=2,
        **NO_QUIET,
    )
    sender = NotificationSender(world.db, down, "hub-secret", default_tz=TZ, coupons=coupon_for_message)
    moment = NOW
    for _ in range(3):
        assert sender.send_due(moment).handled == 1
        moment += timedelta(hours=1)
    row = world.rows(select(NOTES))[0]
    assert (row.status, row.attempts) == ("failed", 3)
    assert "unreachable" in (row.last_error or "")

    from hub.notifications.service import retry

    with world.db.session() as session:
        retry(session, row.id)
        session.commit()
    with webhook_gateway("hub-secret") as gateway:
        up = NotifySettings(webhook_url=gateway.url, **NO_QUIET)
        assert (
            NotificationSender(world.db, up, "hub-secret", default_tz=TZ, coupons=coupon_for_message).send_due().sent
            == 1
        )
    assert len(gateway.accepted) == 1 and gateway.bad_signatures == 0, "signed with the hub's secret by default"


def test_quiet_hours_hold_a_message_until_morning_in_the_customers_zone(world: World) -> None:
    _dormant_customer(world)
    evening = utc(2025, 6, 30, 14, 30)  # 22:30 in Shanghai
    with webhook_gateway("hub-secret") as gateway:
        settings = NotifySettings(webhook_url=gateway.url, quiet_start=time(21, 0), quiet_end=time(9, 0))
        sender = NotificationSender(world.db, settings, "hub-secret", default_tz=TZ, coupons=coupon_for_message)
        assert sender.send_due(evening).deferred == 1
        due = world.scalar(select(NOTES.c.next_attempt_at))
        assert due == utc(2025, 7, 1, 1, 0), "09:00 the next morning in Shanghai"
        assert sender.send_due(utc(2025, 7, 1, 0, 59)).handled == 0
        assert sender.send_due(utc(2025, 7, 1, 1, 0)).sent == 1
    assert len(gateway.accepted) == 1


def test_email_goes_over_smtp_with_a_one_click_unsubscribe(world: World) -> None:
    _dormant_customer(world, channel="email", email="xiaoming@example.cn")
    with smtp_server() as mailbox:
        settings = NotifySettings(
            smtp_host="127.0.0.1", smtp_port=mailbox.port, smtp_from="老王烧烤 <crm@example.cn>", **NO_QUIET
        )
        assert (
            NotificationSender(world.db, settings, "hub-secret", default_tz=TZ, coupons=coupon_for_message)
            .send_due(NOW)
            .sent
            == 1
        )
    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mailbox.envelopes[0][1] == ["xiaoming@example.cn"]
    from email.header import decode_header, make_header

    assert str(make_header(decode_header(mail["Subject"]))) == "好久不见"
    assert "/unsubscribe?token=" in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = mail.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
    assert "王小明，好久不见！" in body


def test_no_consent_means_no_message(world: World) -> None:
    _dormant_customer(world, consent=False)
    assert world.count(NOTES) == 0, "not targeted without consent"
    customer = world.rows(select(NOTES.c.customer_id))  # nothing queued
    assert customer == []


def test_an_unsubscribed_customer_receives_nothing(
    api: tuple[TestClient, World], admin_headers: dict[str, str]
) -> None:
    client, world = api
    customer = _dormant_customer(world)
    # noon in Shanghai tomorrow: after anything queued during the test, whatever the clock says now
    now = (datetime.now(UTC) + timedelta(days=1)).replace(hour=4, minute=0)
    secret = client.app.state.ctx.secret  # type: ignore[attr-defined]
    with webhook_gateway(secret) as gateway:
        settings = NotifySettings(webhook_url=gateway.url, **NO_QUIET)
        sender = NotificationSender(world.db, settings, secret, default_tz=TZ, coupons=coupon_for_message)
        assert sender.send_due(now).sent == 1
        link = urlparse(gateway.accepted[0]["unsubscribe_url"])
        page = client.get(f"{link.path}?{link.query}")
        assert page.status_code == 200 and "确认退订" in page.text, "the link asks first"
        page = client.post(f"{link.path}?{link.query}", data={"List-Unsubscribe": "One-Click"})
        assert page.status_code == 200 and "已退订" in page.text
        assert client.get(f"/customers/{customer}/360", headers=admin_headers).json()["consents"]["sms"] is False

        queued = client.post(
            f"/customers/{customer}/notifications",
            json={"template_id": "msg-reminder", "channel": "sms", "key": "after-unsubscribe"},
            headers=admin_headers,
        )
        assert queued.status_code == 201, queued.text
        result = sender.send_due(now)
        assert (result.sent, result.suppressed) == (0, 1)
    assert len(gateway.posts) == 1, "nothing after the unsubscribe"
    refused = world.rows(select(NOTES.c.status, NOTES.c.last_error).where(NOTES.c.status == "suppressed"))
    assert "unsubscribed" in refused[0].last_error
    assert client.get("/unsubscribe", params={"token": "forged.token"}).status_code == 422
