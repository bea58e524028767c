"""What the screen looks like (reviewed SVGs in ``__snapshots__``; ``--snapshot-update`` after a deliberate change).

The clock is fixed and the hub is a fake that acks, so every run draws the same screen.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from contracts.kitchen import TicketLine
from kds_terminal.app import KdsApp, create_app
from mqttlink import FakeBroker, FakeMqttLink
from tests.kds_terminal.pilot import (
    KDS_SIZE,
    AckingHub,
    FakeClock,
    kds_settings,
    make_ticket,
    publish_ticket,
    settle,
    wait_until,
)

pytestmark = pytest.mark.ui
ROOT = "brigade"
Snap = Callable[..., bool]


def _kitchen(tmp_path: Path, **changes: Any) -> tuple[KdsApp, FakeBroker, FakeMqttLink, FakeClock]:
    broker = FakeBroker()
    link = FakeMqttLink(broker)
    clock = FakeClock()
    app = create_app(kds_settings(tmp_path, **changes), link=link, clock=clock)
    return app, broker, link, clock


async def _lunch_rush(pilot: Pilot[Any], broker: FakeBroker, clock: FakeClock) -> AckingHub:
    """Five tickets over ten minutes: one late, one changed, one cancelled, one just in."""
    hub = await AckingHub(broker).start()

    async def send(*tickets: Any) -> None:
        for ticket in tickets:
            await publish_ticket(hub.link, ticket, root=ROOT)

    kung_pao = TicketLine(line_id="l1", name="宫保鸡丁", quantity=2, modifiers=("少辣",), allergens=("花生",))
    fish = TicketLine(line_id="l2", name="鱼香肉丝", quantity=1, note="不要葱")
    await send(make_ticket("a101", number="A101", lines=[kung_pao, fish], notes="放门口"))
    clock.advance(100)
    await send(make_ticket("a102", number="A102", lines=[("l1", "蛋炒饭", 3), ("l2", "炒青菜", 1)]))
    clock.advance(100)
    await send(
        make_ticket("a103", number="A103", lines=[("l1", "麻婆豆腐", 1), ("l2", "回锅肉", 2), ("l3", "干煸四季豆", 1)])
    )
    clock.advance(100)
    await send(make_ticket("a104", number="A104", lines=[("l1", "宫保鸡丁", 1)]))
    await send(make_ticket("a102", number="A102", revision=2, lines=[("l1", "蛋炒饭", 4), ("l3", "酸辣汤", 1)]))
    clock.advance(200)
    await send(make_ticket("a105", number="A105", lines=[("l1", "水煮鱼", 1)]))
    await send(make_ticket("a104", number="A104", revision=2, cancelled=True))
    clock.advance(5)
    return hub


async def _steady(app: KdsApp, pilot: Pilot[Any]) -> None:
    """Everything written and counted, no toasts: the same picture on every run."""
    await settle(app, pilot)
    outbox = app.controller.outbox
    assert outbox is not None
    if app.controller.feed_down_reason is None:
        await wait_until(pilot, lambda: outbox.pending() == 0)
    await app.controller.count_pending()
    app.tick()
    app.clear_notifications()
    await pilot.pause()


def test_lunch_rush_board(snap_compare: Snap, tmp_path: Path) -> None:
    """Chinese labels: a late red ticket, a changed one, item progress with the highlight, a cancel, a new one."""
    app, broker, _, clock = _kitchen(tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _lunch_rush(pilot, broker, clock)
        await wait_until(pilot, lambda: len(app.controller.board.on_screen()) == 5)
        await pilot.press("3", "asterisk", "down")
        await _steady(app, pilot)

    assert snap_compare(app, terminal_size=KDS_SIZE, run_before=run_before)


def test_offline_banner_over_the_board(snap_compare: Snap, tmp_path: Path) -> None:
    """English labels: the broker is gone for 42 s; the cards stay, a bump waits in the outbox."""
    app, broker, link, clock = _kitchen(tmp_path, language="en")

    async def run_before(pilot: Pilot[Any]) -> None:
        await _lunch_rush(pilot, broker, clock)
        await wait_until(pilot, lambda: len(app.controller.board.on_screen()) == 5)
        await _steady(app, pilot)
        await link.stop()
        clock.advance(42)
        await pilot.press("enter")
        await _steady(app, pilot)

    assert snap_compare(app, terminal_size=KDS_SIZE, run_before=run_before)


def test_recall_list(snap_compare: Snap, tmp_path: Path) -> None:
    """Both languages: the last bumped tickets, most recent first, numbered for the bump bar."""
    app, broker, _, clock = _kitchen(tmp_path, language="zh+en")

    async def run_before(pilot: Pilot[Any]) -> None:
        await _lunch_rush(pilot, broker, clock)
        await wait_until(pilot, lambda: len(app.controller.board.on_screen()) == 5)
        clock.advance(60)
        await pilot.press("enter")
        clock.advance(15)
        await pilot.press("enter")
        await _steady(app, pilot)
        await pilot.press("full_stop")
        await pilot.pause()

    assert snap_compare(app, terminal_size=KDS_SIZE, run_before=run_before)
