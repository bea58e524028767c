"""Run a custom report: the picked dimensions and measures over counted orders in the scope.

Read from the rollups when the report's shape allows it (:mod:`hub.analytics.report_rollup`), from the
orders (and their lines) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy import Select, select

from hub.analytics import sources as src
from hub.analytics.errors import BadAnalyticsQuery
from hub.analytics.local_days import in_days, orders_with_stores, read_day
from hub.analytics.report_catalogue import DIMENSIONS, MEASURES
from hub.analytics.report_rollup import rollup_report_query
from hub.analytics.scope import Scope
from hub.api_types import RequestModel, StrictInt
from hub.kernel.sql_dialect import AnyConn, prepare

MAX_ROWS = 10_000


class ReportSpec(RequestModel):
    """What to group by, what to count, and which values of a dimension to keep."""

    model_config = ConfigDict(extra="forbid")
    dimensions: list[str] = Field(default_factory=list, max_length=3)
    measures: list[str] = Field(min_length=1, max_length=8)
    filters: dict[str, list[str]] = Field(default_factory=dict, max_length=4)
    """Dimension name -> values kept (store, channel, fulfilment, sku)."""
    sort: str | None = None
    """A picked measure, largest first; default: by the dimensions."""
    limit: StrictInt = Field(default=1000, ge=1, le=MAX_ROWS)


@dataclass(frozen=True)
class ReportResult:
    columns: list[str]
    labels: list[str]
    rows: list[list[Any]]


def _check(spec: ReportSpec) -> bool:
    """Validate against the catalogue; True when the report runs at line grain."""
    for name in spec.dimensions:
        if name not in DIMENSIONS:
            raise BadAnalyticsQuery(f"unknown dimension {name!r}; the catalogue has {sorted(DIMENSIONS)}")
    for name in spec.measures:
        if name not in MEASURES:
            raise BadAnalyticsQuery(f"unknown measure {name!r}; the catalogue has {sorted(MEASURES)}")
    if len(set(spec.dimensions)) != len(spec.dimensions) or len(set(spec.measures)) != len(spec.measures):
        raise BadAnalyticsQuery("a dimension or measure is picked twice")
    for name, values in spec.filters.items():
        if name not in DIMENSIONS or not DIMENSIONS[name].filterable:
            allowed = sorted(n for n, d in DIMENSIONS.items() if d.filterable)
            raise BadAnalyticsQuery(f"cannot filter on {name!r}; filterable: {allowed}")
        if not values or len(values) > 1000:
            raise BadAnalyticsQuery(f"filter {name!r} needs 1 to 1000 values")
    if spec.sort is not None and spec.sort not in spec.measures:
        raise BadAnalyticsQuery(f"sort {spec.sort!r} is not one of the picked measures")
    line_grain = any(DIMENSIONS[d].line_grain for d in [*spec.dimensions, *spec.filters]) or any(
        MEASURES[m].line_grain for m in spec.measures
    )
    if line_grain:
        wrong = [m for m in spec.measures if MEASURES[m].order_sum]
        if wrong:
            raise BadAnalyticsQuery(
                f"{wrong} sum whole orders and cannot be split by product; use line_revenue_fen with sku or quantity"
            )
    return line_grain


def _live_query(conn: AnyConn, scope: Scope, spec: ReportSpec, line_grain: bool) -> Select[Any]:
    """The report's rows from the orders (unsorted, unlimited)."""
    dims = [DIMENSIONS[d].build(conn).label(d) for d in spec.dimensions]
    measures = [MEASURES[m].build(conn).label(m) for m in spec.measures]
    source = orders_with_stores()
    conditions = [in_days(conn, scope)]
    if line_grain:
        source = source.join(src.lines, src.lines.c.order_id == src.orders.c.id)
        conditions.append(src.lines.c.cancelled.is_(False))
    for name, kept in spec.filters.items():
        conditions.append(DIMENSIONS[name].build(conn).in_(kept))
    query = select(*dims, *measures).select_from(source).where(*conditions)
    return query.group_by(*dims) if dims else query


def run_report(conn: AnyConn, scope: Scope, spec: ReportSpec, *, rollups: bool = True) -> ReportResult:
    """The report, from the rollups when they can give it (as fresh as their last refresh) unless told not to."""
    line_grain = _check(spec)
    prepare(conn)
    query = rollup_report_query(conn, scope, spec.dimensions, spec.measures, spec.filters) if rollups else None
    if query is None:
        query = _live_query(conn, scope, spec, line_grain)
    picked = query.selected_columns
    order = [picked[m].desc() for m in spec.measures if m == spec.sort] + [picked[d] for d in spec.dimensions]
    query = query.order_by(*order).limit(spec.limit)
    rows = []
    for row in conn.execute(query):
        values: list[Any] = list(row)
        for i, name in enumerate(spec.dimensions):
            if name == "day" and values[i] is not None:
                values[i] = read_day(values[i]).isoformat()
        for j, name in enumerate(spec.measures, start=len(spec.dimensions)):
            value = values[j]
            values[j] = 0 if value is None else (round(float(value)) if name == "average_order_fen" else int(value))
        rows.append(values)
    columns = [*spec.dimensions, *spec.measures]
    labels = [DIMENSIONS[d].label for d in spec.dimensions] + [MEASURES[m].label for m in spec.measures]
    return ReportResult(columns, labels, rows)
