"""The hub runs the CRM's jobs itself: an order placed over REST earns points and is scored without anyone asking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from hub.app import create_app
from hub.crm.settings import CrmSettings
from tests.hub.conftest import rest_settings
from tests.hub.seed import login, make_admin, order_body, seed_store


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s")
        time.sleep(0.05)


def test_the_runtime_feeds_scores_and_counts(sqlite_url: str, tmp_path: Path) -> None:
    crm = CrmSettings(feed_interval_s=0.1, recompute_interval_s=0.2, rules_interval_s=0.2, send_interval_s=0.2)
    app = create_app(rest_settings(sqlite_url, tmp_path, run_jobs=True, crm=crm))
    with TestClient(app) as client:
        headers = login(client, make_admin(sqlite_url))
        store = seed_store(client, headers)
        customer = client.post("/orders", json=order_body(store.store_id), headers=headers).json()["customer_id"]

        def scored() -> bool:
            view = client.get(f"/customers/{customer}/360", headers=headers).json()
            return bool(view["points_balance"] == 136 and view["segment"] != "prospect" and view["rfm"]["r"])

        wait_until(scored)
        metrics = client.get("/metrics").text
    assert "brigade_crm_order_events_total 1.0" in metrics
    assert "brigade_crm_recompute_seconds" in metrics


def test_the_command_line_drains_the_feed_and_recomputes(tmp_path: Path, sqlite_url: str) -> None:
    env = {**os.environ, "BRIGADE_DATABASE_URL": sqlite_url, "BRIGADE_VAR_DIR": str(tmp_path / "var")}
    app = create_app(rest_settings(sqlite_url, tmp_path))
    with TestClient(app) as client:
        headers = login(client, make_admin(sqlite_url))
        store = seed_store(client, headers)
        for _ in range(3):
            client.post("/orders", json=order_body(store.store_id), headers=headers)

    def run(*args: str) -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    assert run("crm", "feed") == {"events": 3}
    assert run("crm", "feed") == {"events": 0}
    result = run("crm", "recompute")
    assert (result["full_rebuild"], result["refreshed"], result["scored"]) == (True, 1, 0), (
        "the first recompute builds everything; the feed had already scored the customer, so nothing changes"
    )
    assert run("crm", "recompute")["full_rebuild"] is False
