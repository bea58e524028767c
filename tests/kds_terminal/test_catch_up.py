"""A display started mid-shift, or restarted, shows the station's open tickets: the store's edge agent
keeps a retained list of them on the store broker and the display loads it on every (re)connect."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contracts import topics
from contracts.envelope import decode
from contracts.kitchen import StationTickets
from kds_terminal.app import KdsApp, create_app
from kds_terminal.ui.widgets import StatusBar
from mqttlink import FakeBroker, FakeMqttLink, MqttSettings
from tests.edge_agent.harness import STORE, FakeHub, SimStore, sim_store
from tests.kds_terminal.pilot import (
    KDS_SIZE,
    AckingHub,
    kds_settings,
    make_ticket,
    record_notifications,
    screen_cards,
    settle,
    wait_any,
    wait_until,
)

pytestmark = pytest.mark.ui
LIST_TOPIC = topics.STATION_TICKETS.build(store_id=STORE, station_id="wok")


class Store:
    """A fake store broker with the real edge agent (simulated printers), a hub that acks, and displays."""

    def __init__(self, broker: FakeBroker, store: SimStore, hub: FakeHub, kds_hub: AckingHub, tmp_path: Path) -> None:
        self.broker = broker
        self.store = store
        self.hub = hub
        self.kds_hub = kds_hub
        self.tmp_path = tmp_path

    async def send(self, *order_ids: str, **changes: Any) -> None:
        for order_id in order_ids:
            await self.hub.send(make_ticket(order_id, store_id=STORE, **changes))

    def listed(self) -> StationTickets | None:
        message = self.broker.retained.get(LIST_TOPIC)
        return decode(message.payload, StationTickets).body if message is not None else None

    async def wait_listed(self, open_ids: list[str]) -> None:
        def current() -> bool:
            body = self.listed()
            return body is not None and [t.ticket.ticket_id for t in body.tickets] == open_ids

        await wait_any(current, timeout=10)

    def display(self, name: str = "kds-a") -> KdsApp:
        settings = kds_settings(self.tmp_path / name, store_id=STORE, stations=["wok"], device_id=name)
        return create_app(settings, link=FakeMqttLink(self.broker))


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Store]:
    broker = FakeBroker()
    hub, kds_hub = FakeHub(broker), AckingHub(broker)
    await hub.start()
    await kds_hub.start()
    async with sim_store(tmp_path / "edge", mqtt=MqttSettings(topic_root="brigade")) as store:
        await store.start_agent(link=await started(FakeMqttLink(broker)))
        yield Store(broker, store, hub, kds_hub, tmp_path)


async def started(link: FakeMqttLink) -> FakeMqttLink:
    await link.start()
    return link


def on_board(app: KdsApp) -> list[str]:
    return [t.ticket_id for t in app.controller.board.on_screen()]


async def test_tickets_placed_before_the_display_started_and_during_its_restart_all_show_once(shop: Store) -> None:
    before = [f"o{n:02d}" for n in range(1, 15)]
    await shop.send(*before)
    await shop.wait_listed([f"{o}:wok" for o in before])

    app = shop.display()
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_until(pilot, lambda: len(on_board(app)) == 14)
        assert app.controller.writer is not None
        await app.controller.writer.drained(60)
        await pilot.pause()
        assert on_board(app) == [f"{o}:wok" for o in before], "oldest first, each once"
        assert screen_cards(app) == [f"{o}:wok" for o in before[:8]], "the first page of cards"
        assert "14" in str(app.query_one(StatusBar).content)
        shown = lambda: {t for t, state, _ in shop.kds_hub.states() if state == "shown"}  # noqa: E731
        await wait_until(pilot, lambda: shown() >= set(on_board(app)), timeout=60)  # the hub hears each shown

    during = ["o15", "o16", "o17"]
    await shop.send(*during)  # while the display is off
    await shop.wait_listed([f"{o}:wok" for o in before + during])

    app = shop.display()  # the same display again: its own board file plus the store's list
    told = record_notifications(app)
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_until(pilot, lambda: len(on_board(app)) == 17)
        await shop.send("o03", "o16")  # redeliveries change nothing
        await settle(app, pilot)
        assert on_board(app) == [f"{o}:wok" for o in before + during]
        assert app.labels("caught_up", count=3) in told, f"the cooks are told what was loaded: {told}"


async def test_a_ticket_bumped_on_one_display_is_not_shown_on_a_display_started_later(shop: Store) -> None:
    await shop.send("o1", "o2", "o3")
    await shop.wait_listed(["o1:wok", "o2:wok", "o3:wok"])
    first = shop.display("kds-a")
    async with first.run_test(size=KDS_SIZE) as pilot:
        await wait_until(pilot, lambda: len(on_board(first)) == 3)
        await pilot.press("1", "enter")  # o1 is ready
        await settle(first, pilot)
        await shop.wait_listed(["o2:wok", "o3:wok"])

        second = shop.display("kds-b")
        async with second.run_test(size=KDS_SIZE) as other:
            await wait_until(other, lambda: on_board(second) == ["o2:wok", "o3:wok"])
            await other.press("1", "enter")  # o2 bumped on the second display...
            await settle(second, other)
        # ...leaves the first display too, without it telling the hub anything
        await wait_until(pilot, lambda: on_board(first) == ["o3:wok"])
        await settle(first, pilot)
        ready = [(t, device) for t, device in _ready_by_device(shop.kds_hub)]
        assert ready.count(("o2:wok", "kds-b")) == 1 and ("o2:wok", "kds-a") not in ready


async def test_the_agent_keeps_bumps_across_its_restart(shop: Store) -> None:
    await shop.send("o1", "o2")
    await shop.wait_listed(["o1:wok", "o2:wok"])
    app = shop.display()
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_until(pilot, lambda: len(on_board(app)) == 2)
        await pilot.press("1", "enter")
        await settle(app, pilot)
    await shop.wait_listed(["o2:wok"])
    agent = shop.store.agent
    assert agent is not None
    await shop.store.stop_agent()
    await agent.link.stop()
    del shop.broker.retained[LIST_TOPIC]  # a broker without persistence forgets retained messages
    await shop.store.start_agent(link=await started(FakeMqttLink(shop.broker)))
    await shop.wait_listed(["o2:wok"])
    body = shop.listed()
    assert body is not None and [c.ticket_id for c in body.closed] == ["o1:wok"]

    fresh = shop.display("kds-new")  # a new screen with no board file of its own
    async with fresh.run_test(size=KDS_SIZE) as pilot:
        await wait_until(pilot, lambda: on_board(fresh) == ["o2:wok"])


async def test_a_cancel_missed_while_away_takes_the_card_off(shop: Store) -> None:
    await shop.send("o1", "o2")
    await shop.wait_listed(["o1:wok", "o2:wok"])
    app = shop.display()
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_until(pilot, lambda: len(on_board(app)) == 2)
    await shop.hub.send(make_ticket("o1", store_id=STORE, revision=2, cancelled=True))
    await shop.wait_listed(["o2:wok"])
    app = shop.display()
    async with app.run_test(size=KDS_SIZE) as pilot:
        await wait_until(pilot, lambda: app.controller.board.tickets["o1:wok"].phase.value == "cancelled")


def _ready_by_device(hub: AckingHub) -> list[tuple[str, str]]:
    return [(s.ticket_id, s.device_id) for s in hub.applied.values() if s.state.value == "ready" and not s.line_ids]


@pytest.mark.integration
async def test_tickets_missed_while_the_link_was_cut_show_on_reconnect(
    mosquitto_settings: MqttSettings, tmp_path: Path
) -> None:
    """Real Mosquitto and links; the display's connection goes through a relay the test cuts. Its
    session is not kept, so the broker queues nothing for it: the list alone brings the tickets."""
    from tests.chaos.tcp_proxy import TcpProxy
    from tests.kds_terminal.pilot import publish_ticket, wait_listening
    from tests.mqtt_watch import Watcher

    root = mosquitto_settings.topic_root
    tag = mosquitto_settings.client_id
    async with sim_store(tmp_path / "edge", mqtt=mosquitto_settings, device_id=f"edge-{tag}") as store:
        await store.start_agent()
        proxy = TcpProxy(mosquitto_settings.port).start()
        try:
            via_proxy = mosquitto_settings.model_copy(update={"port": proxy.port, "persistent_session": False})
            settings = kds_settings(tmp_path / "kds", store_id=STORE, stations=["wok"], mqtt=via_proxy)
            settings = settings.model_copy(update={"device_id": f"kds-{tag}"})
            app = create_app(settings)
            async with Watcher(mosquitto_settings) as hub, app.run_test(size=KDS_SIZE) as pilot:
                await wait_listening(pilot, app, via_proxy)
                for order_id in ("o1", "o2"):
                    await publish_ticket(hub.link, make_ticket(order_id, store_id=STORE), root=root)
                await wait_until(pilot, lambda: on_board(app) == ["o1:wok", "o2:wok"])

                proxy.cut()
                await wait_until(pilot, lambda: not app.link.connected)
                await hub.watch(topics.STATION_TICKETS.build(root=root, store_id=STORE, station_id="wok"))
                for order_id in ("o3", "o4", "o5"):
                    await publish_ticket(hub.link, make_ticket(order_id, store_id=STORE), root=root)

                def listed_five() -> bool:
                    last = hub.messages[-1] if hub.messages else None
                    return last is not None and len(decode(last.payload, StationTickets).body.tickets) == 5

                await hub.wait_until(listed_five)
                assert on_board(app) == ["o1:wok", "o2:wok"], "nothing reached the display while cut off"

                proxy.restore()
                await wait_until(pilot, lambda: len(on_board(app)) == 5, timeout=20)
                assert on_board(app) == [f"o{n}:wok" for n in range(1, 6)]
        finally:
            proxy.stop()


async def test_a_list_bringing_one_new_ticket_alerts_it_like_the_ticket_itself(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from contracts.envelope import encode_body
    from contracts.kitchen import OpenTicket
    from kds_terminal.tickets import OutcomeKind

    broker = FakeBroker()
    hub = AckingHub(broker)
    await hub.start()
    app = create_app(kds_settings(tmp_path, store_id=STORE, stations=["wok"]), link=FakeMqttLink(broker))
    async with app.run_test(size=KDS_SIZE) as pilot:
        ticket = make_ticket("o1", store_id=STORE)
        body = StationTickets(
            store_id=STORE,
            station_id="wok",
            tickets=(OpenTicket(ticket=ticket, received_at=ticket.placed_at),),
            at=datetime.now(UTC),
        )
        await hub.link.publish(LIST_TOPIC, encode_body(body, source="edge-sh-001"), retain=True)
        await wait_until(pilot, lambda: on_board(app) == ["o1:wok"] and bool(app.alerts))
        await settle(app, pilot)
        assert [a.kind for a in app.alerts] == [OutcomeKind.NEW]
