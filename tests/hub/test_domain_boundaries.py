"""The hub's domain boundaries, read from the imports (grimp, as import-linter reads them).

The domains outside the knot (``CLEAN``: those written since the boundaries were drawn, and the older
ones cut out of it) reach other domains only through their ``api`` modules, take no part in any cycle,
and the kernel imports no domain. The older domains still form one knot (``KNOT``); it may shrink,
never grow or take in a domain.
"""

from __future__ import annotations

from collections import defaultdict

import grimp
import pytest

PLATFORM = frozenset({"kernel", "outbox", "audit", "migrations"})
"""Shared infrastructure every domain may use directly."""
CLEAN = frozenset(
    {
        "analytics",
        "auth",
        "billing",
        "bridge",
        "customer360",
        "delivery",
        "devices",
        "kitchen",
        "service",
        "stores",
        "subscriptions",
    }
)
KNOT = frozenset(
    {
        "crm",
        "loyalty",
        "marketing",
        "notifications",
        "orders",
    }
)
"""The older domains' cycle, as it stands (hub/README.md says how to cut it)."""

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
        for source in sorted(CLEAN)
        for module, imported in sorted(edges.get(source, ()))
        if _domain(imported) not in PLATFORM and not imported.endswith(".api")
    ]
    for cycle in _cycles(edges):
        if not cycle <= KNOT:
            found.append(f"a cycle takes in {sorted(cycle - KNOT)}: {sorted(cycle)}")
    return found


def test_new_domains_use_public_apis_and_nothing_grows_the_knot(graph: grimp.ImportGraph) -> None:
    assert _violations(_edges(graph)) == []


def test_the_check_catches_a_back_import_and_a_new_cycle(graph: grimp.ImportGraph) -> None:
    edges = _edges(graph)
    edges["analytics"].add(("hub.analytics.router", "hub.orders.tables"))  # past the public API
    edges["billing"].add(("hub.billing.ledger", "hub.subscriptions.api"))  # billing <-> subscriptions
    edges["kernel"].add(("hub.kernel.roles", "hub.crm.api"))  # the kernel reaching up
    found = _violations(edges)
    assert "hub.analytics.router -> hub.orders.tables" in found
    assert "hub.kernel.roles -> hub.crm.api" in found
    assert any("a cycle takes in" in f and "billing" in f for f in found), found
