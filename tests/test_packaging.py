"""Each process installs only what it needs: a Raspberry Pi's `.[edge]` pulls no web or solver stack."""

from __future__ import annotations

import contextlib
import re
import tomllib
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import pytest

PYPROJECT = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
EXTRAS: dict[str, list[str]] = PYPROJECT["project"]["optional-dependencies"]
HUB_ONLY = {"fastapi", "sqlmodel", "sqlalchemy", "pyvrp", "alembic", "uvicorn", "starlette", "psycopg"}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(extra: str) -> set[str]:
    """Every distribution an extra pulls in, following our own extras and installed metadata."""
    todo = [r for r in EXTRAS[extra] + PYPROJECT["project"]["dependencies"]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        if "extra ==" in req:
            continue
        name = _name(req)
        if name == "brigade":
            inner = re.search(r"\[(.*)\]", req)
            for sub in inner.group(1).split(",") if inner else []:
                todo.extend(EXTRAS[sub.strip()])
            continue
        if name in seen:
            continue
        seen.add(name)
        with contextlib.suppress(PackageNotFoundError):  # not installed here: nothing more to follow
            todo.extend(r for r in requires(name) or [] if "extra ==" not in r)
    return seen


@pytest.mark.parametrize("extra", ["edge", "kds", "rider", "console"])
def test_device_extras_pull_no_hub_stack(extra: str) -> None:
    assert _closure(extra) & HUB_ONLY == set()


def test_textual_is_pinned_for_snapshot_tests() -> None:
    assert "textual==8.2.8" in EXTRAS["kds"]
    assert "syrupy==4.8.0" in EXTRAS["dev"]


def test_the_check_sees_the_hub_stack_where_it_is() -> None:
    assert {"fastapi", "sqlmodel", "pyvrp", "starlette"} <= _closure("hub")


def test_the_package_builds_without_deprecation_warnings(tmp_path: Path) -> None:
    """The licence is an SPDX expression (setuptools >= 77), so building warns about nothing."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).parent.parent
    source = tmp_path / "src"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    for name in tracked.decode().split("\0"):
        if name and (root / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((root / name).read_bytes())
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    output = build.stdout + build.stderr
    assert "deprecated" not in output.lower(), output[-3000:]
    [wheel] = (tmp_path / "dist").glob("brigade-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("METADATA"))
    assert "License-Expression: Apache-2.0" in metadata
