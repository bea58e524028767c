"""Kitchen latency: an order accepted by the hub -> its tickets' bytes on the stores' printers.

In the same run: the broker's raw publish -> receive latency (a QoS 1 probe next to the load), the
ratio of the two, and the resident memory of one edge agent running as its own process, as on a Pi.

Everything is real but the printers: a Mosquitto of its own (shipped settings: persistence on, a
raised queue limit), the hub as ``python -m hub serve`` on PostgreSQL (relay and bridge on), edge
agents (most of them several to a process, to fit 50 stores on one machine; one alone, whose memory
is measured), simulated ESC/POS printers on TCP that decode each job. Each order has two lines at
two stations, so two tickets; a ticket's latency ends when its printer has read the cut.

    .venv/bin/python bench/kitchen_latency.py --rate 100 --seconds 60 --stores 50
    .venv/bin/python bench/kitchen_latency.py --rate 10 --seconds 10 --stores 5 --store-procs 1   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from bench_support import database, free_port, mosquitto, pct, post_order, wait_ready

MENU = [("KB", "宫保鸡丁", 3800, ["wok"]), ("CH", "羊肉串", 600, ["grill"])]
LINES = [{"sku": "KB", "quantity": 2, "modifiers": ["少辣"]}, {"sku": "CH", "quantity": 6}]


# -- the pieces ----------------------------------------------------------------------------------


def seed(url: str, store_ids: list[str]) -> str:
    """Schema, stores with two stations and a menu, and a channel API key (returned)."""
    from hub.auth.service import create_api_key
    from hub.db import Database
    from hub.devices.tables import Device
    from hub.migrate import upgrade
    from hub.stores.tables import MenuItem, Station, Store

    db = Database.from_url(url)
    upgrade(db.engine)
    with db.session() as session:
        for store_id in store_ids:
            session.add(Store(id=store_id, name=f"压测店{store_id}"))
            session.flush()
            # the store's edge agent registered, as an operator does (the bridge drops unknown sources)
            session.add(Device(id=f"edge-{store_id}", kind="edge_agent", store_id=store_id, secret_hash="bench"))
            for code, name in (("wok", "炒锅"), ("grill", "烧烤")):
                session.add(Station(store_id=store_id, code=code, name=name))
            for sku, name, price, stations in MENU:
                session.add(MenuItem(store_id=store_id, sku=sku, name=name, price_fen=price, station_codes=stations))
        session.flush()
        _, key = create_api_key(session, name="bench", channel="bench", store_ids=None, actor="bench")
        session.commit()
    db.dispose()
    return key


def start_hub(url: str, mqtt_port: int, root: str, var: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "BRIGADE_DATABASE_URL": url,
        "BRIGADE_VAR_DIR": var,
        "BRIGADE_SECRET_KEY": "b" * 40,
        "BRIGADE_MQTT__PORT": str(mqtt_port),
        "BRIGADE_MQTT__TOPIC_ROOT": root,
        "BRIGADE_MQTT__SHARED_GROUP": "hub",
        "BRIGADE_RUN_JOBS": "false",
    }
    command = [sys.executable, "-m", "hub", "serve", "--port", str(port), "--workers", str(workers)]
    hub = subprocess.Popen([*command, "--no-migrate", "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
    except TimeoutError:
        hub.kill()
        raise
    return hub, base


# -- a process hosting stores (``--worker``) -------------------------------------------------------


def open_for_append(path: Path) -> Any:
    return path.open("a", encoding="utf-8")  # open for the process's life


async def host_stores(args: argparse.Namespace) -> None:
    """Stores of this process: printers here, agents here (or one as its own process); printed jobs -> JSONL."""
    from firmware_sim.printer.ticket_reader import read_ticket
    from firmware_sim.store_sim import SimulatedStore
    from mqttlink import MqttSettings

    var = Path(args.var)
    out = await asyncio.to_thread(open_for_append, Path(args.jobs_out))
    stores = []
    seen: dict[str, int] = {}
    for n, store_id in enumerate(args.store_ids.split(",")):
        alone = args.external_agent and n == 0
        store = SimulatedStore(
            store_id,
            mqtt=MqttSettings(port=args.mqtt_port, topic_root=args.root, client_id=f"edge-{store_id}"),
            var_dir=var / store_id,
            agent_mode="process" if alone else "inline",
            log_level="WARNING",
        )

        def record(store: SimulatedStore = store) -> None:
            for printer in store.printers.values():
                jobs = printer.printer.jobs
                start = seen.get(printer.printer.name, 0)
                for job in jobs[start:]:
                    ticket = read_ticket(job)
                    if ticket is not None and ticket.complete:
                        row = {"ticket_id": ticket.ticket_id, "printed_at": job.printed_at, "reprint": ticket.reprint}
                        out.write(json.dumps(row) + "\n")
                seen[printer.printer.name] = len(jobs)
            out.flush()

        store.on_job(record)
        stores.append(store)
    for store in stores:
        await store.start()
    for store in stores:
        await store.wait_ready()
    if args.external_agent and stores[0].agent_pid is not None:
        (var / "external-agent.pid").write_text(str(stores[0].agent_pid))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for store in stores:
        await store.stop()
    out.close()


# -- measuring -------------------------------------------------------------------------------------


async def wait_agents_online(mqtt_port: int, root: str, store_ids: list[str], timeout: float = 120) -> None:
    from contracts import topics
    from contracts.devices import Presence, PresenceStatus
    from contracts.envelope import decode
    from mqttlink import MqttMessage, MqttSettings, PahoMqttLink

    online: set[str] = set()
    changed = asyncio.Event()

    async def on(message: MqttMessage) -> None:
        body = decode(message.payload, Presence).body
        if body.status is PresenceStatus.ONLINE:
            online.add(body.client_id)
            changed.set()

    link = PahoMqttLink(MqttSettings(port=mqtt_port, topic_root=root, client_id=f"bw-{uuid.uuid4().hex[:8]}"))
    await link.subscribe(topics.PRESENCE.wildcard(root=root), on)
    await link.start()
    wanted = {f"edge-{s}" for s in store_ids}
    deadline = time.monotonic() + timeout
    while not wanted <= online:
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), max(0.1, deadline - time.monotonic()))
        if time.monotonic() > deadline:
            raise TimeoutError(f"agents not online: {sorted(wanted - online)[:5]}")
    await link.stop()


async def broker_probe(mqtt_port: int, root: str, seconds: float, rate: float) -> list[float]:
    """QoS 1 publish -> receive through the same broker, while the kitchen load runs."""
    from mqttlink import MqttMessage, MqttSettings, PahoMqttLink

    latencies: list[float] = []
    topic = f"{root}/bench/probe"  # not a contract topic: nothing but this probe listens

    async def on(message: MqttMessage) -> None:
        latencies.append(time.time() - float(message.payload))

    receiver = PahoMqttLink(MqttSettings(port=mqtt_port, topic_root=root, client_id=f"pr-{uuid.uuid4().hex[:8]}"))
    sender = PahoMqttLink(MqttSettings(port=mqtt_port, topic_root=root, client_id=f"ps-{uuid.uuid4().hex[:8]}"))
    await receiver.subscribe(topic, on)
    for link in (receiver, sender):
        await link.start()
        await link.wait_connected(10)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
        await sender.publish(topic, repr(time.time()).encode(), qos=1)
        n += 1
    await asyncio.sleep(1.0)  # the last probes land
    for link in (sender, receiver):
        await link.stop()
    return latencies


async def place_orders(
    base: str, key: str, store_ids: list[str], rate: float, seconds: float
) -> dict[str, tuple[float, float, float]]:
    """order id -> (POST sent, the hub took it: ``placed_at``, response received), wall clock
    (time.time(): the printers are in other processes, all on this machine's one clock)."""
    accepted: dict[str, tuple[float, float, float]] = {}
    failures = 0
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30) as http:

        async def one(n: int) -> None:
            nonlocal failures
            body = {
                "store_id": store_ids[n % len(store_ids)],
                "external_id": uuid.uuid4().hex,
                "fulfilment": "pickup",
                "lines": LINES,
            }
            sent = time.time()
            try:
                response, _ = await post_order(http, body)
            except httpx.TransportError as exc:
                failures += 1
                print(f"  lost connection three times: {exc!r}", file=sys.stderr)
                return
            if response.status_code in (200, 201):
                order = response.json()
                placed = datetime.fromisoformat(order["placed_at"]).timestamp()
                accepted[order["id"]] = (sent, placed, time.time())
            else:
                failures += 1
                if failures == 1:
                    print(f"  refused: {response.status_code} {response.text[:300]}", file=sys.stderr)

        tasks: set[asyncio.Task[None]] = set()
        start = time.monotonic()
        total = int(rate * seconds)
        for n in range(total):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            if len(tasks) < 512:  # bounded: never more than this many in flight
                task = asyncio.create_task(one(n))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    if failures:
        print(f"  {failures} orders refused", file=sys.stderr)
    return accepted


def read_printed(files: list[Path]) -> dict[str, float]:
    printed: dict[str, float] = {}
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["printed_at"] is not None and not row["reprint"]:
                printed.setdefault(row["ticket_id"], row["printed_at"])
    return printed


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def agent_rss_mb(pid_file: Path) -> float | None:
    return rss_mb(int(pid_file.read_text())) if pid_file.exists() else None


async def sample_rss(pid_file: Path, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        if (mb := await asyncio.to_thread(agent_rss_mb, pid_file)) is not None:
            samples.append(mb)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


# -- the run ---------------------------------------------------------------------------------------


async def measure(
    args: argparse.Namespace, base: str, key: str, mqtt_port: int, root: str, var: Path
) -> dict[str, Any]:
    store_ids = [f"k{n:03d}" for n in range(args.stores)]
    groups = [store_ids[i :: args.store_procs] for i in range(args.store_procs)]
    jobs_files = [var / f"jobs-{i}.jsonl" for i in range(len(groups))]
    hosts = [
        await asyncio.to_thread(
            subprocess.Popen,
            [
                sys.executable,
                __file__,
                "--worker",
                "--store-ids",
                ",".join(group),
                "--mqtt-port",
                str(mqtt_port),
                "--root",
                root,
                "--var",
                str(var / f"host-{i}"),
                "--jobs-out",
                str(jobs_files[i]),
                *(["--external-agent"] if i == 0 else []),
            ],
        )
        for i, group in enumerate(groups)
        if group
    ]
    rss: list[float] = []
    stop_sampling = asyncio.Event()
    try:
        await wait_agents_online(mqtt_port, root, store_ids)
        sampler = asyncio.create_task(sample_rss(var / "host-0" / "external-agent.pid", rss, stop_sampling))
        probe = asyncio.create_task(broker_probe(mqtt_port, root, args.warmup + args.seconds, args.probe_rate))
        load_started = time.time()
        placed = await place_orders(base, key, store_ids, args.rate, args.warmup + args.seconds)
        broker = await probe
        orders = {o: t for o, t in placed.items() if t[0] >= load_started + args.warmup}  # warm-up not counted
        expected = {f"{order_id}:{s}" for order_id in placed for s in ("wok", "grill")}
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and not expected <= set(await asyncio.to_thread(read_printed, jobs_files)):
            await asyncio.sleep(0.5)
        stop_sampling.set()
        await sampler
    finally:
        for host in hosts:
            host.send_signal(signal.SIGTERM)
        for host in hosts:
            with contextlib.suppress(subprocess.TimeoutExpired):
                host.wait(30)
    printed = read_printed(jobs_files)
    from_sent, from_placed, from_response = [], [], []
    for ticket_id in expected & set(printed):
        if ticket_id.rpartition(":")[0] not in orders:
            continue  # warm-up
        sent, taken, response = orders[ticket_id.rpartition(":")[0]]
        from_sent.append(printed[ticket_id] - sent)
        from_placed.append(printed[ticket_id] - taken)
        from_response.append(printed[ticket_id] - response)
    return {
        "orders": len(placed),
        "orders_measured": len(orders),
        "tickets_expected": len(expected),
        "tickets_printed": len(expected & set(printed)),
        "post_to_printed_ms": {"p50": pct(from_sent, 0.5), "p99": pct(from_sent, 0.99), "max": pct(from_sent, 1)},
        "accepted_to_printed_ms": {
            "p50": pct(from_placed, 0.5),
            "p99": pct(from_placed, 0.99),
            "max": pct(from_placed, 1),
        },
        "response_to_printed_ms": {"p50": pct(from_response, 0.5), "p99": pct(from_response, 0.99)},
        "broker_publish_to_receive_ms": {"p50": pct(broker, 0.5), "p99": pct(broker, 0.99), "n": len(broker)},
        "ratio_p50": pct(from_placed, 0.5) / pct(broker, 0.5) if broker else None,
        "ratio_p99": pct(from_placed, 0.99) / pct(broker, 0.99) if broker else None,
        "edge_agent_rss_mb": {"max": max(rss) if rss else None, "last": rss[-1] if rss else None},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=100, help="orders per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--store-procs", type=int, default=4, help="processes hosting the stores' agents and printers")
    parser.add_argument("--hub-workers", type=int, default=2)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--probe-rate", type=float, default=50, help="broker probe messages per second")
    parser.add_argument("--drain", type=float, default=60, help="seconds to wait for the last tickets")
    parser.add_argument("--out", type=Path, help="write the results as JSON here too")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--store-ids", help=argparse.SUPPRESS)
    parser.add_argument("--mqtt-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--var", help=argparse.SUPPRESS)
    parser.add_argument("--jobs-out", help=argparse.SUPPRESS)
    parser.add_argument("--external-agent", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(host_stores(args))
        return
    root = f"bench{uuid.uuid4().hex[:6]}"
    store_ids = [f"k{n:03d}" for n in range(args.stores)]
    with mosquitto(log=True) as mqtt_port, database(args.db) as url, tempfile.TemporaryDirectory() as tmp:
        key = seed(url, store_ids)
        hub, base = start_hub(url, mqtt_port, root, tmp, args.hub_workers)
        try:
            results = asyncio.run(measure(args, base, key, mqtt_port, root, Path(tmp)))
        finally:
            hub.send_signal(signal.SIGTERM)
            hub.wait(30)
    config = ("rate", "seconds", "warmup", "stores", "store_procs", "hub_workers", "db")
    results["config"] = {k: getattr(args, k) for k in config}
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
