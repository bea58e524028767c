"""The unsubscribe link: opening it (as a mail scanner does) changes nothing; the RFC 8058 POST unsubscribes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from hub.crm.profile import set_consent
from hub.notifications.signing import unsubscribe_token
from tests.hub.crm.builders import World

pytestmark = pytest.mark.integration


def _subscribed_customer(client: TestClient, world: World) -> tuple[str, str]:
    store = world.store(name="老王烧烤")
    customer = world.customer(phone="+8613812345678", name="王小明", store_id=store)
    with world.db.session() as session:
        set_consent(session, customer, "email", True, source="test")
        session.commit()
    secret = client.app.state.ctx.secret  # type: ignore[attr-defined]
    return customer, unsubscribe_token(secret, customer, "email")


def _subscribed(client: TestClient, customer: str, headers: dict[str, str]) -> bool:
    view = client.get(f"/customers/{customer}/360", headers=headers)
    assert view.status_code == 200, view.text
    return bool(view.json()["consents"]["email"])


def test_opening_the_link_asks_and_leaves_the_customer_subscribed(
    api: tuple[TestClient, World], admin_headers: dict[str, str]
) -> None:
    client, world = api
    customer, token = _subscribed_customer(client, world)
    for _ in range(3):  # a scanner, a link preview, the customer: none of them unsubscribes by looking
        page = client.get("/unsubscribe", params={"token": token})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "确认退订" in page.text and "已退订" not in page.text
    assert _subscribed(client, customer, admin_headers), "a GET must not unsubscribe"

    form = re.search(r"<form method='post' action='([^']+)'>.*name='List-Unsubscribe' value='One-Click'", page.text)
    assert form is not None, page.text
    assert form.group(1) == f"?token={token}"


def test_the_one_click_post_unsubscribes(api: tuple[TestClient, World], admin_headers: dict[str, str]) -> None:
    client, world = api
    customer, token = _subscribed_customer(client, world)

    missing = client.post("/unsubscribe", params={"token": token})
    assert missing.status_code == 422
    assert _subscribed(client, customer, admin_headers), "a POST without List-Unsubscribe=One-Click does nothing"

    done = client.post(
        "/unsubscribe",
        params={"token": token},
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200, done.text
    assert "已退订" in done.text
    assert not _subscribed(client, customer, admin_headers)

    forged = client.post("/unsubscribe", params={"token": "forged.token"}, data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 422
