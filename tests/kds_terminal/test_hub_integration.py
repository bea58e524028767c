"""The display against a real hub and a real Mosquitto: bumps move the order, outages lose nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts import topics
from contracts.envelope import decode
from contracts.kitchen import TicketStatus
from hub.app import create_app as create_hub
from kds_terminal.app import KdsApp, create_app
from mqttlink import MqttSettings
from tests.databases import sqlite_database
from tests.hub.conftest import mqtt_settings
from tests.hub.seed import login, make_admin, order_body, register_device, seed_store
from tests.kds_terminal.pilot import (
    KDS_SIZE,
    kds_settings,
    make_ticket,
    offline_banner,
    press_card,
    publish_ticket,
    screen_cards,
    settle,
    wait_acked,
    wait_for_card,
    wait_listening,
    wait_until,
)
from tests.mqtt_watch import Watcher
from tests.services import PrivateMosquitto

pytestmark = [pytest.mark.integration, pytest.mark.ui]


class Hub:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.client.get(f"/orders/{order_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def tickets(self, order_id: str) -> dict[str, str]:
        response = self.client.get("/kitchen/tickets", params={"order_id": order_id}, headers=self.headers)
        return {t["station_code"]: t["state"] for t in response.json()}

    def events(self, order_id: str) -> list[str]:
        response = self.client.get(f"/orders/{order_id}/events", headers=self.headers)
        return [e["type"] for e in response.json()]


@pytest.fixture
def hub_on(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start a hub (SQLite, relay, bridge, jobs) on the given broker."""
    started: list[TestClient] = []

    def start(mqtt: MqttSettings) -> Hub:
        url = sqlite_database(tmp_path)
        client = TestClient(create_hub(mqtt_settings(url, tmp_path, mqtt)))
        client.__enter__()
        started.append(client)
        return Hub(client, login(client, make_admin(url)))

    yield start
    for client in started:
        client.__exit__(None, None, None)


def _kds(tmp_path: Path, store_id: str, mqtt: MqttSettings) -> KdsApp:
    broker = mqtt.model_copy(update={"session_expiry_s": 300})
    return create_app(kds_settings(tmp_path, store_id=store_id, stations=["wok", "grill"], mqtt=broker))


def _ticked(app: KdsApp) -> bool:
    """Run the once-a-second tick now (the test need not wait for the timer)."""
    app.tick()
    return True


async def test_bumping_every_station_makes_the_order_ready_and_a_recall_takes_it_back(
    hub_on: Any, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    hub: Hub = hub_on(mosquitto_settings)
    store = seed_store(hub.client, hub.headers)
    register_device(hub.client, hub.headers, f"kds-{store.store_id}-wok", "kds", store_id=store.store_id)
    app = _kds(tmp_path, store.store_id, mosquitto_settings)
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_listening(pilot, app, mosquitto_settings)
        order = hub.client.post("/orders", json=order_body(store.store_id), headers=hub.headers).json()
        wok, grill = f"{order['id']}:wok", f"{order['id']}:grill"
        await wait_for_card(pilot, wok, timeout=15)
        await wait_for_card(pilot, grill, timeout=15)
        await wait_acked(pilot, app)
        assert hub.tickets(order["id"]) == {"wok": "shown", "grill": "shown"}

        await press_card(pilot, app, wok, "enter")
        await wait_acked(pilot, app)
        assert hub.tickets(order["id"])["wok"] == "bumped"
        assert hub.order(order["id"])["status"] != "ready", "the grill is still cooking"

        await press_card(pilot, app, grill, "asterisk")  # its only item: the whole ticket is done
        await wait_acked(pilot, app)
        assert screen_cards(app) == []
        assert hub.order(order["id"])["status"] == "ready"
        assert "kitchen.items_bumped" in hub.events(order["id"])

        await pilot.press("slash")  # recall the grill ticket: the order is cooking again
        await wait_for_card(pilot, grill)
        await wait_acked(pilot, app)
        assert hub.order(order["id"])["status"] == "cooking"
        await pilot.press("enter")
        await wait_acked(pilot, app)
        assert hub.order(order["id"])["status"] == "ready"


@pytest.fixture
def store_broker(private_broker: PrivateMosquitto, topic_root: str) -> Iterator[MqttSettings]:
    yield MqttSettings(
        port=private_broker.port,
        client_id="unused",
        topic_root=topic_root,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
        publish_timeout_s=3.0,
    )


async def test_a_bump_made_while_the_broker_is_down_reaches_the_hub_when_it_returns(
    hub_on: Any, private_broker: PrivateMosquitto, store_broker: MqttSettings, tmp_path: Path
) -> None:
    hub: Hub = hub_on(store_broker.model_copy(update={"client_id": "hub-of-test"}))
    store = seed_store(hub.client, hub.headers)
    register_device(hub.client, hub.headers, f"kds-{store.store_id}-wok", "kds", store_id=store.store_id)
    app = _kds(tmp_path, store.store_id, store_broker)
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_listening(pilot, app, store_broker)
        order = hub.client.post(
            "/orders", json=order_body(store.store_id, lines=[{"sku": "KB", "quantity": 1}]), headers=hub.headers
        ).json()
        ticket_id = f"{order['id']}:wok"
        await wait_for_card(pilot, ticket_id, timeout=15)
        await wait_acked(pilot, app)

        private_broker.stop()
        await wait_until(pilot, lambda: _ticked(app) and offline_banner(app) is not None, timeout=15)
        assert "上次更新" in str(offline_banner(app))
        assert screen_cards(app) == [ticket_id], "the card stays while offline"
        await press_card(pilot, app, ticket_id, "enter")
        await settle(app, pilot)
        assert screen_cards(app) == []
        assert app.controller.outbox is not None and app.controller.outbox.pending() == 1

        private_broker.start()
        await wait_acked(pilot, app, timeout=30)
        app.tick()
        await pilot.pause()
        assert offline_banner(app) is None
        await wait_until(pilot, lambda: hub.order(order["id"])["status"] == "ready", timeout=15)


async def test_the_display_works_on_the_embedded_broker(amqtt_settings: MqttSettings, tmp_path: Path) -> None:
    """The demo's broker (amqtt, MQTT 3.1.1 only): tickets in, statuses out."""
    root = amqtt_settings.topic_root
    app = create_app(kds_settings(tmp_path, mqtt=amqtt_settings))
    async with Watcher(amqtt_settings) as watcher, app.run_test(size=KDS_SIZE) as pilot:
        await watcher.watch(topics.TICKET_STATUS.wildcard(root=root))
        await wait_until(pilot, lambda: app.link.connected, timeout=15)
        for _ in range(40):  # amqtt may route before it has applied the display's subscription: send again
            await publish_ticket(watcher.link, make_ticket("o1"), root=root)  # (the display dedupes)
            with contextlib.suppress(AssertionError):
                await wait_for_card(pilot, "o1:wok", timeout=0.5)
                break
        await wait_for_card(pilot, "o1:wok")
        await pilot.press("enter")
        await watcher.wait_for(2)
    states = [decode(m.payload, TicketStatus).body.state.value for m in watcher.messages]
    assert states[:2] == ["shown", "ready"]
