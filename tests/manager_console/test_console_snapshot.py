"""What the manager sees first: the dashboard against a real hub, clock pinned."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from manager_console.app import ManagerConsole
from manager_console.settings import ConsoleSettings
from tests.manager_console.conftest import MANAGER_PASSWORD, NOW, Hub

pytestmark = pytest.mark.ui


def test_the_dashboard_shows_todays_kpis_and_the_orders_by_hour(hub: Hub, tmp_path: Path, snap_compare: Any) -> None:
    settings = ConsoleSettings(
        hub_url=hub.url, username=hub.manager, password=MANAGER_PASSWORD, language="zh", refresh_s=600
    )
    app = ManagerConsole(settings, clock=lambda: NOW, export_dir=tmp_path)

    async def loaded(pilot: Any) -> None:
        for _ in range(200):
            if "2" in str(app.query_one("#kpis").render()):
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 36), run_before=loaded)
