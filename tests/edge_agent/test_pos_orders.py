"""In-store orders on the in-memory broker: printed from the cached menu, shown on the KDS topics, synced once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts import topics
from contracts.envelope import decode, encode_body
from contracts.kitchen import KitchenTicket, PrintResult, TicketReceived
from contracts.messaging import DeadLetter
from contracts.store_orders import MenuEntry, StoreMenu, StoreOrder, StoreOrderLine
from mqttlink import FakeBroker, FakeMqttLink
from tests.edge_agent.harness import STORE, FakeHub, SimStore, sim_store

MENU = StoreMenu(
    store_id=STORE,
    store_name="外滩店",
    station_names={"wok": "炒锅", "grill": "烧烤"},
    items=(
        MenuEntry(menu_item_id="KB", name="宫保鸡丁", price_fen=3800, station_ids=("wok",), allergens=("花生",)),
        MenuEntry(menu_item_id="CH", name="羊肉串", price_fen=600, station_ids=("grill",)),
        MenuEntry(menu_item_id="TC", name="套餐(烤串+炒饭)", price_fen=5800, station_ids=("grill", "wok")),
    ),
)


async def _publish_menu(link: FakeMqttLink, menu: StoreMenu = MENU) -> None:
    await link.publish(topics.STORE_MENU.build(store_id=STORE), encode_body(menu, source="hub"), retain=True)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[tuple[SimStore, FakeHub]]:
    broker = FakeBroker()
    hub = FakeHub(broker)
    await hub.start()
    await _publish_menu(hub.link)
    async with sim_store(tmp_path / "edge", pos_http_port=0) as s:
        link = FakeMqttLink(broker)
        await link.start()
        await s.start_agent(link)
        yield s, hub


def _url(s: SimStore) -> str:
    assert s.agent is not None and s.agent.http is not None
    return f"http://127.0.0.1:{s.agent.http.port}"


def _pos_order(local_id: str, **changes: Any) -> StoreOrder:
    values: dict[str, Any] = dict(
        order_id=f"pos-{local_id}",
        store_id=STORE,
        local_order_id=local_id,
        order_number="T12",
        placed_at=datetime.now(UTC),
        lines=(StoreOrderLine(menu_item_id="TC", quantity=1, note="打包"),),
        customer_phone="13812345678",
    )
    values.update(changes)
    return StoreOrder(**values)


async def test_a_pos_order_over_http_prints_at_once_and_syncs_to_the_hub(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    body = {
        "local_order_id": "L-1",
        "lines": [{"menu_item_id": "KB", "quantity": 2}, {"menu_item_id": "CH", "quantity": 5}],
    }
    async with httpx.AsyncClient(base_url=_url(s)) as client:
        first = await client.post("/orders", json=body)
        again = await client.post("/orders", json=body)
    assert first.status_code == 201 and again.status_code == 200
    taken = first.json()
    assert again.json()["order_id"] == taken["order_id"] and not again.json()["created"]
    assert taken["order_number"] == "P0001"
    printed = await s.wait_printed(2)
    assert {(t.station_id, t.printer) for t in printed} == {("wok", "wok"), ("grill", "grill")}
    wok = next(t for t in printed if t.station_id == "wok")
    assert "2x 宫保鸡丁" in wok.text and "store-pos" in wok.text and "过敏: 花生" in wok.text
    [order] = await hub.wait_for(StoreOrder, 1)
    assert order.order_id == taken["order_id"] and order.local_order_id == "L-1"
    shown = [decode(m.payload, KitchenTicket) for m in hub.broker.messages_on(topics.KITCHEN_TICKET.wildcard())]
    assert sorted(e.body.ticket_id for e in shown) == sorted(taken["ticket_ids"]), "published for the KDS"
    assert {e.source for e in shown} == {s.agent.settings.device_id}  # type: ignore[union-attr]
    assert len(s.printed()) == 2, "our own copies on the ticket topic are not printed again"
    assert hub.bodies(TicketReceived) == [] and hub.bodies(PrintResult) == [], "the hub does not know it yet"


async def test_the_hubs_copy_of_an_in_store_order_is_not_printed_but_completes_its_tracking(
    store: tuple[SimStore, FakeHub],
) -> None:
    s, hub = store
    order = _pos_order("L-2")
    await hub.link.publish(topics.POS_ORDER.build(store_id=STORE), encode_body(order, source="pos-1"))
    await s.wait_printed(2)
    for station in ("grill", "wok"):  # the hub made the order and sends its own tickets for it
        hub_ticket = KitchenTicket(
            ticket_id=f"{order.order_id}:{station}",
            order_id=order.order_id,
            order_number="T12",
            revision=1,
            store_id=STORE,
            station_id=station,
            channel="store-pos",
            placed_at=order.placed_at,
        )
        await hub.send(hub_ticket)
        await hub.send(hub_ticket)
    results = await hub.wait_for(PrintResult, 2)
    assert {(r.ticket_id, r.printer_id) for r in results} == {
        (f"{order.order_id}:grill", "grill-p"),
        (f"{order.order_id}:wok", "wok-p"),
    }
    assert hub.bodies(TicketReceived) == [], "already printed: the print results report the receipt too"
    assert len(s.printed()) == 2


async def test_bad_pos_orders_are_refused_and_the_agent_goes_on(store: tuple[SimStore, FakeHub]) -> None:
    s, hub = store
    async with httpx.AsyncClient(base_url=_url(s)) as client:
        unknown = await client.post(
            "/orders", json={"local_order_id": "L-3", "lines": [{"menu_item_id": "ZZ", "quantity": 1}]}
        )
        invalid = await client.post("/orders", json={"local_order_id": "L-4", "lines": []})
        garbage = await client.post("/orders", content=b"\x00{not json")
        health = await client.get("/health")
        menu = await client.get("/menu")
        missing = await client.get("/nope")
    assert unknown.status_code == 422 and "ZZ" in unknown.json()["detail"]
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert invalid.status_code == 422 and garbage.status_code == 422 and missing.status_code == 404
    assert health.json()["printers"]["wok-p"] == "online" and health.json()["menu_version"] == 1
    assert [i["menu_item_id"] for i in menu.json()["items"]] == ["KB", "CH", "TC"]
    await hub.link.publish(
        topics.POS_ORDER.build(store_id=STORE),
        encode_body(_pos_order("L-5", lines=(StoreOrderLine(menu_item_id="ZZ", quantity=1),)), source="pos-1"),
    )
    await hub.link.publish(topics.POS_ORDER.build(store_id=STORE), b"garbage")
    await hub.link.publish(topics.POS_ORDER.build(store_id=STORE), encode_body(_pos_order("L-6"), source="pos-1"))
    await s.wait_printed(2)
    reasons = [decode(m.payload, DeadLetter).body.reason for m in hub.broker.messages_on(topics.DEAD_LETTER.build())]
    assert any("ZZ" in r for r in reasons) and any("not a Brigade envelope" in r for r in reasons)


async def test_the_menu_is_kept_on_disk_for_a_start_without_the_hub(tmp_path: Path) -> None:
    broker = FakeBroker()
    hub = FakeHub(broker)
    await hub.start()
    async with sim_store(tmp_path / "edge", pos_http_port=0) as s:
        link = FakeMqttLink(broker)
        await link.start()
        await s.start_agent(link)
        async with httpx.AsyncClient(base_url=_url(s)) as client:
            before = await client.post(
                "/orders", json={"local_order_id": "L-7", "lines": [{"menu_item_id": "KB", "quantity": 1}]}
            )
        assert before.status_code == 503 and "no menu" in before.json()["detail"]
        await _publish_menu(hub.link)
        await s.stop_agent()
        broker.retained.clear()  # the hub is unreachable now: no retained menu either
        await s.start_agent(link)
        async with httpx.AsyncClient(base_url=_url(s)) as client:
            after = await client.post(
                "/orders", json={"local_order_id": "L-7", "lines": [{"menu_item_id": "KB", "quantity": 1}]}
            )
        assert after.status_code == 201, after.text
        await s.wait_printed(1, "wok")
