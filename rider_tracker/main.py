"""``brigade-rider --rider r-007``: the rider's unit. Flags for the essentials, ``BRIGADE_RIDER_*`` for all.

With a screen (default): the rider's stops and the keys to report each event, tracking in the
background. ``--headless`` (or ``BRIGADE_RIDER_HEADLESS=1``): tracking and uploads only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mqttlink.settings_cli import BROKER_FLAGS, add_broker_arguments, broker_values, environment_help, settings_problem
from rider_tracker.runtime import RiderRuntime
from rider_tracker.settings import RiderSettings

logger = logging.getLogger(__name__)


def configure_logging(settings: RiderSettings, *, to_terminal: bool) -> None:
    handler: logging.Handler
    if to_terminal or settings.log_file is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(settings.log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    logging.getLogger("mqttlink.paho").setLevel(logging.WARNING)


async def run_headless(settings: RiderSettings) -> None:
    runtime = RiderRuntime.from_settings(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    logger.info("rider %s tracking from %s (unit %s)", runtime.rider_id, runtime.tracker.source.name, runtime.unit_id)
    waiter = asyncio.create_task(runtime.wait())
    stopper = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if waiter in done:
            waiter.result()  # the tracker failed: let it be seen, exit non-zero
    finally:
        stopper.cancel()
        waiter.cancel()
        await runtime.stop()
        logger.info("rider %s stopped", runtime.rider_id)


_FLAGS = {
    "rider_id": "--rider",
    "device_id": "--device-id",
    "source": "--source",
    "replay.path": "--file",
    "serial.port": "--serial-port",
    "serial.baudrate": "--baudrate",
    "gpsd.host": "--gpsd-host",
    "gpsd.port": "--gpsd-port",
    "spool_path": "--spool",
    "log_level": "--log-level",
    **BROKER_FLAGS,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brigade-rider",
        description="Brigade rider unit: GPS positions and delivery events from the bike to the hub.",
        epilog=environment_help(RiderSettings, "BRIGADE_RIDER_"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rider", dest="rider_id", help="the rider's id at the hub (required)")
    parser.add_argument("--device-id", help="this unit's MQTT client id and username (default: the rider id)")
    parser.add_argument("--source", choices=["gpsd", "nmea", "replay"], help="where fixes come from (default gpsd)")
    parser.add_argument("--file", type=Path, help="with --source replay: the NMEA log to replay")
    parser.add_argument("--serial-port", help="with --source nmea: the GPS serial port (default /dev/ttyUSB0)")
    parser.add_argument("--baudrate", type=int, help="with --source nmea: the serial speed (default 9600)")
    parser.add_argument("--gpsd-host", help="with --source gpsd: gpsd's host (default 127.0.0.1)")
    parser.add_argument("--gpsd-port", type=int, help="with --source gpsd: gpsd's port (default 2947)")
    add_broker_arguments(parser)
    parser.add_argument("--spool", dest="spool_path", type=Path, help="the unit's SQLite spool (default var/)")
    parser.add_argument("--headless", action="store_true", help="track and upload without the rider screen")
    parser.add_argument("--log-level", help="DEBUG, INFO (default), WARNING")
    return parser


def settings_from(argv: list[str] | None = None) -> tuple[RiderSettings, bool]:
    """The settings (environment, flags on top) and whether to run headless."""
    args = _parser().parse_args(argv)
    values: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("rider_id", "device_id", "source", "spool_path", "log_level")
        if getattr(args, name) is not None
    }
    nested = {
        "replay": {"path": args.file},
        "serial": {"port": args.serial_port, "baudrate": args.baudrate},
        "gpsd": {"host": args.gpsd_host, "port": args.gpsd_port},
        "mqtt": broker_values(args),
    }
    for name, fields in nested.items():
        given = {k: v for k, v in fields.items() if v is not None}
        if given:
            values[name] = given
    settings = RiderSettings(**values)  # the environment fills in the rest
    return settings, bool(args.headless or settings.headless)


def main(argv: list[str] | None = None) -> None:
    try:
        settings, headless = settings_from(argv)
    except ValidationError as exc:
        print(f"brigade-rider: {settings_problem(exc, 'BRIGADE_RIDER_', _FLAGS)}.", file=sys.stderr)
        raise SystemExit(2) from exc
    configure_logging(settings, to_terminal=headless)
    if headless:
        asyncio.run(run_headless(settings))
        return
    from rider_tracker.ui.app import RiderApp

    RiderApp(RiderRuntime.from_settings(settings), timezone=settings.timezone).run()


if __name__ == "__main__":
    main()
