"""``brigade-console --hub-url http://127.0.0.1:8000 --username m1 --password ...``: the manager console.

Command-line options override ``BRIGADE_CONSOLE_*`` variables; ``--help`` lists them all. Logs go
to a file: the terminal belongs to the screen.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from manager_console.settings import ConsoleSettings

PREFIX = "BRIGADE_CONSOLE_"
_FLAGS = {
    "hub_url": "--hub-url",
    "username": "--username",
    "password": "--password",
    "api_key": "--api-key",
    "store_id": "--store",
    "language": "--language",
    "timeout_s": "--timeout",
    "refresh_s": "--refresh",
}


def environment_help(settings: type[BaseModel]) -> str:
    lines = ["environment (flags override it):"]
    for name, field in settings.model_fields.items():
        default = field.default
        shown = "  (required)" if field.is_required() else ""
        if default not in (None, PydanticUndefined):
            shown = f"  (default {default})"
        lines.append(f"  {PREFIX}{name.upper()}{shown}")
    return "\n".join(lines)


def settings_problem(exc: ValidationError) -> str:
    """One sentence naming each missing or bad setting with its flag and variable."""
    parts: list[str] = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"])
        if not path:
            parts.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        where = (
            f"pass {_FLAGS[path]} or set {PREFIX}{path.upper()}" if path in _FLAGS else f"set {PREFIX}{path.upper()}"
        )
        if error["type"] == "missing":
            parts.append(f"{path.replace('_', ' ')} not set ({where})")
        else:
            shown = "" if path in ("password", "api_key") else f" {error['input']!r}"
            parts.append(f"{path}{shown} is not valid: {error['msg']} ({where})")
    return "; ".join(parts)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="brigade-console",
        description="Brigade manager console over the hub's REST API. 1-7 panes, l 中/EN, r refresh, q quits.",
        epilog=environment_help(ConsoleSettings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--hub-url", help="the hub's base URL (required), e.g. http://127.0.0.1:8000")
    parser.add_argument("--username", help="staff username (with --password)")
    parser.add_argument("--password")
    parser.add_argument("--api-key", help="instead of username and password")
    parser.add_argument("--store", dest="store_id", help="show one store only")
    parser.add_argument("--language", choices=["zh", "en"])
    parser.add_argument("--timeout", dest="timeout_s", type=float, help="seconds per HTTP request (default 3)")
    parser.add_argument("--refresh", dest="refresh_s", type=float, help="seconds between refreshes (default 5)")
    parser.add_argument("--log-file", default="var/console.log")
    return parser


def settings_from(argv: list[str] | None = None) -> tuple[ConsoleSettings, str]:
    args = _parser().parse_args(argv)
    values: dict[str, Any] = {name: getattr(args, name) for name in _FLAGS if getattr(args, name) is not None}
    return ConsoleSettings(**values), str(args.log_file)


def main(argv: list[str] | None = None) -> None:
    try:
        settings, log_file = settings_from(argv)
    except ValidationError as exc:
        print(f"brigade-console: {settings_problem(exc)}.", file=sys.stderr)
        raise SystemExit(2) from exc
    from pathlib import Path

    Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=log_file, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from manager_console.app import create_app  # after logging: Textual is heavy to import

    create_app(settings).run()


if __name__ == "__main__":
    main()
