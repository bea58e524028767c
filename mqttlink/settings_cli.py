"""The command-line side of every process's settings: broker flags, the environment in ``--help``, and
a missing or bad setting answered in one sentence instead of pydantic's report.

Each process (hub, edge agent, kitchen display, rider unit) embeds ``MqttSettings``; its ``main``
builds its settings once from the environment with the flags on top, using these helpers.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined


def add_broker_arguments(parser: argparse.ArgumentParser, *, what: str = "broker") -> None:
    """``--host --port --username --password --topic-root`` for the process's MQTT link."""
    group = parser.add_argument_group(f"MQTT {what}")
    group.add_argument("--host", help=f"{what} host (default 127.0.0.1)")
    group.add_argument("--port", type=int, help=f"{what} port (default 1883)")
    group.add_argument("--username", help="MQTT username (the device id, when the broker checks credentials)")
    group.add_argument("--password", help="MQTT password (better: the ..._MQTT__PASSWORD variable, not shown by ps)")
    group.add_argument("--topic-root", help="topic root (default brigade)")


BROKER_FLAGS: Mapping[str, str] = {
    "mqtt.host": "--host",
    "mqtt.port": "--port",
    "mqtt.username": "--username",
    "mqtt.password": "--password",
    "mqtt.topic_root": "--topic-root",
}


def broker_values(args: argparse.Namespace) -> dict[str, Any]:
    """The broker flags given on the command line, as ``MqttSettings`` fields."""
    names = ("host", "port", "username", "password", "topic_root")
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def environment_help(settings: type[BaseModel], prefix: str) -> str:
    """Every variable the settings read, for the end of ``--help``: ``PREFIX_NAME (default ...)``;
    nested settings one per field (``PREFIX_MQTT__HOST``)."""
    lines = ["environment (flags override it):"]
    for name, field in settings.model_fields.items():
        annotation = field.annotation
        env = f"{prefix}{name.upper()}"
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for sub, sub_field in annotation.model_fields.items():
                lines.append(f"  {env}__{sub.upper()}{_default(sub_field.default)}")
            continue
        lines.append(f"  {env}{_default(field.default) if not field.is_required() else '  (required)'}")
    return "\n".join(lines)


def _default(value: object) -> str:
    if value is PydanticUndefined or value is None or isinstance(value, BaseModel):
        return ""
    if isinstance(value, list | dict) and not value:
        return ""
    return f"  (default {value})"


def settings_problem(exc: ValidationError, prefix: str, flags: Mapping[str, str]) -> str:
    """One sentence naming each missing or bad setting with the flag and the variable that set it."""
    parts: list[str] = []
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"] if not isinstance(p, int))
        if not path:
            parts.append(str(error["msg"]).removeprefix("Value error, "))
            continue
        env = prefix + "__".join(str(p).upper() for p in error["loc"] if not isinstance(p, int))
        where = f"pass {flags[path]} or set {env}" if path in flags else f"set {env}"
        if error["type"] == "missing":
            parts.append(f"{path.replace('_', ' ')} not set ({where})")
        else:
            shown = "" if "password" in path or "secret" in path else f" {error['input']!r}"
            parts.append(f"{path}{shown} is not valid: {error['msg']} ({where})")
    return "; ".join(parts)
