"""``brigade-sim``: simulated hardware for manual tests, demos and load tests.

printer   an ESC/POS printer on TCP (port 9100 style) or a serial pty; decoded jobs go to stdout or a file
store     a simulated store: its printers and its edge agent, against a broker
gps ...   simulated GPS units and bikes (``brigade-sim gps --help``)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from firmware_sim.printer import Fault, PtyPrinter, SimulatedPrinter, TcpPrinter


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gps"]:
        from firmware_sim.gps.cli import main as gps_main

        gps_main(argv[1:])
        return
    parser = argparse.ArgumentParser(
        prog="brigade-sim", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    printer = sub.add_parser("printer", help="a simulated ESC/POS printer")
    printer.add_argument("--name", default="printer")
    printer.add_argument("--host", default="127.0.0.1")
    printer.add_argument("--port", type=int, default=9100, help="TCP port (0: any free one)")
    printer.add_argument("--serial", action="store_true", help="a serial pseudo-terminal instead of TCP")
    printer.add_argument("--fault", choices=[f.value for f in Fault], help="start in this fault")
    printer.add_argument("--out", type=Path, help="append decoded jobs to this file (default: stdout)")
    printer.add_argument("--chinese-by-default", action="store_true", help="Chinese mode on at power-on")
    printer.add_argument(
        "--timezone", default="Asia/Shanghai", help="the store's, for the job stamps (default Asia/Shanghai)"
    )
    store = sub.add_parser("store", help="a simulated store: printers and edge agent")
    store.add_argument("--store", required=True, help="store id (as on the hub)")
    store.add_argument("--mqtt-host", default="127.0.0.1")
    store.add_argument("--mqtt-port", type=int, default=1883)
    store.add_argument("--topic-root", default="brigade")
    store.add_argument("--var", type=Path, default=Path("var/sim"))
    store.add_argument("--pos-port", type=int, help="the POS endpoint's port (default: off)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        if args.command == "printer":
            asyncio.run(_printer(args))
        else:
            asyncio.run(_store(args))


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _printer(args: argparse.Namespace) -> None:
    sim = SimulatedPrinter(
        args.name, chinese_by_default=args.chinese_by_default, output_path=args.out, timezone=args.timezone
    )
    if args.out is None:
        sim.on_change(lambda: _echo_new_jobs(sim))
    if args.fault:
        sim.set_fault(Fault(args.fault))
    transport: TcpPrinter | PtyPrinter = (
        PtyPrinter(sim) if args.serial else TcpPrinter(sim, host=args.host, port=args.port)
    )
    await transport.start()
    print(f"printer {args.name} on {transport.url}", flush=True)
    try:
        await _until_stopped()
    finally:
        await transport.stop()


_echoed: dict[int, int] = {}


def _echo_new_jobs(sim: SimulatedPrinter) -> None:
    start = _echoed.get(id(sim), 0)
    for job in sim.jobs[start:]:
        state = "complete" if job.complete else "INTERRUPTED"
        print(f"===== {sim.name} job {job.number} ({state}) =====\n{job.text}\n", flush=True)
    _echoed[id(sim)] = len(sim.jobs)


async def _store(args: argparse.Namespace) -> None:
    from firmware_sim.store_sim import SimulatedStore
    from mqttlink import MqttSettings

    store = SimulatedStore(
        args.store,
        mqtt=MqttSettings(host=args.mqtt_host, port=args.mqtt_port, topic_root=args.topic_root),
        var_dir=args.var / args.store,
        output_dir=args.var / "printers",
        pos_http_port=args.pos_port,
    )
    (args.var / "printers").mkdir(parents=True, exist_ok=True)
    await store.start()
    print(f"store {args.store}: printers write to {args.var / 'printers'}", flush=True)
    try:
        await _until_stopped()
    finally:
        await store.stop()


if __name__ == "__main__":
    main()
