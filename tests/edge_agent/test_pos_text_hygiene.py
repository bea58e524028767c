"""The store's POS endpoint refuses control characters before anything is printed: a modifier with
ESC p would otherwise open the cash drawer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from contracts import topics
from contracts.envelope import decode, encode_body
from contracts.messaging import DeadLetter
from contracts.store_orders import MenuEntry, StoreMenu
from mqttlink import FakeBroker, FakeMqttLink
from tests.edge_agent.harness import STORE, FakeHub, SimStore, sim_store

DRAWER = "开钱箱\x1bp\x00\x19\x19"
MENU = StoreMenu(
    store_id=STORE,
    station_names={"wok": "炒锅"},
    items=(MenuEntry(menu_item_id="KB", name="宫保鸡丁", price_fen=3800, station_ids=("wok",)),),
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[SimStore, FakeHub]]:
    broker = FakeBroker()
    hub = FakeHub(broker)
    await hub.start()
    await hub.link.publish(topics.STORE_MENU.build(store_id=STORE), encode_body(MENU, source="hub"), retain=True)
    async with sim_store(tmp_path / "edge", pos_http_port=0) as s:
        link = FakeMqttLink(broker)
        await link.start()
        await s.start_agent(link)
        yield s, hub


async def test_control_characters_from_the_pos_are_refused_and_nothing_prints(
    store: tuple[SimStore, FakeHub],
) -> None:
    s, _ = store
    assert s.agent is not None and s.agent.http is not None
    bad = [
        {"local_order_id": "L-1", "lines": [{"menu_item_id": "KB", "quantity": 1, "modifiers": [DRAWER]}]},
        {"local_order_id": "L-2", "order_number": "T\x10\x04", "lines": [{"menu_item_id": "KB", "quantity": 1}]},
        {"local_order_id": "L-3", "notes": "\x1b@", "lines": [{"menu_item_id": "KB", "quantity": 1}]},
    ]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{s.agent.http.port}") as client:
        refused = [await client.post("/orders", json=body) for body in bad]
        good = await client.post(
            "/orders", json={"local_order_id": "L-4", "lines": [{"menu_item_id": "KB", "quantity": 1}]}
        )
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert "lines.0.modifiers.0" in refused[0].json()["detail"]
    assert "order_number" in refused[1].json()["detail"] and "notes" in refused[2].json()["detail"]
    assert all("control character" in r.json()["detail"] for r in refused)
    assert good.status_code == 201, good.text
    printed = await s.wait_printed(1)
    assert len(printed) == 1 and "\x1bp" not in printed[0].text


async def test_a_pos_order_over_mqtt_with_a_control_character_is_dead_lettered(
    store: tuple[SimStore, FakeHub],
) -> None:
    s, hub = store

    def order(local_id: str, modifiers: list[str]) -> bytes:
        body = {
            "order_id": f"o-{local_id}",
            "store_id": STORE,
            "local_order_id": local_id,
            "order_number": "T9",
            "placed_at": datetime.now(UTC).isoformat(),
            "lines": [{"menu_item_id": "KB", "quantity": 1, "modifiers": modifiers}],
        }
        return json.dumps({"v": 1, "type": "store.order", "source": "pos-1", "body": body}).encode()

    await hub.link.publish(topics.POS_ORDER.build(store_id=STORE), order("L-9", [DRAWER]))
    await hub.link.publish(topics.POS_ORDER.build(store_id=STORE), order("L-10", ["少辣"]))
    printed = await s.wait_printed(1)
    assert len(printed) == 1 and "少辣" in printed[0].text and "\x1bp" not in printed[0].text
    reasons = [decode(m.payload, DeadLetter).body.reason for m in hub.broker.messages_on(topics.DEAD_LETTER.build())]
    assert any("body.lines.0.modifiers.0" in r and "control character U+001B" in r for r in reasons), reasons
