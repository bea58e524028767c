"""``brigade-rider``: the rider's unit. Settings from ``BRIGADE_RIDER_*``; see ``settings.py``.

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

from pydantic import ValidationError

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="brigade-rider", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--headless", action="store_true", help="track and upload without the rider screen")
    args = parser.parse_args(argv)
    try:
        settings = RiderSettings()  # rider_id comes from the environment
    except ValidationError as exc:
        print(f"brigade-rider: bad settings (BRIGADE_RIDER_*):\n{exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    headless = args.headless or settings.headless
    configure_logging(settings, to_terminal=headless)
    if headless:
        asyncio.run(run_headless(settings))
        return
    from rider_tracker.ui.app import RiderApp

    RiderApp(RiderRuntime.from_settings(settings), timezone=settings.timezone).run()


if __name__ == "__main__":
    main()
