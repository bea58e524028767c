"""A bump or a recall the hub refuses comes back to the kitchen display as a notification with the
hub's reason, on the station where the cook pressed the key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from contracts import topics
from contracts.envelope import Envelope
from contracts.kitchen import TicketState
from contracts.messaging import Ack, Refusal
from hub.app import create_app as create_hub
from kds_terminal.app import KdsApp, create_app
from mqttlink import FakeBroker, FakeMqttLink, MqttSettings, publish_body, subscribe_template
from tests.databases import sqlite_database
from tests.hub.conftest import mqtt_settings
from tests.hub.seed import login, make_admin, register_device, seed_store
from tests.kds_terminal.pilot import (
    KDS_SIZE,
    FakeClock,
    kds_settings,
    make_ticket,
    press_card,
    publish_ticket,
    settle,
    wait_for_card,
    wait_listening,
    wait_until,
)
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.ui

CANCELLED = "order o2 was cancelled: its tickets cannot be bumped or recalled"


class RefusingHub:
    """The hub's side on a fake broker: acks every status, refusing those of cancelled orders."""

    def __init__(self, broker: FakeBroker, cancelled: set[str], root: str = "brigade") -> None:
        self.link = FakeMqttLink(broker)
        self.root = root
        self.cancelled = cancelled
        self.refused: list[str] = []

    async def start(self) -> RefusingHub:
        await self.link.start()
        await subscribe_template(self.link, topics.TICKET_STATUS, self._on_status, root=self.root, consumer="hub")
        return self

    async def _on_status(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        status = envelope.body
        refused: tuple[Refusal, ...] = ()
        if status.order_id in self.cancelled and status.state in (TicketState.READY, TicketState.RECALLED):
            refused = (Refusal(message_id=envelope.id, code="order.invalid_transition", reason=CANCELLED),)
            self.refused.append(status.state.value)
        ack = Ack(device_id=envelope.source, message_ids=(envelope.id,), at=datetime.now(UTC), refused=refused)
        await publish_body(self.link, topics.ACK, ack, source="hub", root=self.root, device_id=envelope.source)


def notifications(app: KdsApp) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


async def test_a_bump_and_a_recall_the_hub_refuses_are_shown_with_the_hubs_reason(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = await RefusingHub(broker, cancelled={"o2"}).start()
    app = create_app(kds_settings(tmp_path, language="en"), link=FakeMqttLink(broker), clock=FakeClock())
    async with app.run_test(size=KDS_SIZE) as pilot:
        feed = FakeMqttLink(broker)
        await feed.start()
        await publish_ticket(feed, make_ticket("o1", number="A11"), root="brigade")
        await publish_ticket(feed, make_ticket("o2", number="A12"), root="brigade")
        await wait_for_card(pilot, "o2:wok")
        await press_card(pilot, app, "o2:wok", "enter")  # the customer cancelled; the hub knows, the cook not yet
        await settle(app, pilot)
        await wait_until(pilot, lambda: hub.refused == ["ready"])
        await wait_until(pilot, lambda: any("Bump refused #A12" in m for m, _ in notifications(app)))
        assert (f"Bump refused #A12: {CANCELLED}", "error") in notifications(app)

        await pilot.press("slash")  # recall it: refused as well
        await settle(app, pilot)
        await wait_until(pilot, lambda: any("Recall refused #A12" in m for m, _ in notifications(app)))
        assert (f"Recall refused #A12: {CANCELLED}", "error") in notifications(app)

        await press_card(pilot, app, "o1:wok", "enter")  # a normal bump: no refusal shown
        await settle(app, pilot)
        await wait_until(pilot, lambda: app.controller.outbox is not None and app.controller.outbox.pending() == 0)
    assert not any("#A11" in m and "refused" in m for m, _ in notifications(app))


@pytest.fixture
def hub(tmp_path: Path, mosquitto_settings: MqttSettings) -> Any:
    url = sqlite_database(tmp_path)
    with TestClient(create_hub(mqtt_settings(url, tmp_path, mosquitto_settings))) as client:
        yield client, login(client, make_admin(url))


@pytest.mark.integration
async def test_a_bump_the_real_hub_refuses_comes_back_to_the_display(
    hub: Any, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    """A ticket the hub never issued (a stray from another system) is bumped: the hub says why it will not."""
    client, headers = hub
    store = seed_store(client, headers).store_id
    root = mosquitto_settings.topic_root
    app = create_app(kds_settings(tmp_path, store_id=store, mqtt=mosquitto_settings, language="en"))
    register_device(client, headers, app.controller.device_id, "kds", store_id=store)  # the bridge hears only devices
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_listening(pilot, app, mosquitto_settings)
        async with Watcher(mosquitto_settings) as watcher:
            await publish_ticket(watcher.link, make_ticket("stray-1", store_id=store, number="Z9"), root=root)
        await wait_for_card(pilot, "stray-1:wok", timeout=15)
        await press_card(pilot, app, "stray-1:wok", "enter")
        await settle(app, pilot)
        await wait_until(pilot, lambda: any("Bump refused #Z9" in m for m, _ in notifications(app)), timeout=20)
        message = next(m for m, _ in notifications(app) if "Bump refused #Z9" in m)
        assert message == f"Bump refused #Z9: no kitchen ticket stray-1:wok in store {store}"
        assert app.controller.outbox is not None and app.controller.outbox.pending() == 0  # nothing resent
