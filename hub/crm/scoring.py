"""RFM scores, segment, lifecycle and tier for every customer, in the database.

R comes from fixed thresholds on the local days since the last order (``CrmConfig.recency_days``).
F (purchase days in the window) and M (spend in the window) are quantile scores within the
customer's scoring population (their home store's group), over the customers who bought in the
window: one query finds each population's quantile boundaries (``percentile_disc`` on PostgreSQL;
the sorted values on SQLite), one UPDATE then scores every row from its own figures and writes
only the rows whose result changed. The boundaries are kept, so a customer who just ordered can
be scored alone between two full runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Float, case, func, literal, or_, select, type_coerce, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.config import CrmConfig
from hub.crm.segments import MEMBER_TIER, SEGMENT_GRID, Lifecycle, Segment, distinct_bounds
from hub.crm.stats_tables import CustomerStats
from hub.db_types import UTCDateTime
from hub.kernel.business_days import days_ago_start, not_since
from hub.kernel.sql_dialect import execute_count, is_postgres, one_of

stats = CustomerStats.__table__  # type: ignore[attr-defined]

METRICS = {
    "frequency": stats.c.window_purchase_days,
    "monetary": stats.c.window_spend_fen,
}
IN_POPULATION = stats.c.window_purchase_days > 0
"""F and M rank the customers who bought in the window; the others score 1 and 1."""


@dataclass
class Boundaries:
    """Per scoring group: the F and M values at each quantile, and how many customers were ranked."""

    quantiles: list[float]
    groups: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    population: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"quantiles": self.quantiles, "groups": self.groups, "population": self.population}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Boundaries | None:
        if not isinstance(raw.get("groups"), dict) or not isinstance(raw.get("quantiles"), list):
            return None  # the old layout (recency quantiles): not usable
        return cls(
            quantiles=[float(q) for q in raw["quantiles"]],
            groups={g: {m: [int(v) for v in vs] for m, vs in ms.items()} for g, ms in raw["groups"].items()},
            population={g: int(n) for g, n in (raw.get("population") or {}).items()},
        )

    def total(self) -> int:
        return sum(self.population.values())


def quantiles_for(bins: int) -> list[float]:
    """Boundaries needed for ``bins`` bins and for the quintiles of the segment map."""
    wanted = {round(i / bins, 6) for i in range(1, bins)} | {round(i / 5, 6) for i in range(1, 5)}
    return sorted(wanted)


def _pick(ordered: Sequence[int], quantiles: list[float]) -> list[int]:
    """percentile_disc: the first value whose cumulative share reaches q."""
    n = len(ordered)
    return [int(ordered[max(0, min(n - 1, _ceil(q * n) - 1))]) for q in quantiles]


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if whole >= value - 1e-9 else whole + 1


def compute_boundaries(conn: Connection | Session, quantiles: list[float]) -> Boundaries:
    """For each scoring group and metric, the value at each quantile over the customers who bought in the window."""
    found = Boundaries(quantiles)
    group = stats.c.scoring_group
    if is_postgres(conn):
        wanted = postgresql.array([literal(q, Float) for q in quantiles])
        rows = conn.execute(
            select(
                group,
                func.count().label("n"),
                *[
                    type_coerce(func.percentile_disc(wanted).within_group(col), postgresql.ARRAY(BigInteger)).label(
                        name
                    )
                    for name, col in METRICS.items()
                ],
            )
            .where(IN_POPULATION)
            .group_by(group)
        ).all()
        for row in rows:
            found.population[row.scoring_group] = int(row.n)
            found.groups[row.scoring_group] = {name: [int(v) for v in getattr(row, name)] for name in METRICS}
        return found
    groups = sorted(conn.execute(select(group).where(IN_POPULATION).distinct()).scalars())
    for name in groups:
        found.groups[name] = {}
        for metric, col in METRICS.items():
            ordered = list(conn.execute(select(col).where(IN_POPULATION, group == name).order_by(col)).scalars())
            found.population[name] = len(ordered)
            found.groups[name][metric] = _pick(ordered, quantiles)
    return found


def _bins(boundaries: Boundaries, group: str, metric: str, bins: int) -> list[int]:
    values = boundaries.groups.get(group, {}).get(metric)
    if not values:
        return []
    return distinct_bounds([values[boundaries.quantiles.index(round(i / bins, 6))] for i in range(1, bins)])


def _score(metric: str, boundaries: Boundaries, bins: int) -> ColumnElement[int]:
    """1 + the number of distinct bin boundaries below the value, in the customer's own group.

    Tied values share a bin and no bin is skipped: a value tied with several boundaries moves up one.
    """
    col = METRICS[metric]

    def within(group: str) -> ColumnElement[int]:
        total: ColumnElement[int] = literal(1)
        for bound in _bins(boundaries, group, metric, bins):
            total = total + case((col > literal(bound), 1), else_=0)
        return total

    groups = sorted(boundaries.groups)
    if not groups:
        score: ColumnElement[int] = literal(1)
    elif len(groups) == 1:
        score = case((stats.c.scoring_group == groups[0], within(groups[0])), else_=literal(1))
    else:
        score = case(*[(stats.c.scoring_group == g, within(g)) for g in groups], else_=literal(1))
    # one purchase day (or none in the window) is the lowest frequency, whatever the population looks like
    floor = stats.c.window_purchase_days <= 1 if metric == "frequency" else ~IN_POPULATION
    return case((floor, 1), else_=score)


def _per_zone(instants: dict[str, datetime], default: datetime) -> ColumnElement[datetime]:
    cases = {tz: literal(at, UTCDateTime) for tz, at in instants.items()}
    if not cases:
        return literal(default, UTCDateTime)
    return case(cases, value=stats.c.timezone, else_=literal(default, UTCDateTime))


def _recency(now: datetime, config: CrmConfig, zones: list[str]) -> ColumnElement[int]:
    """5 minus the recency thresholds the last order is at least as old as (in local days)."""
    total: ColumnElement[int] = literal(5)
    for days in config.recency_days:
        older = _per_zone({tz: not_since(now, tz, days) for tz in zones}, now)
        total = total - case((stats.c.last_order_at < older, 1), else_=0)
    return total


def scored_values(
    *, now: datetime, config: CrmConfig, boundaries: Boundaries, timezones: Sequence[str], default_tz: str
) -> dict[str, ColumnElement[Any]]:
    has_orders = stats.c.orders_count > 0
    zones = sorted({*timezones, default_tz})
    r = _recency(now, config, zones)
    f5, m5 = _score("frequency", boundaries, 5), _score("monetary", boundaries, 5)
    cell = r * 10 + (f5 + m5 + 1) // 2
    segment_cases: dict[int, Any] = {
        r * 10 + fm: SEGMENT_GRID[r][fm - 1].value for r in range(1, 6) for fm in range(1, 6)
    }
    # R5 FM1: a first-time buyer is new; one coming back after a long time is promising
    segment_cases[51] = case((stats.c.purchase_days <= 1, Segment.NEW.value), else_=Segment.PROMISING.value)
    churned = _per_zone({tz: not_since(now, tz, config.churned_days) for tz in zones}, now)
    dormant = _per_zone({tz: not_since(now, tz, config.dormant_days) for tz in zones}, now)
    new_since = _per_zone({tz: days_ago_start(now, tz, config.new_days - 1) for tz in zones}, now)
    tier: ColumnElement[str] = literal(MEMBER_TIER)
    for rule in config.tiers:  # increasing thresholds: the last one reached wins
        tier = case((stats.c.window_spend_fen >= rule.threshold_fen, rule.code), else_=tier)
    return {
        "r_score": case((has_orders, r), else_=None),
        "f_score": case((has_orders, _score("frequency", boundaries, config.rfm_bins)), else_=None),
        "m_score": case((has_orders, _score("monetary", boundaries, config.rfm_bins)), else_=None),
        "segment": case(
            (has_orders, case(segment_cases, value=cell, else_=Segment.PROSPECT.value)),
            else_=Segment.PROSPECT.value,
        ),
        "lifecycle": case(
            (~has_orders, Lifecycle.PROSPECT.value),
            (stats.c.last_order_at < churned, Lifecycle.CHURNED.value),
            (stats.c.last_order_at < dormant, Lifecycle.DORMANT.value),
            ((stats.c.purchase_days == 1) & (stats.c.first_order_at >= new_since), Lifecycle.NEW.value),
            else_=Lifecycle.ACTIVE.value,
        ),
        "tier": tier,
    }


def apply_scores(
    conn: Connection | Session,
    *,
    now: datetime,
    config: CrmConfig,
    boundaries: Boundaries,
    timezones: Sequence[str],
    default_tz: str,
    only: Sequence[str] | None = None,
) -> int:
    """Score these customers (None: everyone); only rows whose result changed are written."""
    values = scored_values(now=now, config=config, boundaries=boundaries, timezones=timezones, default_tz=default_tz)
    changed = or_(*[stats.c[k].is_distinct_from(v) for k, v in values.items()])
    statement = update(stats).where(changed).values({**values, "scored_at": literal(now, UTCDateTime)})
    if only is not None:
        if not only:
            return 0
        statement = statement.where(one_of(conn, stats.c.customer_id, sorted(set(only))))
    return execute_count(conn, statement)
