"""Helpers to drive a kitchen display in tests (the edge agent's end-to-end test may reuse them).

settings = kds_settings(tmp_path, store_id=store, stations=["wok"], mqtt=mosquitto_settings)
app = create_app(settings)                   # a real MQTT link; or link=FakeMqttLink(broker)
async with app.run_test(size=KDS_SIZE) as pilot:
    await wait_listening(pilot, app, mosquitto_settings)   # subscribed on the broker
    ...                                      # place an order on the hub
    await wait_for_card(pilot, f"{order_id}:wok")
    await press_card(pilot, app, f"{order_id}:wok", "enter")   # its number key, then bump
    await wait_acked(pilot, app)             # the hub applied and acked every status
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import Envelope, decode, encode_body
from contracts.kitchen import KitchenTicket, TicketLine, TicketStatus
from contracts.messaging import Ack
from kds_terminal.app import KdsApp
from kds_terminal.settings import KdsSettings
from kds_terminal.ui.widgets import OfflineBanner, TicketCard
from mqttlink import FakeBroker, FakeMqttLink, MqttLinkPort, MqttSettings, publish_body, subscribe_template
from tests.mqtt_watch import Watcher

KDS_SIZE = (140, 40)
T0 = datetime(2025, 3, 14, 3, 30, tzinfo=UTC)  # 11:30 in Shanghai


class FakeClock:
    """A clock the test moves by hand: timers and colour ageing become deterministic."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def kds_settings(
    tmp_path: Path,
    *,
    store_id: str = "s1",
    stations: Sequence[str] = ("wok",),
    mqtt: MqttSettings | None = None,
    **changes: Any,
) -> KdsSettings:
    values: dict[str, Any] = {
        "store_id": store_id,
        "stations": list(stations),
        "state_dir": tmp_path / "kds",
        "mqtt": mqtt or MqttSettings(topic_root="brigade"),
        "outbox_retry_s": 0.5,
        "bell": False,
    }
    values.update(changes)
    return KdsSettings(**values)


def make_ticket(
    order_id: str = "o1",
    *,
    station_id: str = "wok",
    store_id: str = "s1",
    revision: int = 1,
    number: str | None = None,
    lines: Sequence[tuple[str, str, int] | TicketLine] = (("l1", "宫保鸡丁", 2), ("l2", "鱼香肉丝", 1)),
    placed_at: datetime = T0,
    **changes: Any,
) -> KitchenTicket:
    ticket_lines = tuple(
        line if isinstance(line, TicketLine) else TicketLine(line_id=line[0], name=line[1], quantity=line[2])
        for line in lines
    )
    return KitchenTicket(
        ticket_id=f"{order_id}:{station_id}",
        order_id=order_id,
        order_number=number or order_id.upper(),
        revision=revision,
        store_id=store_id,
        station_id=station_id,
        station_name={"wok": "炒锅", "grill": "烧烤"}.get(station_id, station_id),
        channel="meituan",
        placed_at=placed_at,
        lines=ticket_lines,
        **changes,
    )


async def publish_ticket(link: MqttLinkPort, ticket: KitchenTicket, *, root: str, source: str = "hub") -> None:
    topic = topics.KITCHEN_TICKET.build(root=root, store_id=ticket.store_id, station_id=ticket.station_id)
    await link.publish(topic, encode_body(ticket, source=source))


def card_of(app: KdsApp, ticket_id: str) -> TicketCard | None:
    return next((c for c in app.query(TicketCard) if c.ticket_id == ticket_id), None)


def card_text(card: TicketCard) -> str:
    """What the cook reads on a card: title, timer and lines."""
    return f"{card.border_title}\n{card.content}\n{card.border_subtitle}"


def screen_cards(app: KdsApp) -> list[str]:
    """The ticket ids on the current page, in slot order."""
    return [c.ticket_id for c in app.query(TicketCard) if c.ticket_id is not None]


def offline_banner(app: KdsApp) -> str | None:
    banner = app.query_one(OfflineBanner)
    return str(banner.content) if banner.visible_now else None


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``condition`` holds (checked every 20 ms), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await pilot.pause(0.02)


async def wait_for_card(pilot: Pilot[Any], ticket_id: str, timeout: float = 10.0) -> TicketCard:
    app = pilot.app
    assert isinstance(app, KdsApp)
    await wait_until(pilot, lambda: card_of(app, ticket_id) is not None, timeout)
    card = card_of(app, ticket_id)
    assert card is not None
    return card


async def settle(app: KdsApp, pilot: Pilot[Any]) -> None:
    """Everything the app queued is written (outbox and board file) and drawn."""
    assert app.controller.writer is not None
    await app.controller.writer.drained(5)
    await pilot.pause()


async def wait_listening(pilot: Pilot[Any], app: KdsApp, mqtt: MqttSettings, timeout: float = 15.0) -> None:
    """The display's subscriptions are in place on the real broker.

    The link subscribes on connect and then publishes its retained presence on the same connection,
    so the broker has applied the subscriptions once that presence is visible.
    """
    topic = topics.PRESENCE.build(root=mqtt.topic_root, client_id=app.controller.device_id)
    async with Watcher(mqtt) as watcher:
        await watcher.watch(topic)
        await wait_until(
            pilot,
            lambda: any(decode(m.payload, Presence).body.status is PresenceStatus.ONLINE for m in watcher.messages),
            timeout,
        )


async def press_card(pilot: Pilot[Any], app: KdsApp, ticket_id: str, *keys: str) -> None:
    """Select the card of ``ticket_id`` with its number key, then press ``keys``."""
    card = card_of(app, ticket_id)
    assert card is not None, f"{ticket_id} is not on this page"
    await pilot.press(str(card.slot % 10), *keys)


async def wait_acked(pilot: Pilot[Any], app: KdsApp, timeout: float = 15.0) -> None:
    """Every status the display owes is written, sent and acknowledged by the hub (its outbox is empty)."""
    await settle(app, pilot)
    outbox = app.controller.outbox
    assert outbox is not None
    await wait_until(pilot, lambda: outbox.pending() == 0, timeout)


def statuses(broker: FakeBroker, root: str = "brigade") -> list[TicketStatus]:
    return [decode(m.payload, TicketStatus).body for m in broker.messages_on(topics.TICKET_STATUS.wildcard(root=root))]


async def wait_any(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Outside an app: poll ``predicate`` on the loop until true or ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)


class AckingHub:
    """Plays the hub's bridge on a fake broker: keeps every TicketStatus (once per envelope id) and acks it."""

    def __init__(self, broker: FakeBroker, root: str = "brigade") -> None:
        self.link = FakeMqttLink(broker)
        self.root = root
        self.applied: dict[str, TicketStatus] = {}
        self.deliveries = 0
        self.acking = True

    async def start(self) -> AckingHub:
        await self.link.start()
        await subscribe_template(self.link, topics.TICKET_STATUS, self._on_status, root=self.root, consumer="hub")
        return self

    async def _on_status(self, envelope: Envelope[Any], _params: dict[str, str]) -> None:
        self.deliveries += 1
        self.applied.setdefault(str(envelope.id), envelope.body)
        if self.acking:
            ack = Ack(device_id=envelope.source, message_ids=(envelope.id,), at=datetime.now(UTC))
            await publish_body(self.link, topics.ACK, ack, source="hub", root=self.root, device_id=envelope.source)

    def states(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(s.ticket_id, s.state.value, s.line_ids) for s in self.applied.values()]


def record_notifications(app: KdsApp) -> list[str]:
    """Every notification the app shows, kept: Textual drops one from ``app._notifications`` when its
    timeout passes (6 s for a catch-up), which a loaded CI machine can take between two steps."""
    told: list[str] = []
    show = app.notify

    def notify(message: str, **options: Any) -> None:
        told.append(str(message))
        show(message, **options)

    app.notify = notify  # type: ignore[method-assign]
    return told
