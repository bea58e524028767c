"""``brigade-edge``: run the store's edge agent, or write the store broker's bridge configuration."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from pydantic import ValidationError

from edge_agent.logging_setup import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="brigade-edge", description="Brigade edge agent (one per store).")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the agent (the default)")
    run.add_argument(
        "--config", type=Path, help="JSON file with the store's printers (env BRIGADE_EDGE_* for the rest)"
    )
    bridge = sub.add_parser("bridge-config", help="write the store broker's Mosquitto configuration")
    from edge_agent.bridge_config import add_arguments

    add_arguments(bridge)
    args = parser.parse_args(argv)
    if args.command == "bridge-config":
        from edge_agent.bridge_config import write_from_arguments

        path = write_from_arguments(args)
        print(f"wrote {path}")
        return
    _run(getattr(args, "config", None))


def _run(config: Path | None) -> None:
    from edge_agent.settings import EdgeSettings

    try:
        settings = EdgeSettings.from_file(config) if config else EdgeSettings()
    except (ValidationError, OSError, ValueError) as exc:
        print(f"brigade-edge: bad configuration: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    configure_logging(settings.log_level)
    from edge_agent.agent import EdgeAgent

    async def serve() -> None:
        agent = EdgeAgent(settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, agent.stop)
        await agent.run()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
