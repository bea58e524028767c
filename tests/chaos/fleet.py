"""A fleet for the chaos tests: a hub process on PostgreSQL, stores with simulated printers and edge
agent processes, a load generator that retries like a sales channel, and the count of what was printed.

Counting is done on paper: every expected ticket (order x station) must be on some printer, complete,
at least once (nothing lost), and at most once without a REPRINT mark (nothing duplicated).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from contracts import topics
from contracts.devices import Presence, PresenceStatus
from contracts.envelope import decode
from firmware_sim.printer.ticket_reader import PrintedTicket
from firmware_sim.store_sim import SimulatedStore
from hub.db import Database
from mqttlink import MqttSettings
from tests.hub.seed import DEFAULT_MENU, login, make_admin, order_body, register_device, seed_store
from tests.mqtt_watch import Watcher
from tests.services import free_port, wait_for_port

LINE_SETS: tuple[list[dict[str, Any]], ...] = (
    [{"sku": "KB", "quantity": 2, "modifiers": ["少辣"]}, {"sku": "CH", "quantity": 10}],
    [{"sku": "TC", "quantity": 1}],
    [{"sku": "YX", "quantity": 1}, {"sku": "CH", "quantity": 4}],
    [{"sku": "KB", "quantity": 1}, {"sku": "NM", "quantity": 2}],  # drinks: no printer, the receipt printer
)


HUB_LOG = os.environ.get("BRIGADE_CHAOS_HUB_LOG", "warning")


def stations_of(lines: list[dict[str, Any]]) -> set[str]:
    return {code for line in lines for code in DEFAULT_MENU[line["sku"]]["station_codes"]}


def chaos_mqtt(port: int, root: str, client_id: str) -> MqttSettings:
    return MqttSettings(
        port=port, client_id=client_id, topic_root=root, reconnect_min_s=0.2, reconnect_max_s=1.0, publish_timeout_s=5
    )


class HubProcess:
    """``python -m hub serve`` on PostgreSQL; a stable MQTT client id, so its session outlives a SIGKILL."""

    def __init__(self, database_url: str, mqtt: MqttSettings, workdir: Path) -> None:
        self.database_url = database_url
        self.mqtt = mqtt
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "BRIGADE_DATABASE_URL": self.database_url,
            "BRIGADE_SECRET_KEY": "chaos-" + "x" * 40,
            "BRIGADE_VAR_DIR": str(self.workdir),
            "BRIGADE_MQTT__HOST": self.mqtt.host,
            "BRIGADE_MQTT__PORT": str(self.mqtt.port),
            "BRIGADE_MQTT__TOPIC_ROOT": self.mqtt.topic_root,
            "BRIGADE_MQTT__CLIENT_ID": self.mqtt.client_id,
            "BRIGADE_MQTT__SHARED_GROUP": "hub",
            "BRIGADE_MQTT__RECONNECT_MAX_S": "1",
        }
        log = (self.workdir / "hub.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--port", str(self.port), "--no-migrate", "--log-level", HUB_LOG],
            env=env,
            stdout=log,
            stderr=log,
        )
        log.close()
        self.starts += 1
        wait_for_port("127.0.0.1", self.port, timeout=60)

    async def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/readyz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError("the hub did not become ready")
                await asyncio.sleep(0.2)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(30)
        self.process = None


@dataclass
class PlacedOrder:
    order_id: str
    store_id: str
    stations: set[str]
    channel: str = "hub"
    local_id: str | None = None


@dataclass
class Progress:
    placed: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def step(self) -> None:
        self.placed += 1
        self._changed.set()

    async def reached(self, count: int) -> None:
        while self.placed < count:
            self._changed.clear()
            await self._changed.wait()


class Fleet:
    def __init__(self, tmp_path: Path, *, database_url: str, central: MqttSettings, stores: int = 5) -> None:
        self.tmp = tmp_path
        self.database_url = database_url
        self.central = central
        self.root = central.topic_root
        self.hub = HubProcess(database_url, central.model_copy(update={"client_id": "chaos-hub"}), tmp_path / "hub")
        self.store_ids = [f"c{i}-{uuid.uuid4().hex[:6]}" for i in range(stores)]
        self.stores: dict[str, SimulatedStore] = {}
        self.orders: list[PlacedOrder] = []
        self.progress = Progress()
        self.headers: dict[str, str] = {}

    # -- setting up ---------------------------------------------------------------------------

    async def start_hub(self) -> None:
        await asyncio.to_thread(self.hub.start)
        await self.hub.wait_ready()

    async def seed(self) -> None:
        with httpx.Client(base_url=self.hub.url, timeout=20) as client:
            self.headers = login(client, make_admin(self.database_url))
            for store_id in self.store_ids:
                seed_store(client, self.headers, store_id=store_id)
                register_device(client, self.headers, f"edge-{store_id}", store_id=store_id)  # its agent

    def add_store(self, store_id: str, mqtt: MqttSettings, **settings: Any) -> SimulatedStore:
        defaults: dict[str, Any] = dict(
            retry_min_s=0.2,
            retry_max_s=1.0,
            outbox_retry_s=20,
            printer_timeout_s=2,
            status_poll_s=5,
            health_interval_s=10,
            log_level=os.environ.get("BRIGADE_CHAOS_EDGE_LOG", "WARNING"),
            pos_http_port=free_port(),
        )
        defaults.update(settings)
        store = SimulatedStore(
            store_id,
            mqtt=mqtt,
            var_dir=self.tmp / "stores" / store_id,
            agent_mode="process",
            device_id=f"edge-{store_id}",
            **defaults,
        )
        self.stores[store_id] = store
        return store

    async def start_stores(self) -> None:
        for store in self.stores.values():
            await store.start()
        await self.wait_agents_online()

    async def wait_agents_online(self, timeout: float = 60.0) -> None:
        """Each agent subscribes on connect and then publishes its retained presence."""
        for store in self.stores.values():
            mqtt = store.mqtt.model_copy(update={"client_id": f"w-{uuid.uuid4().hex[:8]}"})
            async with Watcher(mqtt) as watcher:
                await watcher.watch(topics.PRESENCE.build(root=self.root, client_id=store.device_id))

                def online(w: Watcher = watcher) -> bool:
                    return any(decode(m.payload, Presence).body.status is PresenceStatus.ONLINE for m in w.messages)

                await watcher.wait_until(online, timeout)

    async def stop(self) -> None:
        for store in self.stores.values():
            await store.stop()
        await asyncio.to_thread(self.hub.kill, signal.SIGTERM)

    # -- load -----------------------------------------------------------------------------------

    async def place_orders(self, count: int, *, rate: float, concurrency: int = 8) -> None:
        """``count`` orders round-robin over the stores at ``rate`` per second, each retried until the hub
        accepts it (same external id: a retry never makes a second order)."""
        gate = asyncio.Semaphore(concurrency)
        started = time.monotonic()
        sets = itertools.cycle(LINE_SETS)
        stores = itertools.cycle(self.store_ids)
        async with httpx.AsyncClient(base_url=self.hub.url, headers=self.headers, timeout=10) as client:

            async def one(i: int, store_id: str, lines: list[dict[str, Any]]) -> None:
                await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))  # pacing, not waiting
                async with gate:
                    body = order_body(store_id, external_id=f"chaos-{uuid.uuid4().hex}", lines=lines)
                    order_id = await self._post_until_accepted(client, body)
                self.orders.append(PlacedOrder(order_id, store_id, stations_of(lines)))
                self.progress.step()

            await asyncio.gather(*(one(i, next(stores), next(sets)) for i in range(count)))

    async def _post_until_accepted(self, client: httpx.AsyncClient, body: dict[str, Any]) -> str:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.TransportError):
                response = await client.post("/orders", json=body)
                if response.status_code in (200, 201):
                    return str(response.json()["id"])
                assert response.status_code >= 500, response.text
            if time.monotonic() > deadline:
                raise AssertionError(f"order {body['external_id']} never accepted")
            await asyncio.sleep(0.25)  # the hub is down or restarting: a channel retries later

    # -- counting ---------------------------------------------------------------------------------

    def expected(self) -> set[str]:
        return {f"{o.order_id}:{s}" for o in self.orders for s in o.stations}

    def paper(self) -> dict[str, list[PrintedTicket]]:
        out: dict[str, list[PrintedTicket]] = {}
        for store in self.stores.values():
            for ticket in store.printed():
                if ticket.complete:
                    out.setdefault(ticket.ticket_id, []).append(ticket)
        return out

    def lost(self) -> set[str]:
        return self.expected() - set(self.paper())

    def duplicated(self) -> dict[str, int]:
        unmarked = {tid: sum(1 for t in copies if not t.reprint) for tid, copies in self.paper().items()}
        return {tid: n for tid, n in unmarked.items() if n > 1}

    async def wait_all_printed(self, timeout: float = 90.0) -> None:
        """Re-checked whenever a printer finishes a job (and at least every second)."""
        printed = asyncio.Event()
        for store in self.stores.values():
            store.on_job(printed.set)
        deadline = time.monotonic() + timeout
        while self.lost():
            if time.monotonic() > deadline:
                missing = sorted(self.lost())
                raise AssertionError(f"{len(missing)} tickets never printed, e.g. {missing[:5]}; {self.summary()}")
            printed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(printed.wait(), 1.0)

    def hub_unconfirmed(self) -> int:
        """Tickets of our orders the hub has not heard printed."""
        ids = [o.order_id for o in self.orders]
        db = Database.from_url(self.database_url)
        try:
            with db.engine.connect() as conn:
                return int(
                    conn.execute(
                        text("SELECT COUNT(*) FROM kitchen_tickets WHERE order_id = ANY(:ids) AND printed_at IS NULL"),
                        {"ids": ids},
                    ).scalar_one()
                )
        finally:
            db.dispose()

    def hub_orders(self, channel: str | None = None) -> list[tuple[str, str, str]]:
        db = Database.from_url(self.database_url)
        try:
            with db.engine.connect() as conn:
                rows = conn.execute(
                    text("SELECT id, channel, external_id FROM orders WHERE store_id = ANY(:stores)"),
                    {"stores": self.store_ids},
                ).all()
            return [(r[0], r[1], r[2]) for r in rows if channel is None or r[1] == channel]
        finally:
            db.dispose()

    async def wait_hub_confirmed(self, timeout: float = 180.0) -> None:
        """Until the hub has heard every ticket printed. After a long outage the stores' backlogs take
        about a minute to drain, and a batch lost in transit while a bridge reconnects comes back only
        with its agent's next outbox retry (20 s here): the deadline covers both, with room."""
        deadline = time.monotonic() + timeout
        last_report = 0.0
        while (left := await asyncio.to_thread(self.hub_unconfirmed)) > 0:
            if os.environ.get("BRIGADE_CHAOS_DEBUG") and time.monotonic() - last_report > 5:
                last_report = time.monotonic()
                print(f"DEBUG {time.strftime('%H:%M:%S')} unconfirmed {left}: {(await self.diagnose())[:1500]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the hub never heard {left} tickets printed; {await self.diagnose()}")
            await asyncio.sleep(0.5)

    async def diagnose(self) -> str:
        """The hub's MQTT counters and each agent's unacknowledged outbox, for a failure message."""
        parts = []
        async with httpx.AsyncClient(timeout=5) as client:
            with contextlib.suppress(httpx.HTTPError):
                metrics = (await client.get(f"{self.hub.url}/metrics")).text
                parts += [line for line in metrics.splitlines() if line.startswith(("brigade_mqtt", "brigade_outbox"))]
            for store in self.stores.values():
                port = store.agent_settings.get("pos_http_port")
                if port:
                    with contextlib.suppress(httpx.HTTPError):
                        health = (await client.get(f"http://127.0.0.1:{port}/health")).json()
                        parts.append(f"{store.store_id}: {health}")
        parts += await asyncio.to_thread(self.database_activity)
        return "\n".join(parts)

    def database_activity(self) -> list[str]:
        """What the hub's PostgreSQL sessions are doing (a bridge stuck on a lock shows here), and who
        blocks whom."""
        db = Database.from_url(self.database_url)
        try:
            with db.engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT pid, state, wait_event_type, wait_event, pg_blocking_pids(pid) AS blocked_by,"
                        " round(extract(epoch FROM now() - xact_start)::numeric, 1) AS xact_s, left(query, 160) AS q"
                        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
        except Exception as exc:  # a diagnosis must never hide the failure it describes
            return [f"pg_stat_activity unavailable: {exc}"]
        finally:
            db.dispose()
        return [f"pg {r.pid} {r.state} {r.wait_event_type}/{r.wait_event} blocked_by={r.blocked_by} "
                f"xact={r.xact_s}s {r.q}" for r in rows]  # fmt: skip

    def summary(self) -> str:
        paper = self.paper()
        reprints = sum(1 for copies in paper.values() for t in copies if t.reprint)
        backups = sum(1 for copies in paper.values() for t in copies if t.backup_from)
        return (
            f"{len(self.orders)} orders, {len(self.expected())} tickets expected, {len(paper)} on paper, "
            f"{len(self.lost())} lost, {len(self.duplicated())} duplicated, {reprints} REPRINT copies, "
            f"{backups} printed as BACKUP"
        )
