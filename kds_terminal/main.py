"""``brigade-kds --store s1 --station wok``: one station's kitchen display.

Command-line options override ``BRIGADE_KDS_*`` variables (e.g. ``BRIGADE_KDS_MQTT__HOST``,
``BRIGADE_KDS_LANGUAGE=en``, ``BRIGADE_KDS_STATION_THRESHOLDS='{"grill": {"warn_after_min": 8,
"late_after_min": 12}}'``); ``--help`` lists them all. Logs go to a file: the terminal belongs to
the screen.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kds_terminal.settings import KdsSettings
from mqttlink import MqttSettings
from mqttlink.settings_cli import BROKER_FLAGS, add_broker_arguments, broker_values, environment_help, settings_problem

_FLAGS = {
    "store_id": "--store",
    "stations": "--station",
    "device_id": "--device-id",
    "language": "--language",
    "warn_after_min": "--warn-after-min",
    "late_after_min": "--late-after-min",
    "state_dir": "--state-dir",
    "columns": "--columns",
    "rows": "--rows",
    **BROKER_FLAGS,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brigade-kds",
        description="Brigade kitchen display for one station. q quits.",
        epilog=environment_help(KdsSettings, "BRIGADE_KDS_"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--store", dest="store_id", help="store id (required)")
    parser.add_argument(
        "--station",
        dest="stations",
        action="append",
        help="station code (required); repeat for a screen serving several",
    )
    parser.add_argument("--device-id", help="MQTT client id and status device id (default kds-<store>-<station>)")
    add_broker_arguments(parser, what="store broker")
    parser.add_argument("--language", choices=["zh", "en", "zh+en"])
    parser.add_argument("--warn-after-min", type=float, help="minutes before a ticket turns yellow (default 5)")
    parser.add_argument("--late-after-min", type=float, help="minutes before a ticket turns red (default 8)")
    parser.add_argument("--state-dir", type=Path, help="board file and outbox (default var/kds)")
    parser.add_argument("--columns", type=int)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--log-level", default="INFO")
    return parser


def settings_from(argv: list[str] | None = None) -> tuple[KdsSettings, str]:
    args = _parser().parse_args(argv)
    values: dict[str, Any] = {
        name: getattr(args, name)
        for name in (
            "store_id",
            "stations",
            "device_id",
            "language",
            "warn_after_min",
            "late_after_min",
            "state_dir",
            "columns",
            "rows",
        )
        if getattr(args, name) is not None
    }
    mqtt = broker_values(args)
    settings = KdsSettings(**values)
    if mqtt:
        broker = MqttSettings.model_validate({**settings.mqtt.model_dump(), **mqtt})
        settings = settings.model_copy(update={"mqtt": broker})
    return settings, str(args.log_level).upper()


def main(argv: list[str] | None = None) -> None:
    try:
        settings, level = settings_from(argv)
    except ValidationError as exc:
        print(f"brigade-kds: {settings_problem(exc, 'BRIGADE_KDS_', _FLAGS)}.", file=sys.stderr)
        raise SystemExit(2) from exc
    log_file = settings.resolved_log_file
    log_file.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=log_file,
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from kds_terminal.app import create_app  # after logging: Textual is heavy to import

    create_app(settings).run()


if __name__ == "__main__":
    main()
