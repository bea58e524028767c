"""``python -m firmware_sim.gps``: simulated GPS for demos, manual tests and load tests.

write-log OUT         an NMEA log of a bike driving a loop (for gpsfake or the tracker's replay)
pty                   NMEA on a pseudo-terminal; point BRIGADE_RIDER_SERIAL__PORT at the path
gpsd                  the same pty read by a real gpsd of our own on a free port
gpsfake LOG           replay a log through gpsfake and a real gpsd on a free port
fleet                 bikes publishing RiderPositionBatch to a broker; prints JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from firmware_sim.gps.bike_drive import BikeRoute, drive
from firmware_sim.gps.fleet import ContractFleet, TrackerFleet
from firmware_sim.gps.gpsd_process import GpsdProcess, GpsfakeProcess
from firmware_sim.gps.nmea_sentences import write_log
from firmware_sim.gps.pty_gps import PtyGps
from mqttlink.settings import MqttSettings


def _dropouts(values: list[str]) -> list[tuple[float, float]]:
    spans = []
    for value in values:
        start, _, end = value.partition("-")
        spans.append((float(start), float(end)))
    return spans


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m firmware_sim.gps", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    log = sub.add_parser("write-log")
    log.add_argument("out", type=Path)
    for p in (log, sub.add_parser("pty"), sub.add_parser("gpsd")):
        p.add_argument("--seconds", type=float, default=3600.0, help="simulated driving time")
        p.add_argument("--noise", type=float, default=2.0, help="receiver noise, metres (1 sigma)")
        p.add_argument("--dropout", action="append", default=[], help="no-fix span START-END in seconds")
        p.add_argument("--seed", type=int, default=0)
        if p is not log:
            p.add_argument("--time-scale", type=float, default=1.0)
    fake = sub.add_parser("gpsfake")
    fake.add_argument("log", type=Path)
    fake.add_argument("--cycle", type=float, default=0.2, help="seconds between sentences")
    fleet = sub.add_parser("fleet")
    fleet.add_argument("--host", default="127.0.0.1")
    fleet.add_argument("--port", type=int, default=1883)
    fleet.add_argument("--root", default="brigade")
    fleet.add_argument("--bikes", type=int, default=100)
    fleet.add_argument("--positions", type=int, default=10_000)
    fleet.add_argument("--batch", type=int, default=50)
    fleet.add_argument("--connections", type=int, default=4)
    fleet.add_argument("--rate", type=float, default=None, help="cap, positions per second")
    fleet.add_argument("--trackers", action="store_true", help="run the real tracker per bike (slower)")
    fleet.add_argument("--seconds", type=float, default=120.0, help="with --trackers: simulated seconds")
    args = parser.parse_args(argv)

    if args.command in ("write-log", "pty", "gpsd"):
        fixes = drive(
            BikeRoute(),
            start=datetime.now(UTC).replace(microsecond=0),
            noise_m=args.noise,
            seed=args.seed,
            dropouts=_dropouts(args.dropout),
            limit_s=args.seconds,
        )
        if args.command == "write-log":
            print(f"{write_log(fixes, args.out)} epochs written to {args.out}")
            return
        with PtyGps(fixes, time_scale=args.time_scale) as gps:
            if args.command == "pty":
                print(f"NMEA on {gps.path} (Ctrl-C to stop)", flush=True)
                _wait_for_interrupt()
                return
            with GpsdProcess([gps.path]) as gpsd:
                print(f"gpsd (pid {gpsd.pid}) on 127.0.0.1:{gpsd.port} reading {gps.path} (Ctrl-C to stop)", flush=True)
                _wait_for_interrupt()
        return
    if args.command == "gpsfake":
        with GpsfakeProcess(args.log, cycle_s=args.cycle, once=False) as gpsfake:
            print(f"gpsfake (pid {gpsfake.pid}) feeding gpsd on 127.0.0.1:{gpsfake.port} (Ctrl-C to stop)", flush=True)
            _wait_for_interrupt()
        return
    settings = MqttSettings(
        host=args.host, port=args.port, topic_root=args.root, client_id=f"fleet-{uuid.uuid4().hex[:8]}"
    )
    if args.trackers:
        trackers = asyncio.run(_tracker_fleet(settings, args.bikes, args.seconds))
        print(json.dumps(trackers, indent=2))
        return
    report = asyncio.run(
        ContractFleet(settings, bikes=args.bikes, batch_size=args.batch, connections=args.connections).run(
            positions=args.positions, rate=args.rate
        )
    )
    print(json.dumps({**report.__dict__, "positions_per_s": round(report.positions_per_s)}, indent=2))


async def _tracker_fleet(settings: MqttSettings, bikes: int, seconds: float) -> dict[str, object]:
    fleet = TrackerFleet(settings, bikes=bikes, seconds=seconds, time_scale=20.0)
    try:
        trackers = await fleet.run()
        return {
            "bikes": bikes,
            "accepted": sum(t.status.accepted for t in trackers),
            "journaled": sum(t.status.journaled for t in trackers),
            "batches": sum(t.status.batches for t in trackers),
        }
    finally:
        await fleet.close()
