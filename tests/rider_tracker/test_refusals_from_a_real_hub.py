"""The rider's screen against a real hub and a real Mosquitto: what the hub refuses comes back to the
rider with its reason, the stop stays open, and the right code then completes it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from firmware_sim.gps.bike_drive import BikeRoute, drive
from firmware_sim.gps.nmea_sentences import write_log
from hub.app import create_app as create_hub
from hub.delivery.jobs import measure_riders
from hub.delivery.settings import DeliverySettings
from mqttlink import MqttSettings
from rider_tracker.runtime import RiderRuntime
from rider_tracker.settings import BatchSettings, ReplaySettings, RiderSettings, ValiditySettings
from rider_tracker.ui.app import RiderApp
from tests.databases import sqlite_database
from tests.hub.conftest import mqtt_settings
from tests.hub.delivery.helpers import make_rider, ready_order
from tests.hub.seed import login, make_admin, register_device, seed_store
from tests.kds_terminal.pilot import wait_until
from tests.rider_tracker.fixes import GPS_DATA, require_real_logs
from tests.rider_tracker.test_rider_screen import cells

pytestmark = [pytest.mark.integration, pytest.mark.ui]


class Hub:
    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def get(self, path: str) -> Any:
        response = self.client.get(path, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code in (200, 201), response.text
        return response.json()


@pytest.fixture
def hub(tmp_path: Path, mosquitto_settings: MqttSettings) -> Iterator[Hub]:
    url = sqlite_database(tmp_path)
    settings = mqtt_settings(url, tmp_path, mosquitto_settings, delivery=DeliverySettings(auto_dispatch=False))
    with TestClient(create_hub(settings)) as client:
        yield Hub(client, login(client, make_admin(url)))


def rider_unit(hub: Hub, tmp_path: Path, mqtt: MqttSettings, rider_id: str, log: Path | None = None) -> RiderApp:
    """``brigade-rider`` as a rider runs it, replaying a real receiver's recording as its GPS (or ``log``),
    registered at the hub as the rider's tracker (the bridge hears only registered devices)."""
    if log is None:
        require_real_logs()
    device_id = f"unit-{uuid.uuid4().hex[:8]}"
    register_device(hub.client, hub.headers, device_id, "rider_tracker", rider_id=rider_id)
    settings = RiderSettings(
        rider_id=rider_id,
        device_id=device_id,
        source="replay",
        replay=ReplaySettings(path=log or GPS_DATA / "haicom-305N.log", speed=0),
        validity=ValiditySettings(clock_trusted=False),  # recorded in 2007: judged by its own clock
        mqtt=mqtt,
        spool_path=tmp_path / "rider" / "spool.sqlite3",
        batching=BatchSettings(online_max_positions=20, online_max_delay_s=0.5),
        outbox_retry_s=2.0,
    )
    return RiderApp(RiderRuntime.from_settings(settings), timezone=settings.timezone)


async def test_a_wrong_code_comes_back_with_the_hubs_reason_and_the_right_code_completes_the_delivery(
    hub: Hub, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    store = seed_store(hub.client, hub.headers).store_id
    rider_id = make_rider(hub.client, hub.headers, store)
    order = ready_order(hub.client, hub.headers, store)["id"]
    code = hub.post(f"/orders/{order}/delivery/assign", {"rider_id": rider_id})["code"]
    wrong = "0000" if code != "0000" else "1111"
    hub.post(f"/stores/{store}/dispatch")  # the rider's route goes out, retained
    app = rider_unit(hub, tmp_path, mosquitto_settings, rider_id)
    async with app.run_test(size=(200, 24)) as pilot:
        board = app.runtime.board
        await wait_until(pilot, lambda: board.shown, timeout=20)
        await pilot.pause()
        await pilot.press("p")
        await wait_until(pilot, lambda: board.row_of(order) is not None and not board.row_of(order).pending, 20)  # type: ignore[union-attr]
        assert hub.get(f"/orders/{order}")["status"] == "picked_up"

        await pilot.press("d", *wrong, "enter")
        await wait_until(pilot, lambda: board.row_of(order).refusal is not None, timeout=20)  # type: ignore[union-attr]
        await pilot.pause()
        row = cells(app)[0]
        assert row[5].startswith("已取 picked up · 被拒 refused: wrong delivery code")
        assert any("wrong delivery code" in str(n.message) for n in app._notifications)
        assert "0/1 完成 done" in str(app.query_one("#plan").render())
        assert hub.get(f"/orders/{order}")["status"] == "picked_up"  # nothing moved on the hub either

        await pilot.press("d", *code, "enter")
        await wait_until(pilot, lambda: board.row_of(order).done, timeout=20)  # type: ignore[union-attr]
        await pilot.pause()
        assert cells(app)[0][5] == "已送达 delivered"
        assert "1/1 完成 done" in str(app.query_one("#plan").render())
    assert hub.get(f"/orders/{order}")["status"] == "delivered"
    delivered = [e for e in hub.get(f"/orders/{order}/events") if e["data"].get("to") == "delivered"]
    assert [e["data"]["proof"] for e in delivered] == [{"kind": "code", "code": code}]


async def test_a_receiver_with_wrong_dates_is_told_on_the_riders_screen_and_counted_at_the_hub(
    hub: Hub, mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    """The unit has no trusted clock, so it cannot judge; the hub can, and says so to the rider."""
    store = seed_store(hub.client, hub.headers).store_id
    rider_id = make_rider(hub.client, hub.headers, store)
    log = tmp_path / "rollover.nmea"
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)  # the hub's clock is the wall clock
    write_log(drive(BikeRoute(), start=ahead, limit_s=40), log)
    app = rider_unit(hub, tmp_path, mosquitto_settings, rider_id, log=log)
    async with app.run_test(size=(200, 24)) as pilot:
        replies = app.runtime.replies
        await wait_until(pilot, lambda: replies.positions_refused is not None, timeout=30)
        await pilot.pause()
        status = str(app.query_one("#status").render())
        notice = str(app.query_one("#notice").render())
        assert "GPS 时间错误 GPS time is wrong" in status
        assert "dated 3 h ahead of the hub's clock" in notice
        assert any("GPS time is wrong" in str(n.message) for n in app._notifications)
    rider = hub.get(f"/riders/{rider_id}")
    assert rider["positions_dropped"] > 0 and rider["last_fix"] is None
    assert rider["gps_warning"].startswith("GPS time is wrong: the receiver dates its positions 3 h ahead")
    measure_riders(hub.client.app.state.ctx)  # type: ignore[attr-defined]
    metrics = hub.client.get("/metrics").text
    assert (
        f'brigade_delivery_rider_positions_dropped{{rider_id="{rider_id}"}} {rider["positions_dropped"]}.0' in metrics
    )
