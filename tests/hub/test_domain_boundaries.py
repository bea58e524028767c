"""The hub's domain boundaries, read from the imports (grimp, as import-linter reads them).

Every domain reaches another only through its ``api`` module, no domain takes part in a cycle, and the
kernel imports no domain. A new folder under ``hub/`` is a domain too: it must be listed here, so it
is checked from its first import.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import grimp
import pytest

PLATFORM = frozenset({"kernel", "outbox", "audit", "migrations"})
"""Shared infrastructure every domain may use directly."""
DOMAINS = frozenset(
    {
        "analytics",
        "auth",
        "billing",
        "bridge",
        "crm",
        "customer360",
        "customers",
        "delivery",
        "devices",
        "kitchen",
        "loyalty",
        "marketing",
        "notifications",
        "orders",
        "service",
        "stores",
        "subscriptions",
    }
)

Edges = dict[str, set[tuple[str, str]]]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("hub")


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "hub" else None


def _edges(graph: grimp.ImportGraph) -> Edges:
    edges: Edges = defaultdict(set)
    for module in graph.modules:
        source = _domain(module)
        if source is None:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            target = _domain(imported)
            if target is not None and target != source:
                edges[source].add((module, imported))
    return edges


def _cycles(edges: Edges) -> list[set[str]]:
    adjacent = {d: {_domain(i) or "" for _, i in pairs} for d, pairs in edges.items()}
    reach: dict[str, set[str]] = {}
    for start in adjacent:
        seen, todo = set(), [start]
        while todo:
            for nxt in adjacent.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    cycles: list[set[str]] = []
    for d in sorted(adjacent):
        group = {d} | {o for o in reach[d] if d in reach.get(o, set())}
        if d in reach[d] and group not in cycles:
            cycles.append(group)
    return cycles


def _violations(edges: Edges) -> list[str]:
    found = [f"{module} -> {imported}" for module, imported in sorted(edges.get("kernel", ()))]
    found += [
        f"{module} -> {imported}"
        for source in sorted(edges)
        if source not in PLATFORM
        for module, imported in sorted(edges.get(source, ()))
        if _domain(imported) not in PLATFORM and not imported.endswith(".api")
    ]
    for cycle in _cycles(edges):
        found.append(f"a cycle: {sorted(cycle)}")
    return found


def test_domains_use_public_apis_and_form_no_cycle(graph: grimp.ImportGraph) -> None:
    assert _violations(_edges(graph)) == []


def test_every_folder_of_the_hub_is_a_listed_domain_or_platform() -> None:
    folders = {p.parent.name for p in (Path(__file__).parents[2] / "hub").glob("*/__init__.py")}
    assert folders == DOMAINS | PLATFORM


def test_the_check_catches_a_back_import_and_a_new_cycle(graph: grimp.ImportGraph) -> None:
    edges = _edges(graph)
    edges["analytics"].add(("hub.analytics.router", "hub.orders.tables"))  # past the public API
    edges["billing"].add(("hub.billing.ledger", "hub.subscriptions.api"))  # billing <-> subscriptions
    edges["kernel"].add(("hub.kernel.roles", "hub.crm.api"))  # the kernel reaching up
    edges["orders"].add(("hub.orders.service", "hub.marketing.api"))  # the old knot: orders <-> marketing
    found = _violations(edges)
    assert "hub.analytics.router -> hub.orders.tables" in found
    assert "hub.kernel.roles -> hub.crm.api" in found
    assert "a cycle: ['billing', 'subscriptions']" in found, found
    assert any(f.startswith("a cycle:") and "'orders'" in f and "'marketing'" in f for f in found), found


def _layers_contract(root: Path) -> str:
    """The ``layers`` contract of pyproject.toml, alone, in a config for a copy of the hub (JSON
    strings and lists are TOML too)."""
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    lines = ["[tool.importlinter]", 'root_packages = ["hub"]', "", "[[tool.importlinter.contracts]]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in layers.items()]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("back_import", [None, "from hub.marketing.api import redeem_at_placement\n"])
def test_the_import_linter_layers_fail_when_a_cycle_is_added_back(tmp_path: Path, back_import: str | None) -> None:
    """What CI runs (``make check`` -> lint-imports), on a copy of the hub: kept as it is, broken by
    the import that made orders and marketing one knot."""
    root = Path(__file__).parents[2]
    shutil.copytree(root / "hub", tmp_path / "hub", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "importlinter.toml").write_text(_layers_contract(root))
    if back_import is not None:
        service = tmp_path / "hub" / "orders" / "service.py"
        service.write_text(
            service.read_text().replace(
                "from __future__ import annotations\n", f"from __future__ import annotations\n\n{back_import}", 1
            )
        )
    linter = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(linter), "--config", "importlinter.toml", "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if back_import is None:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "the hub's domains form layers, no cycle KEPT" in run.stdout
    else:
        assert run.returncode != 0
        assert "hub.orders is not allowed to import hub.marketing" in run.stdout, run.stdout
