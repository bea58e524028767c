"""Every process can be set up from its ``--help``: the essentials as flags, every environment variable
listed, and a missing or bad setting answered in one sentence naming the flag and the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BRIGADE_")}
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        env={**clean, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("command", "flags", "variables"),
    [
        (
            ["brigade-rider", "--help"],
            ["--rider", "--source", "--file", "--serial-port", "--host", "--port", "--username", "--password"],
            [
                "BRIGADE_RIDER_RIDER_ID",
                "BRIGADE_RIDER_SOURCE",
                "BRIGADE_RIDER_REPLAY__PATH",
                "BRIGADE_RIDER_MQTT__HOST",
            ],
        ),
        (
            ["brigade-edge", "run", "--help"],
            ["--config", "--store", "--device-id", "--host", "--port", "--username", "--password"],
            ["BRIGADE_EDGE_STORE_ID", "BRIGADE_EDGE_PRINTERS", "BRIGADE_EDGE_MQTT__PASSWORD"],
        ),
        (
            ["brigade-kds", "--help"],
            ["--store", "--station", "--host", "--port", "--username", "--password"],
            ["BRIGADE_KDS_STORE_ID", "BRIGADE_KDS_STATIONS", "BRIGADE_KDS_MQTT__USERNAME"],
        ),
        (
            ["brigade-hub", "serve", "--help"],
            ["--database-url", "--mqtt-host", "--mqtt-port", "--mqtt-username", "--mqtt-password"],
            ["BRIGADE_DATABASE_URL", "BRIGADE_MQTT__HOST", "BRIGADE_SECRET_KEY"],
        ),
    ],
)
def test_help_lists_the_flags_and_the_environment(command: list[str], flags: list[str], variables: list[str]) -> None:
    result = run(*command)
    assert result.returncode == 0, result.stderr
    assert "settings.py" not in result.stdout
    for word in flags + variables:
        assert word in result.stdout, f"{word} missing from {' '.join(command)}:\n{result.stdout}"


@pytest.mark.parametrize(
    ("command", "env", "sentence"),
    [
        (["brigade-rider"], {}, "brigade-rider: rider id not set (pass --rider or set BRIGADE_RIDER_RIDER_ID)."),
        (["brigade-edge"], {}, "brigade-edge: store id not set (pass --store or set BRIGADE_EDGE_STORE_ID)."),
        (
            ["brigade-kds", "--store", "s1"],
            {},
            "brigade-kds: stations not set (pass --station or set BRIGADE_KDS_STATIONS).",
        ),
        (
            ["brigade-rider", "--rider", "r-007"],
            {"BRIGADE_RIDER_MQTT__PORT": "eighty"},
            "brigade-rider: mqtt.port 'eighty' is not valid: Input should be a valid integer, unable to parse string "
            "as an integer (pass --port or set BRIGADE_RIDER_MQTT__PORT).",
        ),
        (
            ["brigade-hub", "serve"],
            {"BRIGADE_MQTT__KEEPALIVE_S": "1"},
            "brigade-hub: mqtt.keepalive_s '1' is not valid: Input should be greater than or equal to 5 "
            "(set BRIGADE_MQTT__KEEPALIVE_S).",
        ),
    ],
)
def test_a_missing_or_bad_setting_is_one_sentence(command: list[str], env: dict[str, str], sentence: str) -> None:
    result = run(*command, **env)
    assert result.returncode == 2
    assert result.stderr.strip() == sentence, result.stderr


def test_edge_flags_go_over_the_config_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edge_agent.main import parse_arguments, settings_from

    config = tmp_path / "store.json"
    printers = [{"id": "wok-p", "connection": "tcp://127.0.0.1:9100", "station": "wok"}]
    config.write_text(json.dumps({"store_id": "sh-001", "printers": printers, "mqtt": {"host": "10.0.0.9"}}))
    monkeypatch.setenv("BRIGADE_EDGE_MQTT__USERNAME", "edge-sh-001")
    settings = settings_from(parse_arguments(["--config", str(config), "--port", "1884", "--device-id", "edge-a"]))
    assert (settings.store_id, settings.device_id, [p.id for p in settings.printers]) == ("sh-001", "edge-a", ["wok-p"])
    assert (settings.mqtt.host, settings.mqtt.port, settings.mqtt.username) == ("10.0.0.9", 1884, "edge-sh-001")


def test_rider_flags_set_the_source_file_and_broker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from rider_tracker.main import settings_from

    monkeypatch.setenv("BRIGADE_RIDER_MQTT__PASSWORD", "from-the-environment")
    log = tmp_path / "ride.nmea"
    settings, headless = settings_from(
        ["--rider", "r-007", "--source", "replay", "--file", str(log), "--host", "mqtt.local", "--headless"]
    )
    assert (settings.rider_id, settings.source, settings.replay.path, headless) == ("r-007", "replay", log, True)
    assert settings.mqtt.host == "mqtt.local" and settings.mqtt.password is not None
    assert settings.mqtt.password.get_secret_value() == "from-the-environment"
