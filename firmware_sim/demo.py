"""``brigade-demo``: the whole kitchen path on embedded defaults, no services needed.

SQLite under ./var/demo, an in-process MQTT broker (amqtt), the hub's API and docs, two simulated
stores (edge agent + simulated ESC/POS printers whose decoded output goes to readable files under
var/demo/printers), a generator placing orders with Chinese dishes every few seconds, and an
administrator whose generated password is written to var/demo. Open a kitchen display in a
second terminal with the ``brigade-kds`` command the demo prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import secrets
import shutil
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from sqlmodel import select

from firmware_sim.depot_demo import run_depot
from firmware_sim.order_generator import MenuChoice, OrderGenerator
from firmware_sim.store_sim import SimulatedStore
from hub.app import create_app
from hub.auth.service import create_user
from hub.auth.tables import User
from hub.db import Database
from hub.devices.credentials import create_device
from hub.devices.tables import Device
from hub.kernel.roles import Role
from hub.logging_setup import configure_logging
from hub.migrate import upgrade
from hub.settings import HubSettings
from hub.stores.tables import MenuItem, Station, Store
from mqttlink import MqttSettings

logger = logging.getLogger(__name__)

DEMO_STORES = {"sh-001": "外滩店", "sh-002": "静安店"}
DEMO_STATIONS = {"wok": "炒锅", "grill": "烧烤", "drinks": "饮品"}
DEMO_MENU = [
    ("KB", "宫保鸡丁", 3800, ["wok"], ["花生"]),
    ("YX", "鱼香肉丝", 3200, ["wok"], []),
    ("MP", "麻婆豆腐", 2800, ["wok"], []),
    ("CH", "羊肉串", 600, ["grill"], []),
    ("JC", "烤鸡翅", 1200, ["grill"], []),
    ("NM", "珍珠奶茶", 1500, ["drinks"], ["牛奶"]),
    ("TC", "套餐(烤串+炒饭)", 5800, ["grill", "wok"], []),
]


def port_free(port: int) -> bool:
    """Whether a server could listen on ``port`` now. With SO_REUSEADDR, as uvicorn and the broker bind:
    a port whose last connections linger in TIME_WAIT after a quick restart is free for them."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    """The preferred port when it is free, else any free one (0: any free one)."""
    if preferred and port_free(preferred):
        return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def moved_port_notice(what: str, preferred: int, chosen: int) -> str | None:
    """Why the demo is not on the port asked for, and what that changes for the reader."""
    if not preferred or preferred == chosen:
        return None
    why = " (another MQTT broker, e.g. Mosquitto, listens there)" if what == "MQTT" else ""
    return (
        f"  note: {what} port {preferred} is in use{why}; the demo uses {chosen} instead: "
        "use the addresses and commands printed here"
    )


DEMO_FILES = ("brigade.sqlite3", "brigade.sqlite3-wal", "brigade.sqlite3-shm", "admin-password.txt", "secret.key")
DEMO_DIRS = ("printers", "stores", "kds")


def reset(var_dir: Path) -> list[Path]:
    """Remove what an earlier demo left in ``var_dir`` (only the demo's own files); returns what went."""
    gone: list[Path] = []
    for name in DEMO_FILES:
        path = var_dir / name
        if path.is_file():
            path.unlink()
            gone.append(path)
    for name in DEMO_DIRS:
        path = var_dir / name
        if path.is_dir():
            shutil.rmtree(path)
            gone.append(path)
    return gone


def prepare(settings: HubSettings) -> str:
    """Migrate, create the demo admin and stores once; returns where the admin password is."""
    db = Database.from_url(settings.database_url)
    upgrade(db.engine)
    password_file = settings.var_dir / "admin-password.txt"
    with db.session() as session:
        if session.exec(select(User).where(User.username == "demo")).first() is None:
            password = secrets.token_urlsafe(12)
            create_user(session, username="demo", password=password, role=Role.ADMIN, actor="demo")
            password_file.write_text(password + "\n", encoding="utf-8")
            password_file.chmod(0o600)
        for store_id, name in DEMO_STORES.items():
            if session.get(Store, store_id) is not None:
                continue
            session.add(Store(id=store_id, name=name, lat=31.2304, lon=121.4737))
            session.flush()  # rows that refer to the store go after it
            for code, station_name in DEMO_STATIONS.items():
                session.add(Station(store_id=store_id, code=code, name=station_name))
            for sku, dish, price, stations, allergens in DEMO_MENU:
                session.add(
                    MenuItem(
                        store_id=store_id,
                        sku=sku,
                        name=dish,
                        price_fen=price,
                        station_codes=stations,
                        allergens=allergens,
                    )
                )
        # The hub accepts device messages only from registered devices: the stores' agents and screens.
        for store_id in DEMO_STORES:
            wanted = [(f"edge-{store_id}", "edge_agent")] + [(f"kds-{store_id}-{s}", "kds") for s in DEMO_STATIONS]
            for device_id, kind in wanted:
                if session.get(Device, device_id) is None:
                    create_device(
                        session, device_id=device_id, kind=kind, store_id=store_id, rider_id=None, actor="demo"
                    )
        session.commit()
    db.dispose()
    return str(password_file)


async def run(
    http_port: int, mqtt_port: int, var_dir: Path, *, order_every_s: float = 4.0, notices: tuple[str, ...] = ()
) -> None:
    settings = HubSettings(
        database_url=f"sqlite:///{var_dir / 'brigade.sqlite3'}",
        var_dir=var_dir,
        embedded_broker=True,
        mqtt=MqttSettings(port=mqtt_port, client_id="brigade-hub", protocol="3.1.1"),
    )
    password_file = await asyncio.to_thread(prepare, settings)
    app = create_app(settings)
    server = _QuietServer(uvicorn.Config(app, host="127.0.0.1", port=http_port, log_level="warning"))
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    serving = asyncio.create_task(server.serve(), name="hub")
    base = f"http://127.0.0.1:{http_port}"
    stores: list[SimulatedStore] = []
    generating: asyncio.Task[None] | None = None
    try:
        await _wait_ready(base, serving)
        print(f"Brigade demo: API docs at {base}/docs", flush=True)
        print(f"  MQTT broker (embedded, MQTT 3.1.1) on 127.0.0.1:{mqtt_port}", flush=True)
        for notice in notices:
            print(notice, flush=True)
        print(f"  sign in as 'demo' with the password in {password_file}", flush=True)
        print("  the hub's commands against this demo's database, from this folder:", flush=True)
        print(f"    {hub_environment(settings)} {_command('brigade-hub')} crm recompute", flush=True)
        console = f"{_command('brigade-console')} --hub-url {base} --username demo"
        print(f'  the manager console: BRIGADE_CONSOLE_PASSWORD="$(cat {password_file})" {console}', flush=True)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            password = (await asyncio.to_thread(Path(password_file).read_text, encoding="utf-8")).strip()
            token = (await client.post("/auth/token", data={"username": "demo", "password": password})).json()
            client.headers["Authorization"] = f"Bearer {token['access_token']}"
            for store_id in DEMO_STORES:  # the menu goes out retained: the stores can take orders offline
                await client.post(f"/stores/{store_id}/menu/publish")
            await run_depot(client, var_dir, lambda line: print(line, flush=True))
            stores = await _start_stores(var_dir, mqtt_port)
            _print_store_help(stores, var_dir, mqtt_port)
            menu = [MenuChoice(sku, name) for sku, name, *_ in DEMO_MENU]
            generator = OrderGenerator(client, list(DEMO_STORES), menu, every_s=order_every_s)
            generating = asyncio.create_task(generator.run(), name="orders")
            print("  Ctrl-C to stop.", flush=True)
            stop = asyncio.create_task(stopping.wait())
            await asyncio.wait({serving, stop}, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            print("  stopping: the order generator, the stores, then the hub and its broker.", flush=True)
    finally:
        if generating is not None:
            generating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await generating
        for store in stores:
            await store.stop()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving


def hub_environment(settings: HubSettings) -> str:
    """The variables that point ``brigade-hub`` at the demo's database and secret key."""
    return f"BRIGADE_DATABASE_URL={settings.database_url} BRIGADE_VAR_DIR={settings.var_dir}"


class _QuietServer(uvicorn.Server):
    """The demo owns Ctrl-C: it stops the generator and the stores before the hub and its broker."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _wait_ready(base: str, serving: asyncio.Task[None], timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while True:
            if serving.done():
                serving.result()
                raise RuntimeError("the hub stopped while starting")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            if loop.time() > deadline:
                raise RuntimeError("the hub did not become ready")
            await asyncio.sleep(0.2)


async def _start_stores(var_dir: Path, mqtt_port: int) -> list[SimulatedStore]:
    stores = []
    for store_id in DEMO_STORES:
        store = SimulatedStore(
            store_id,
            mqtt=MqttSettings(port=mqtt_port, client_id=f"edge-{store_id}", protocol="3.1.1"),
            var_dir=var_dir / "stores" / store_id,
            output_dir=var_dir / "printers",
            pos_http_port=0,  # any free port: printed below
            log_level="INFO",
        )
        (var_dir / "printers").mkdir(parents=True, exist_ok=True)
        await store.start()
        await store.wait_ready()
        stores.append(store)
        if store.agent is not None:
            # A store whose agent has never connected has no session at the broker to queue its
            # first tickets in: the first order waits until the agent is subscribed, which its
            # retained menu arriving proves (that subscription goes out after the tickets' one).
            await store.agent.link.wait_connected(timeout=30)
            await _until_menu(store)
    return stores


async def _until_menu(store: SimulatedStore, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while store.agent is not None and store.agent.desk.menu is None:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"store {store.store_id} did not receive its menu")
        await asyncio.sleep(0.05)


def _print_store_help(stores: list[SimulatedStore], var_dir: Path, mqtt_port: int) -> None:
    print(f"  simulated printers write what they print to {var_dir / 'printers'}/<store>-<printer>.txt:", flush=True)
    for store in stores:
        http = store.agent.http if store.agent is not None else None
        pos = f"; POS endpoint http://127.0.0.1:{http.port}/orders" if http is not None else ""
        print(f"    {store.store_id}: wok, grill, backup, receipt{pos}", flush=True)
    first = stores[0].store_id
    print("  watch a station's tickets arrive and bump them, in a second terminal:", flush=True)
    print(f"    {_command('brigade-kds')} --store {first} --station wok --port {mqtt_port}", flush=True)
    print("  new orders with Chinese dishes arrive every few seconds.", flush=True)


def _command(name: str) -> str:
    """The command as the user can type it: from the demo's virtualenv when it is not on PATH."""
    beside = Path(sys.executable).parent / name
    if shutil.which(name) == str(beside) or not beside.exists():
        return name
    with contextlib.suppress(ValueError):
        return str(beside.relative_to(Path.cwd()))
    return str(beside)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Brigade on embedded defaults (SQLite + in-process broker).")
    parser.add_argument("--http-port", type=int, default=8000, help="another free port is used (and said) if taken")
    parser.add_argument("--mqtt-port", type=int, default=1883, help="another free port is used (and said) if taken")
    parser.add_argument("--var", type=Path, default=Path("var/demo"))
    parser.add_argument("--order-every", type=float, default=4.0, help="seconds between generated orders (about)")
    parser.add_argument(
        "--reset", action="store_true", help="start over: remove the earlier demo's database, logins and printouts"
    )
    args = parser.parse_args()
    configure_logging("INFO")
    if args.reset:
        gone = reset(args.var)
        print(f"Brigade demo: starting over ({len(gone)} earlier demo files and folders removed from {args.var})")
    mqtt_port = pick_port(args.mqtt_port)
    http_port = pick_port(args.http_port)
    notices = tuple(
        n
        for n in (
            moved_port_notice("HTTP", args.http_port, http_port),
            moved_port_notice("MQTT", args.mqtt_port, mqtt_port),
        )
        if n is not None
    )
    args.var.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(http_port, mqtt_port, args.var, order_every_s=args.order_every, notices=notices))


if __name__ == "__main__":
    main()
