"""RFM scores, segment, lifecycle and tier for every customer, in the database.

One query finds the quantile boundaries (``percentile_disc`` on PostgreSQL, ``OFFSET`` picks
on SQLite); one UPDATE then scores every row from its own figures and writes only the rows
whose result changed. The boundaries are kept, so a customer who just ordered can be scored
alone between two full runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, DateTime, Float, case, func, literal, or_, select, type_coerce, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.business_days import days_ago_start, not_since
from hub.crm.config import CrmConfig
from hub.crm.segments import MEMBER_TIER, SEGMENT_GRID, Lifecycle, Segment
from hub.crm.sql_dialect import execute_count, is_postgres
from hub.crm.stats_tables import CustomerStats
from hub.db_types import UTCDateTime

stats = CustomerStats.__table__  # type: ignore[attr-defined]

METRICS = {
    "recency": stats.c.last_order_at,
    "frequency": stats.c.window_orders,
    "monetary": stats.c.window_spend_fen,
}


def quantiles_for(bins: int) -> list[float]:
    """Boundaries needed for ``bins`` bins and for the quintiles of the segment map."""
    wanted = {round(i / bins, 6) for i in range(1, bins)} | {round(i / 5, 6) for i in range(1, 5)}
    return sorted(wanted)


def compute_boundaries(conn: Connection | Session, quantiles: list[float]) -> dict[str, list[Any]]:
    """For each metric, the value at each quantile over customers with at least one order."""
    found: dict[str, list[Any]] = {name: [] for name in METRICS}
    if is_postgres(conn):
        wanted = postgresql.array([literal(q, Float) for q in quantiles])
        row = conn.execute(
            select(
                *[
                    type_coerce(
                        func.percentile_disc(wanted).within_group(col),
                        postgresql.ARRAY(DateTime(timezone=True) if name == "recency" else BigInteger),
                    ).label(name)
                    for name, col in METRICS.items()
                ]
            ).where(stats.c.orders_count > 0)
        ).one()
        found = {name: list(getattr(row, name) or []) for name in METRICS}
    else:
        count = conn.execute(select(func.count()).where(stats.c.orders_count > 0)).scalar_one()
        if count:
            for name, col in METRICS.items():
                for q in quantiles:
                    offset = max(0, min(count - 1, _ceil(q * count) - 1))
                    value = conn.execute(
                        select(col).where(stats.c.orders_count > 0).order_by(col).limit(1).offset(offset)
                    ).scalar_one()
                    found[name].append(value)
    if found["recency"] and isinstance(found["recency"][0], datetime):
        found["recency"] = [v.astimezone(UTC) if v.tzinfo else v.replace(tzinfo=UTC) for v in found["recency"]]
    return found


def _ceil(value: float) -> int:
    whole = int(value)
    return whole if whole >= value - 1e-9 else whole + 1


def _score(col: Any, boundaries: list[Any], bins: int, quantiles: list[float], is_time: bool) -> ColumnElement[int]:
    """1 + the number of the bins' boundaries strictly below the value."""
    picked = [boundaries[quantiles.index(round(i / bins, 6))] for i in range(1, bins)] if boundaries else []
    total: ColumnElement[int] = literal(1)
    for b in picked:
        bound = literal(b, UTCDateTime) if is_time else literal(int(b))
        total = total + case((col > bound, 1), else_=0)
    return total


def _per_zone(instants: dict[str, datetime], default: datetime) -> ColumnElement[datetime]:
    cases = {tz: literal(at, UTCDateTime) for tz, at in instants.items()}
    if not cases:
        return literal(default, UTCDateTime)
    return case(cases, value=stats.c.timezone, else_=literal(default, UTCDateTime))


def scored_values(
    *, now: datetime, config: CrmConfig, boundaries: dict[str, list[Any]], timezones: Sequence[str], default_tz: str
) -> dict[str, ColumnElement[Any]]:
    quantiles = quantiles_for(config.rfm_bins)
    has_orders = stats.c.orders_count > 0

    def score(name: str, bins: int) -> ColumnElement[int]:
        col = METRICS[name]
        return _score(col, boundaries.get(name, []), bins, quantiles, name == "recency")

    r5, f5, m5 = score("recency", 5), score("frequency", 5), score("monetary", 5)
    cell = r5 * 10 + (f5 + m5 + 1) // 2
    segment_cases = {r * 10 + fm: SEGMENT_GRID[r][fm - 1].value for r in range(1, 6) for fm in range(1, 6)}
    zones = sorted({*timezones, default_tz})
    churned = _per_zone({tz: not_since(now, tz, config.churned_days) for tz in zones}, now)
    dormant = _per_zone({tz: not_since(now, tz, config.dormant_days) for tz in zones}, now)
    new_since = _per_zone({tz: days_ago_start(now, tz, config.new_days - 1) for tz in zones}, now)
    tier: ColumnElement[str] = literal(MEMBER_TIER)
    for rule in config.tiers:  # increasing thresholds: the last one reached wins
        tier = case((stats.c.window_spend_fen >= rule.threshold_fen, rule.code), else_=tier)
    return {
        "r_score": case((has_orders, score("recency", config.rfm_bins)), else_=None),
        "f_score": case((has_orders, score("frequency", config.rfm_bins)), else_=None),
        "m_score": case((has_orders, score("monetary", config.rfm_bins)), else_=None),
        "segment": case(
            (has_orders, case(segment_cases, value=cell, else_=Segment.PROSPECT.value)),
            else_=Segment.PROSPECT.value,
        ),
        "lifecycle": case(
            (~has_orders, Lifecycle.PROSPECT.value),
            (stats.c.last_order_at < churned, Lifecycle.CHURNED.value),
            (stats.c.last_order_at < dormant, Lifecycle.DORMANT.value),
            ((stats.c.orders_count == 1) & (stats.c.first_order_at >= new_since), Lifecycle.NEW.value),
            else_=Lifecycle.ACTIVE.value,
        ),
        "tier": tier,
    }


def apply_scores(
    conn: Connection | Session,
    *,
    now: datetime,
    config: CrmConfig,
    boundaries: dict[str, list[Any]],
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
        statement = statement.where(stats.c.customer_id.in_(sorted(set(only))))
    return execute_count(conn, statement)
