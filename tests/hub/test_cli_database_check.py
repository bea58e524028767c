"""``brigade-hub`` on a machine with no database, or an unmigrated one: one sentence saying to run
``brigade-hub migrate``, no traceback, no empty database left behind."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

HUB = str(Path(sys.executable).parent / "brigade-hub")


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BRIGADE_")}
    return subprocess.run([HUB, *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_a_command_without_a_database_says_run_migrate_and_creates_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, "crm", "recompute")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "run `brigade-hub migrate`" in lines[0], result.stderr
    assert "var/brigade.sqlite3" in lines[0]
    assert not (tmp_path / "var" / "brigade.sqlite3").exists(), "no empty database left behind"


def test_an_unmigrated_database_says_run_migrate_and_help_still_works(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    sqlite3.connect(tmp_path / "var" / "old.sqlite3").close()
    url = "sqlite:///var/old.sqlite3"
    result = run(tmp_path, "create-device", "kds-1", "kds", BRIGADE_DATABASE_URL=url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"brigade-hub: the database {url} has no schema yet: run `brigade-hub migrate`"
    assert "Usage" in run(tmp_path, "crm", "recompute", "--help", BRIGADE_DATABASE_URL=url).stdout

    assert run(tmp_path, "migrate", BRIGADE_DATABASE_URL=url).returncode == 0
    done = run(tmp_path, "crm", "recompute", BRIGADE_DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scored"] == 0
