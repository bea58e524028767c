"""The console against a real hub: a manager walks dashboard -> order -> customer -> ticket."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static, TabbedContent

from manager_console.app import ManagerConsole
from manager_console.hub_client import Reply
from manager_console.settings import ConsoleSettings
from tests.manager_console.conftest import MANAGER_PASSWORD, NOW, Hub

pytestmark = pytest.mark.ui


def console(hub: Hub, tmp_path: Path, **changes: object) -> ManagerConsole:
    settings = ConsoleSettings(
        hub_url=hub.url,
        username=hub.manager,
        password=MANAGER_PASSWORD,
        language="en",
        **changes,  # type: ignore[arg-type]
    )
    return ManagerConsole(settings, clock=lambda: NOW, export_dir=tmp_path)


def text(app: ManagerConsole, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def wait_for(pilot: object, condition: object, tries: int = 300) -> None:
    for _ in range(tries):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("the console never showed it")


async def test_a_manager_walks_from_the_dashboard_to_an_order_its_customer_and_the_ticket(
    hub: Hub, tmp_path: Path
) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: "Orders today: 2" in text(app, "#kpis"))
        assert "Revenue today: ¥" in text(app, "#kpis")
        assert "from /analytics" in text(app, "#dashboard-status")

        await pilot.press("2")
        orders = app.query_one("#orders-table", DataTable)
        await wait_for(pilot, lambda: orders.row_count == 2)
        assert {str(orders.get_row_at(i)[0]) for i in range(2)} == set(hub.order_numbers)
        orders.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "KB×2" in text(app, "#order-detail"))

        await pilot.press("c")
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "customers")
        await wait_for(pilot, lambda: "王小明" in text(app, "#customer-detail"))
        assert "phone: +8613812345678" in text(app, "#customer-detail")
        tickets = app.query_one("#customer-tickets", DataTable)
        await wait_for(pilot, lambda: tickets.row_count == 1)
        assert str(tickets.get_row_at(0)[2]) == hub.ticket_summary

        await pilot.press("5")
        queue = app.query_one("#service-table", DataTable)
        await wait_for(pilot, lambda: queue.row_count == 1)
        row = [str(cell) for cell in queue.get_row_at(0)]
        assert row[3] == hub.ticket_summary
        assert row[4].count(":") == 1 and not row[4].startswith("-")  # first response clock running

        await pilot.press("l")
        await wait_for(pilot, lambda: "今日订单: 2" in text(app, "#kpis"))


async def test_an_endpoint_the_hub_lacks_reads_not_available_and_the_rest_still_works(hub: Hub, tmp_path: Path) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: "Orders today: 2" in text(app, "#kpis"))
        reply = app.hub.get("/no-such-domain")
        assert reply.missing
        app._show_service(reply)
        await pilot.pause()
        assert text(app, "#service-status") == "not available on this hub"
        await pilot.press("7", "e")
        exported = list(tmp_path.glob("brigade-orders-*.csv"))
        assert len(exported) == 1
        assert hub.order_numbers[0] in exported[0].read_text(encoding="utf-8")


async def test_a_slow_hub_leaves_the_last_data_on_screen_with_its_age_and_the_keys_answer(
    hub: Hub, tmp_path: Path
) -> None:
    clock = [NOW]
    settings = ConsoleSettings(
        hub_url=hub.url, username=hub.manager, password=MANAGER_PASSWORD, language="en", timeout_s=2.0, refresh_s=0.5
    )
    app = ManagerConsole(settings, clock=lambda: clock[0], export_dir=tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        orders = app.query_one("#orders-table", DataTable)
        await wait_for(pilot, lambda: orders.row_count == 2 and "as of" in text(app, "#orders-status"))
        hub.brake.on = True
        await wait_for(pilot, lambda: "hub not answering" in text(app, "#orders-status"))
        clock[0] = NOW + timedelta(seconds=42)
        await wait_for(pilot, lambda: "as of 14:30:00 (42s ago)" in text(app, "#orders-status"))
        assert orders.row_count == 2
        await pilot.press("5")  # the UI thread is free: the pane switches while requests hang
        assert app.query_one(TabbedContent).active == "service"
        await pilot.press("2")
        assert app.query_one(TabbedContent).active == "orders"
        hub.brake.on = False


async def test_a_subscription_action_the_hub_refuses_shows_the_hubs_reason(hub: Hub, tmp_path: Path) -> None:
    app = console(hub, tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("6", "slash")
        await pilot.press(*"no-such-sub")
        await pilot.press("tab", *"2026-12-24", "escape", "p")
        result = app.query_one("#sub-result", Static)
        await wait_for(pilot, lambda: str(result.render()).startswith("404 "))
        assert "no-such-sub" in str(result.render()) or "subscription" in str(result.render()).lower()


async def test_a_reply_or_a_timer_tick_that_lands_while_the_console_closes_draws_nothing(
    hub: Hub, tmp_path: Path
) -> None:
    """Textual prunes the screens before it stops the app's timers; a tick or a late worker reply in
    between found no panes and crashed the console on its way out (seen once in CI)."""
    app = console(hub, tmp_path)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: app.fresh["dashboard"].at is not None)
    assert not app.is_running
    app._tick()
    app._show_service(Reply(200, []))
    app._show_subscription(Reply(404, {"detail": "no such subscription"}))
