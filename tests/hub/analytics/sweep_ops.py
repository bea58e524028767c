"""Analytics operations in the role sweep (``tests/hub/role_sweep_ops.py`` imports this)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.hub.role_sweep_ops import MANAGERS, OPERATORS, STAFF, Call, op

if TYPE_CHECKING:
    from tests.hub.test_role_sweep import Sweep

# Analytics (issue 12): figures of one store; a store manager asking for another store's is refused (403).
ANALYTICS_OPS = MANAGERS | {"finance"}
CHURN_FITTERS = OPERATORS | {"marketer"}


def _analytics(path: str) -> Callable[[Sweep, str, str, bool], Call]:
    def build(s: Sweep, side: str, role: str, fresh: bool) -> Call:
        return Call("GET", path, params={"store_id": s.store(side)})

    return build


for _path in ("sales", "customers", "cohorts", "products", "areas", "campaigns", "renewals"):
    op("GET", f"/analytics/{_path}", STAFF, other=403)(_analytics(f"/analytics/{_path}"))
for _path in ("riders", "kitchen", "sla"):
    op("GET", f"/analytics/{_path}", ANALYTICS_OPS, other=403)(_analytics(f"/analytics/{_path}"))


@op("GET", "/analytics/catalogue", STAFF, scoped=False)
def _analytics_catalogue(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/analytics/catalogue")


@op("POST", "/analytics/report", STAFF, other=403)
def _analytics_report(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    spec = {"dimensions": ["store", "day"], "measures": ["orders", "revenue_fen"]}
    return Call("POST", "/analytics/report", json=spec, params={"store_id": s.store(side), "format": "csv"})


@op("POST", "/analytics/churn/fit", CHURN_FITTERS, scoped=False, ok=frozenset({201, 422}))
def _churn_fit(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/analytics/churn/fit", json={})


@op("GET", "/analytics/churn/fit", STAFF, scoped=False, ok=frozenset({200, 404}))
def _churn_latest(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/analytics/churn/fit")


@op("GET", "/analytics/churn/customers", STAFF, scoped=False)
def _churn_customers(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("GET", "/analytics/churn/customers")


@op("POST", "/analytics/sales/refresh", OPERATORS, scoped=False)
def _refresh_sales(s: Sweep, side: str, role: str, fresh: bool) -> Call:
    return Call("POST", "/analytics/sales/refresh")
