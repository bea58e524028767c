"""1,000 orders across 5 stores while things break; every ticket counted on paper.

Each test: zero tickets lost (every order x station complete on some printer) and zero duplicated
(at most one copy without a REPRINT mark), and the hub hears every ticket printed. Set
``BRIGADE_CHAOS_ORDERS`` / ``BRIGADE_CHAOS_CUT_S`` to run them smaller while developing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from firmware_sim.printer import Fault
from tests.chaos.brokers import bridged_store_broker, central_broker
from tests.chaos.fleet import LINE_SETS, Fleet, PlacedOrder, chaos_mqtt, stations_of
from tests.databases import postgres_database
from tests.services import PrivateMosquitto

pytestmark = [pytest.mark.chaos, pytest.mark.integration]

ORDERS = int(os.environ.get("BRIGADE_CHAOS_ORDERS", "1000"))
CUT_S = float(os.environ.get("BRIGADE_CHAOS_CUT_S", "60"))
RATE = 50.0


def at(fraction: float) -> int:
    return max(1, int(ORDERS * fraction))


@pytest.fixture
def central(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    with central_broker(tmp_path / "central") as broker:
        yield broker


@pytest.fixture
async def fleet(tmp_path: Path, central: PrivateMosquitto, topic_root: str) -> AsyncIterator[Fleet]:
    """Five stores whose agents talk to the central broker directly (the embedded-style topology)."""
    with postgres_database() as url:
        mqtt = chaos_mqtt(central.port, topic_root, "unused")
        fleet = Fleet(tmp_path, database_url=url, central=mqtt)
        try:
            await fleet.start_hub()
            await fleet.seed()
            for store_id in fleet.store_ids:
                fleet.add_store(store_id, mqtt)
            await fleet.start_stores()
            yield fleet
        finally:
            await fleet.stop()


async def _check(fleet: Fleet) -> None:
    await fleet.wait_all_printed()
    assert fleet.duplicated() == {}, fleet.summary()
    await fleet.wait_hub_confirmed()
    assert len(fleet.orders) == ORDERS and len({o.order_id for o in fleet.orders}) == ORDERS
    print(fleet.summary())


async def test_broker_restarted_three_times(fleet: Fleet, central: PrivateMosquitto) -> None:
    load = asyncio.create_task(fleet.place_orders(ORDERS, rate=RATE))
    for fraction in (0.2, 0.45, 0.7):
        await fleet.progress.reached(at(fraction))
        await asyncio.to_thread(central.restart)
    await load
    await _check(fleet)


async def test_edge_agents_killed_with_sigkill_three_times(fleet: Fleet) -> None:
    load = asyncio.create_task(fleet.place_orders(ORDERS, rate=RATE))
    for fraction in (0.2, 0.45, 0.7):
        await fleet.progress.reached(at(fraction))
        for store in fleet.stores.values():
            store.kill_agent(signal.SIGKILL)  # a power cut in the middle of whatever it was doing
            await store.start_agent()
    await load
    await _check(fleet)
    assert all(s.agent_starts == 4 for s in fleet.stores.values())


async def test_hub_killed_with_sigkill_twice(fleet: Fleet) -> None:
    load = asyncio.create_task(fleet.place_orders(ORDERS, rate=RATE))
    for fraction in (0.3, 0.65):
        await fleet.progress.reached(at(fraction))
        fleet.hub.kill(signal.SIGKILL)
        await fleet.start_hub()
    await load
    await _check(fleet)
    assert fleet.hub.starts == 3


async def test_a_printer_goes_paper_out_then_offline_and_its_chain_takes_over(fleet: Fleet) -> None:
    store = next(iter(fleet.stores.values()))
    grill = store.printers["grill"].printer
    load = asyncio.create_task(fleet.place_orders(ORDERS, rate=RATE))
    await fleet.progress.reached(at(0.25))
    grill.set_fault(Fault.PAPER_OUT)
    await fleet.progress.reached(at(0.6))
    grill.set_fault(Fault.OFFLINE)
    await load
    await _check(fleet)
    backups = [t for copies in fleet.paper().values() for t in copies if t.backup_from == "grill"]
    assert backups and all(t.printer.endswith("/backup") for t in backups)
    assert all("BACKUP FROM grill" in t.text for t in backups)
    on_grill = [t for t in store.printed() if t.printer.endswith("/grill") and t.complete]
    assert on_grill, "the grill printer printed its own tickets before the paper ran out"


@pytest.fixture
async def bridged_fleet(tmp_path: Path, central: PrivateMosquitto, topic_root: str) -> AsyncIterator[Any]:
    """Five stores, each with its own broker bridged to the central one through a cuttable link."""
    with postgres_database() as url:
        fleet = Fleet(tmp_path, database_url=url, central=chaos_mqtt(central.port, topic_root, "unused"))
        links = []
        contexts: list[Any] = []
        try:
            await fleet.start_hub()
            await fleet.seed()
            for store_id in fleet.store_ids:
                device = f"edge-{store_id}"
                ctx = bridged_store_broker(
                    central.port, store_id=store_id, root=topic_root, devices=(device,), keep_log_in=tmp_path / store_id
                )
                bridged = ctx.__enter__()
                contexts.append(ctx)
                links.append(bridged.link)
                mqtt = chaos_mqtt(bridged.broker.port, topic_root, device)
                fleet.add_store(store_id, mqtt)
            await fleet.start_stores()
            yield fleet, links
        finally:
            await fleet.stop()
            for ctx in reversed(contexts):
                ctx.__exit__(None, None, None)


async def _pos_orders(fleet: Fleet, count: int, rate: float) -> list[PlacedOrder]:
    """In-store orders, through each agent's POS endpoint."""
    stores = list(fleet.stores.values())
    taken: list[PlacedOrder] = []
    started = time.monotonic()
    gate = asyncio.Semaphore(8)
    async with httpx.AsyncClient(timeout=10) as client:

        async def one(i: int) -> None:
            store = stores[i % len(stores)]
            lines = LINE_SETS[i % len(LINE_SETS)]
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))  # pacing
            local_id = f"pos-{uuid.uuid4().hex[:12]}"
            body = {
                "local_order_id": local_id,
                "lines": [{"menu_item_id": x["sku"], "quantity": x["quantity"]} for x in lines],
            }
            async with gate:
                port = store.settings().pos_http_port
                response = await client.post(f"http://127.0.0.1:{port}/orders", json=body)
            assert response.status_code == 201, response.text
            order = PlacedOrder(response.json()["order_id"], store.store_id, stations_of(lines), "store-pos", local_id)
            taken.append(order)
            fleet.orders.append(order)

        await asyncio.gather(*(one(i) for i in range(count)))
    return taken


@pytest.mark.timeout(480)  # a 60 s outage, its backlog, and the outbox retries that recover lost batches
async def test_store_links_cut_for_a_minute_keep_cooking_and_sync_exactly_once(bridged_fleet: Any) -> None:
    fleet, links = bridged_fleet
    before, during_hub, during_pos = at(0.2), at(0.3), at(0.3)
    after = ORDERS - before - during_hub - during_pos
    await fleet.place_orders(before, rate=RATE)
    await fleet.wait_all_printed()

    for link in links:
        link.cut()
    cut_at = time.monotonic()
    hub_load = asyncio.create_task(fleet.place_orders(during_hub, rate=RATE))
    pos = await _pos_orders(fleet, during_pos, rate=RATE)
    await hub_load
    pos_tickets = {f"{o.order_id}:{s}" for o in pos for s in o.stations}
    printed = asyncio.Event()
    for store in fleet.stores.values():
        store.on_job(printed.set)
    while pos_tickets - set(fleet.paper()):  # in-store orders print while the link is down
        assert time.monotonic() - cut_at < CUT_S, "in-store orders did not print during the cut"
        printed.clear()
        await asyncio.wait_for(printed.wait(), CUT_S)
    hub_during = {o.order_id for o in fleet.orders[before : before + during_hub] if o.channel == "hub"}
    assert not hub_during & {t.order_id for copies in fleet.paper().values() for t in copies}, (
        "the hub's orders cannot reach a cut-off store"
    )
    await asyncio.sleep(max(0.0, cut_at + CUT_S - time.monotonic()))  # the outage lasts CUT_S seconds
    for link in links:
        link.restore()

    await fleet.place_orders(after, rate=RATE)
    await _check(fleet)
    synced = fleet.hub_orders("store-pos")
    assert sorted((i, e) for i, _, e in synced) == sorted((o.order_id, o.local_id) for o in pos), (
        "every in-store order at the hub exactly once, with the store's own order id"
    )
