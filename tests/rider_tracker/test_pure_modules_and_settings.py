"""The rules stay pure (no framework imports), and the settings read the environment as documented."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import rider_tracker
from rider_tracker.settings import RiderSettings

PURE = ("fix", "geo", "fix_validity", "throttle", "batching", "route_board", "delivery_reports")
ALLOWED = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "math",
    "re",
    "typing",
    "pydantic",
    "contracts",
    "rider_tracker",
}


@pytest.mark.parametrize("module", PURE)
def test_rule_modules_import_no_framework(module: str) -> None:
    source = Path(rider_tracker.__file__).parent / f"{module}.py"
    tree = ast.parse(source.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= ALLOWED, imported - ALLOWED
    own = {
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("rider_tracker")
    }
    assert all(m.split(".")[1] in (*PURE, "errors") for m in own), own


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIGADE_RIDER_RIDER_ID", "r-7")
    monkeypatch.setenv("BRIGADE_RIDER_SOURCE", "nmea")
    monkeypatch.setenv("BRIGADE_RIDER_SERIAL__PORT", "/dev/ttyACM0")
    monkeypatch.setenv("BRIGADE_RIDER_MQTT__HOST", "broker.local")
    monkeypatch.setenv("BRIGADE_RIDER_THROTTLE__MOVING_INTERVAL_S", "3")
    monkeypatch.setenv("BRIGADE_RIDER_VALIDITY__CLOCK_TRUSTED", "false")
    settings = RiderSettings()
    assert settings.unit_id == "r-7"
    assert settings.serial.port == "/dev/ttyACM0"
    assert settings.mqtt.host == "broker.local"
    assert settings.throttle.rules().moving_interval_s == 3
    assert settings.validity.rules().clock_trusted is False
    assert settings.batching.rules().slow_max_positions == 300


def test_bad_settings_exit_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rider_tracker", "--headless"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "BRIGADE_RIDER_RIDER_ID": "has space"},
    )
    assert done.returncode == 2
    assert done.stderr.startswith("brigade-rider: rider_id 'has space' is not valid")
    assert "(pass --rider or set BRIGADE_RIDER_RIDER_ID)" in done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1, "one sentence"
