"""A milk depot's round on the rider's screen, from a real hub (SQLite, relay and bridge, its clock pinned)
through the machine's Mosquitto: the cut-off's route shows with its windows, addresses and what to leave;
the rider's delivered report settles the stop and charges the customer; a report the hub refuses (the
depot already recorded the customer not home) comes back on the screen with the hub's reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from firmware_sim.gps.bike_drive import BikeRoute, drive
from firmware_sim.gps.nmea_sentences import write_log
from hub.app import create_app
from mqttlink import MqttSettings
from tests.databases import sqlite_database
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin
from tests.hub.subscriptions.test_rider_routes import CUSTOMERS, T0, Hub, deliveries, depot, run_cut_off, subscribe
from tests.kds_terminal.pilot import wait_until
from tests.rider_tracker.test_refusals_from_a_real_hub import rider_unit
from tests.rider_tracker.test_rider_screen import cells

pytestmark = [pytest.mark.integration, pytest.mark.ui]

DRIVE_FROM = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # the unit's GPS: 06:30 in Shanghai on the round's day


@pytest.fixture
def hub(tmp_path: Path, mosquitto_settings: MqttSettings) -> Iterator[Hub]:
    url = sqlite_database(tmp_path)
    mqtt = mosquitto_settings.model_copy(
        update={"client_id": f"{mosquitto_settings.client_id}-hub", "shared_group": "hub"}
    )
    settings = rest_settings(url, tmp_path, run_relay=True, run_bridge=True, mqtt=mqtt, relay_idle_poll_s=0.1)
    with TestClient(create_app(settings)) as client:
        h = Hub(client, login(client, make_admin(url)))
        h.at(T0)
        yield h


async def test_the_milk_round_is_on_the_riders_screen_and_a_refused_report_shows_the_hubs_reason(
    hub: Hub, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    store_id, (rider_id,) = depot(hub, route_count=1, riders=1)
    for name, line, place in CUSTOMERS[:2]:
        subscribe(hub, store_id, name, line, place, top_up=3000)
    run_cut_off(hub, store_id)
    first, second = deliveries(hub, store_id, "route-1")
    hub.post(f"/subscription-deliveries/{second['id']}/outcome", {"outcome": "not_home"})  # the customer phoned

    log = tmp_path / "round.nmea"
    write_log(drive(BikeRoute(), start=DRIVE_FROM, limit_s=30), log)
    app = rider_unit(hub, tmp_path, mosquitto_settings, rider_id, log=log)  # type: ignore[arg-type]
    async with app.run_test(size=(200, 24)) as pilot:
        board = app.runtime.board
        await wait_until(pilot, lambda: board.shown, timeout=20)
        await pilot.pause()
        rows = cells(app)
        assert [r[3] for r in rows] == [first["address"], second["address"]]  # in visiting order
        assert {r[1] for r in rows} == {"06:00–08:00"}
        assert {r[4] for r in rows} == {"放门口保温箱 · 2 × 鲜牛奶 250 ml, 1 × 酸奶"}
        assert "0/2 完成 done" in str(app.query_one("#plan").render())

        stop_one, stop_two = f"sub:{first['id']}", f"sub:{second['id']}"
        await pilot.press("P")  # both crates on the bike
        await wait_until(pilot, lambda: all(not r.pending for r in board.rows()), timeout=20)
        await pilot.press("d", "tab", *"door", "enter")  # no code for milk: a note
        await wait_until(pilot, lambda: board.row_of(stop_one).done, timeout=20)  # type: ignore[union-attr]

        await pilot.press("down", "d", "tab", *"door", "enter")
        await wait_until(pilot, lambda: board.row_of(stop_two).refusal is not None, timeout=20)  # type: ignore[union-attr]
        await pilot.pause()
        reason = f"delivery {second['id']} was already reported not_home; correct it with a refund"
        assert cells(app)[0][5] == "已送达 delivered"
        assert cells(app)[1][5] == f"已取 picked up · 被拒 refused: {reason}"
        assert any(reason in str(n.message) for n in app._notifications)
        assert "1/2 完成 done" in str(app.query_one("#plan").render())

    settled = {d["id"]: d["outcome"] for d in deliveries(hub, store_id)}
    assert settled == {first["id"]: "delivered", second["id"]: "not_home"}
    balance = hub.get(f"/customers/{first['customer_id']}/balance")
    assert balance["balance_fen"] == 1800 and [e["kind"] for e in balance["entries"]] == ["top_up", "delivery_charge"]
