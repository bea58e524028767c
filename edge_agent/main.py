"""``brigade-edge``: run the store's edge agent, or write the store broker's bridge configuration."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from edge_agent.logging_setup import configure_logging
from edge_agent.settings import EdgeSettings
from mqttlink.settings_cli import BROKER_FLAGS, add_broker_arguments, broker_values, environment_help, settings_problem

_FLAGS = {
    "store_id": "--store",
    "device_id": "--device-id",
    "var_dir": "--var-dir",
    "pos_http_port": "--pos-http-port",
    "log_level": "--log-level",
    **BROKER_FLAGS,
}


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(argv)
    if args.command == "bridge-config":
        from edge_agent.bridge_config import write_from_arguments

        path = write_from_arguments(args)
        print(f"wrote {path}")
        return
    _run(args)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """``run`` is the default command: ``brigade-edge --store s1`` runs the agent."""
    parser = argparse.ArgumentParser(prog="brigade-edge", description="Brigade edge agent (one per store).")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser(
        "run",
        help="run the agent (the default)",
        description="Run the store's edge agent: kitchen tickets to its printers and displays.",
        epilog=environment_help(EdgeSettings, "BRIGADE_EDGE_"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--config", type=Path, help="JSON file with the store's printers (store.json; see the README)")
    run.add_argument("--store", dest="store_id", help="store id (required here, in --config or the environment)")
    run.add_argument("--device-id", help="this agent's MQTT client id (default edge-<store>)")
    run.add_argument("--var-dir", type=Path, help="spool and outbox directory (default var/edge)")
    run.add_argument("--pos-http-port", type=int, help="serve the in-store POS endpoint on this port")
    run.add_argument("--log-level", help="DEBUG, INFO (default), WARNING")
    add_broker_arguments(run, what="store broker")
    bridge = sub.add_parser("bridge-config", help="write the store broker's Mosquitto configuration")
    from edge_agent.bridge_config import add_arguments

    add_arguments(bridge)
    raw = list(argv if argv is not None else sys.argv[1:])
    if not raw or raw[0] not in ("run", "bridge-config", "-h", "--help"):
        raw = ["run", *raw]  # run is the default command
    return parser.parse_args(raw)


def _run(args: argparse.Namespace) -> None:
    settings = settings_from(args)
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


def settings_from(args: argparse.Namespace) -> EdgeSettings:
    """The environment, then ``--config``, then the flags; a problem ends the process in one sentence."""

    values: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("store_id", "device_id", "var_dir", "pos_http_port", "log_level")
        if getattr(args, name) is not None
    }
    try:
        data: dict[str, Any] = json.loads(args.config.read_text(encoding="utf-8")) if args.config else {}
        if not isinstance(data, dict):
            raise ValueError(f"{args.config} holds no JSON object")
    except (OSError, ValueError) as exc:
        print(f"brigade-edge: cannot read the configuration {args.config}: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    broker = broker_values(args)
    if broker:
        values["mqtt"] = {**data.get("mqtt", {}), **broker}
    try:
        return EdgeSettings(**{**data, **values})  # the environment fills in the rest
    except ValidationError as exc:
        print(f"brigade-edge: {settings_problem(exc, 'BRIGADE_EDGE_', _FLAGS)}.", file=sys.stderr)
        raise SystemExit(2) from exc


if __name__ == "__main__":
    main()
