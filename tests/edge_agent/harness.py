"""A simulated store for the edge agent's tests: real simulated printers on TCP, the agent in-process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from contracts import topics
from contracts.base import Body
from contracts.devices import DeviceState
from contracts.envelope import Envelope, decode, encode_body
from contracts.kitchen import KitchenTicket
from contracts.messaging import Ack
from edge_agent.agent import EdgeAgent
from edge_agent.settings import EdgeSettings, PrinterConfig
from firmware_sim.printer import SimulatedPrinter, TcpPrinter
from firmware_sim.printer.ticket_reader import PrintedTicket, read_tickets
from mqttlink import FakeBroker, FakeMqttLink, MqttLinkPort, MqttMessage, MqttSettings

B = TypeVar("B", bound=Body)

STORE = "sh-001"


class SimStore:
    """Printers: wok (-> receipt), grill (-> backup -> receipt), receipt (default for unknown stations)."""

    def __init__(
        self, var_dir: Path, *, store_id: str = STORE, mqtt: MqttSettings | None = None, **settings: Any
    ) -> None:
        self.store_id = store_id
        self.var_dir = var_dir
        self.mqtt = mqtt or MqttSettings(topic_root="brigade")
        self.printers = {name: TcpPrinter(SimulatedPrinter(name)) for name in ("wok", "grill", "backup", "receipt")}
        self.extra = settings
        self.agent: EdgeAgent | None = None
        self._task: asyncio.Task[None] | None = None
        self._printed = asyncio.Event()
        for printer in self.printers.values():
            printer.printer.on_change(self._printed.set)

    async def start_printers(self) -> None:
        for printer in self.printers.values():
            await printer.start()

    def settings(self) -> EdgeSettings:
        p = self.printers
        values: dict[str, Any] = dict(
            store_id=self.store_id,
            var_dir=self.var_dir,
            mqtt=self.mqtt,
            printers=[
                PrinterConfig(id="wok-p", connection=p["wok"].url, station="wok", fallback="receipt-p"),
                PrinterConfig(id="grill-p", connection=p["grill"].url, station="grill", fallback="backup-p"),
                PrinterConfig(id="backup-p", connection=p["backup"].url, fallback="receipt-p"),
                PrinterConfig(id="receipt-p", connection=p["receipt"].url),
            ],
            default_printer="receipt-p",
            retry_min_s=0.1,
            retry_max_s=0.5,
            outbox_retry_s=60,
            printer_timeout_s=2,
        )
        values.update(self.extra)
        return EdgeSettings(**values)

    async def start_agent(self, link: MqttLinkPort | None = None) -> EdgeAgent:
        self.agent = EdgeAgent(self.settings(), link=link)
        self._task = asyncio.create_task(self.agent.run())
        ready = asyncio.create_task(self.agent.ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            self._task.result()  # the agent died on start: raise why
        assert ready in done, "the agent did not start"
        return self.agent

    async def stop_agent(self) -> None:
        if self.agent is not None and self._task is not None:
            self.agent.stop()
            async with asyncio.timeout(15):
                await self._task
        self.agent = None

    async def stop(self) -> None:
        await self.stop_agent()
        for printer in self.printers.values():
            await printer.stop()

    def printed(self, *names: str) -> list[PrintedTicket]:
        jobs = [j for name in (names or tuple(self.printers)) for j in self.printers[name].printer.jobs]
        return read_tickets(jobs)

    async def wait_printed(self, count: int, *names: str, timeout: float = 10.0) -> list[PrintedTicket]:
        """Until ``count`` complete tickets are on these printers' paper (any printer by default)."""

        async def _wait() -> None:
            while len([t for t in self.printed(*names) if t.complete]) < count:
                self._printed.clear()
                await self._printed.wait()

        await asyncio.wait_for(_wait(), timeout)
        return [t for t in self.printed(*names) if t.complete]


@contextlib.asynccontextmanager
async def sim_store(var_dir: Path, **settings: Any) -> AsyncIterator[SimStore]:
    store = SimStore(var_dir, **settings)  # store_id and mqtt may be given too
    await store.start_printers()
    try:
        yield store
    finally:
        await store.stop()


class FakeHub:
    """The hub's side of a FakeBroker: sends tickets, collects and (like the real bridge) acks device messages."""

    def __init__(self, broker: FakeBroker, *, auto_ack: bool = True) -> None:
        self.broker = broker
        self.link = FakeMqttLink(broker)
        self.auto_ack = auto_ack
        self.received: list[Envelope[Any]] = []
        self._changed = asyncio.Event()

    async def start(self) -> None:
        await self.link.start()
        for template in (topics.TICKET_RECEIVED, topics.PRINT_RESULT, topics.STORE_ORDER, topics.DEVICE_STATE):
            await self.link.subscribe(template.wildcard(), self._on_message)

    async def _on_message(self, message: MqttMessage) -> None:
        envelope = decode(message.payload)
        self.received.append(envelope)
        self._changed.set()
        if self.auto_ack and not isinstance(envelope.body, DeviceState):
            ack = Ack(device_id=envelope.source, message_ids=(envelope.id,), at=datetime.now(UTC))
            await self.link.publish(topics.ACK.build(device_id=envelope.source), encode_body(ack, source="hub"))

    async def send(self, ticket: KitchenTicket) -> None:
        topic = topics.KITCHEN_TICKET.build(store_id=ticket.store_id, station_id=ticket.station_id)
        await self.link.publish(topic, encode_body(ticket, source="hub"))

    def bodies(self, kind: type[B]) -> list[B]:
        return [e.body for e in self.received if isinstance(e.body, kind)]

    async def wait_for(self, kind: type[B], count: int, timeout: float = 10.0) -> list[B]:
        async def _wait() -> None:
            while len(self.bodies(kind)) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(_wait(), timeout)
        return self.bodies(kind)
