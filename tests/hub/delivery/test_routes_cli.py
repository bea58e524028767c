"""``brigade-hub routes solve``: JSON anyone can check, checked here independently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hub.delivery.feasibility import check_solomon
from tests.services import missing
from tests.shared_data import SHARED_DATA

VRP = SHARED_DATA / "vrp"


def _solve(*args: str) -> subprocess.CompletedProcess[str]:
    if not VRP.exists():
        missing(f"benchmark instances not found in {VRP}")
    return subprocess.run(
        [sys.executable, "-m", "hub", "routes", "solve", *args], capture_output=True, text=True, timeout=120
    )


def test_solomon_instance_prints_routes_that_hold_under_exact_euclidean_times() -> None:
    done = _solve(str(VRP / "RC101.txt"), "--format", "solomon", "--seconds", "2")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["constraints_hold_exact"] is True and result["convention"] == "exact"
    assert check_solomon((VRP / "RC101.txt").read_text(), result["routes"]) == []
    assert result["vehicles"] == len(result["routes"]) <= 25
    assert result["distance"] == pytest.approx(result["distance_exact"])


def test_cvrplib_instance() -> None:
    done = _solve(str(VRP / "A-n32-k5.vrp"), "--format", "cvrplib", "--seconds", "1")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["convention"] == "cvrplib"
    assert sorted(c for route in result["routes"] for c in route) == list(range(2, 33))
    assert result["distance"] == int(result["distance"]) and result["distance"] <= 784 * 1.03


def test_a_file_in_the_wrong_format_is_an_error_not_a_crash(tmp_path: Path) -> None:
    bogus = tmp_path / "x.txt"
    bogus.write_text("hello\n", encoding="utf-8")
    done = _solve(str(bogus), "--format", "solomon", "--seconds", "0.1")
    assert done.returncode == 2
    assert "not a Solomon instance" in done.stderr
