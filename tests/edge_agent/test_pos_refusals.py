"""An in-store order the hub refuses reaches the cashier: the POS endpoint shows it refused with the
hub's reason, the POS topic carries the refusal, and the agent logs it. Real hub, real Mosquitto."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import httpx
import pytest

from contracts import topics
from contracts.envelope import decode
from contracts.store_orders import PosOrderRefused
from hub.app import create_app
from mqttlink import MqttSettings
from tests.chaos.waiting import eventually
from tests.databases import sqlite_database
from tests.edge_agent.harness import sim_store
from tests.hub.conftest import mqtt_settings
from tests.hub.seed import login, make_admin, register_device, seed_store
from tests.hub.server import serve
from tests.mqtt_watch import Watcher

pytestmark = pytest.mark.integration


async def test_an_order_the_hub_refuses_is_shown_refused_to_the_pos_with_the_reason(
    tmp_path: Path, mosquitto_settings: MqttSettings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    root = mosquitto_settings.topic_root
    url = sqlite_database(tmp_path)
    device_id = f"edge-{uuid.uuid4().hex[:8]}"
    mqtt = mosquitto_settings.model_copy(update={"client_id": device_id})
    app = create_app(mqtt_settings(url, tmp_path, mosquitto_settings))
    with serve(app) as base, httpx.Client(base_url=base) as hub:
        headers = login(hub, make_admin(url))
        store_id = seed_store(hub, headers).store_id
        register_device(hub, headers, device_id, store_id=store_id)
        assert hub.post(f"/stores/{store_id}/menu/publish", headers=headers).status_code == 200
        async with (
            sim_store(tmp_path / "edge", store_id=store_id, mqtt=mqtt, device_id=device_id, pos_http_port=0) as store,
            Watcher(mosquitto_settings) as pos_screen,
        ):
            await pos_screen.watch(topics.POS_REFUSED.build(root=root, store_id=store_id))
            agent = await store.start_agent()
            await eventually(lambda: agent.desk.menu is not None, what="the retained menu arrived")
            assert agent.http is not None
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{agent.http.port}") as pos:
                lines = [{"menu_item_id": "KB", "quantity": 1}]
                typo = {"local_order_id": "pos-1", "lines": lines, "customer_phone": "12345"}  # not a phone number
                good = {"local_order_id": "pos-2", "lines": lines}
                assert (await pos.post("/orders", json=typo)).status_code == 201  # the kitchen cooks it at once
                assert (await pos.post("/orders", json=good)).status_code == 201
                refusals = await pos_screen.wait_for(1)
                shown = (await pos.get("/orders/pos-1")).json()
                other = (await pos.get("/orders/pos-2")).json()
                assert (await pos.get("/orders/pos-404")).status_code == 404
                await store.wait_printed(2)
    refused = decode(refusals[0].payload, PosOrderRefused).body
    assert (refused.local_order_id, refused.code) == ("pos-1", "invalid_input")
    assert "phone" in refused.reason
    assert shown["status"] == "refused"
    assert shown["refusal"]["code"] == "invalid_input" and "phone" in shown["refusal"]["reason"]
    assert shown["order_id"] == refused.order_id
    assert other["status"] == "taken" and other["refusal"] is None
    assert any("refused by the hub" in r.getMessage() and "pos-1" in r.getMessage() for r in caplog.records)
