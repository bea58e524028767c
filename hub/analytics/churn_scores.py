"""Fit the churn models on every customer's purchase days and store each customer's scores.

Purchase days are counted orders' local days in their store's zone, amounts added up per day.
A repeat customer (two or more purchase days) whose P(alive) falls under the threshold is at
risk and carries the CRM tag ``churn_risk`` (source ``churn``), which marketing rules target
with ``audience.tags_any = ["churn_risk"]``. Each fit replaces the scores and those tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import delete, func, insert, select

from hub.analytics import sources as src
from hub.analytics.churn_model import ModelFitError, fit_bgnbd, fit_gamma_gamma, summarise
from hub.analytics.errors import BadAnalyticsQuery
from hub.analytics.local_days import counted, order_day, orders_with_stores, read_day
from hub.analytics.tables import ChurnFit, ChurnScore
from hub.kernel.sql_dialect import AnyConn, insert_for, prepare

AT_RISK_TAG = "churn_risk"
TAG_SOURCE = "churn"
WEEKS_30, WEEKS_90 = 30 / 7, 90 / 7
scores = ChurnScore.__table__  # type: ignore[attr-defined]
fits = ChurnFit.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FitRequest:
    as_of: date
    at_risk_below: float = 0.5


def purchase_days(conn: AnyConn, as_of: date) -> dict[str, list[tuple[date, int]]]:
    prepare(conn)
    day = order_day(conn).label("day")
    query = (
        select(src.orders.c.customer_id, day, func.sum(src.orders.c.total_fen))
        .select_from(orders_with_stores())
        .where(counted(), src.orders.c.customer_id.is_not(None))
        .group_by(src.orders.c.customer_id, day)
    )
    out: dict[str, list[tuple[date, int]]] = {}
    for customer, d, amount in conn.execute(query):
        when = read_day(d)
        if when <= as_of:
            out.setdefault(customer, []).append((when, int(amount or 0)))
    return out


def fit_and_store(conn: AnyConn, request: FitRequest, *, now: datetime) -> ChurnFit:
    """Fit, replace every score and every ``churn_risk`` tag of source churn. The caller commits."""
    history = purchase_days(conn, request.as_of)
    summary = summarise(history, calibration_end=request.as_of)
    try:
        model = fit_bgnbd(summary)
    except ModelFitError as exc:
        raise BadAnalyticsQuery(f"cannot fit the churn model: {exc}") from exc
    try:
        spend = fit_gamma_gamma(summary)
    except ModelFitError:
        spend = None
    x, t_x, big_t = summary.x, summary.t_x, summary.T
    alive = model.p_alive(x, t_x, big_t)
    e30 = model.expected_purchases(WEEKS_30, x, t_x, big_t)
    e90 = model.expected_purchases(WEEKS_90, x, t_x, big_t)
    value = spend.expected_value(x, summary.monetary) if spend is not None else None
    if not (np.all(np.isfinite(alive)) and np.all(np.isfinite(e30)) and np.all(np.isfinite(e90))):
        raise BadAnalyticsQuery(
            "the churn model fitted degenerate parameters (purchases too regular to separate buyers); "
            "nothing was stored"
        )
    if value is not None and not np.all(np.isfinite(value)):
        value = None
    risky = (x >= 1) & (alive < request.at_risk_below)
    fit = ChurnFit(
        fitted_at=now,
        as_of=request.as_of,
        customers=len(summary.customer_ids),
        r=model.r,
        alpha=model.alpha,
        a=model.a,
        b=model.b,
        gg_p=None if spend is None else spend.p,
        gg_q=None if spend is None else spend.q,
        gg_gamma=None if spend is None else spend.gamma,
        at_risk_below=request.at_risk_below,
        at_risk=int(risky.sum()),
    )
    conn.execute(insert(fits).values(**fit.model_dump()))
    conn.execute(delete(scores))
    rows = []
    for i, customer in enumerate(summary.customer_ids):
        last = request.as_of - timedelta(days=round((big_t[i] - t_x[i]) * 7))
        rows.append(
            {
                "customer_id": customer,
                "fit_id": fit.id,
                "purchase_days": int(x[i]) + 1,
                "last_purchase_day": last,
                "p_alive": float(alive[i]),
                "expected_purchases_30d": float(e30[i]),
                "expected_purchases_90d": float(e90[i]),
                "expected_value_fen": None if value is None else round(float(value[i])),
                "expected_value_90d_fen": None if value is None else round(float(value[i] * e90[i])),
                "at_risk": bool(risky[i]),
            }
        )
    for start in range(0, len(rows), 5000):
        conn.execute(insert(scores), rows[start : start + 5000])
    _retag(conn, [summary.customer_ids[i] for i in np.flatnonzero(risky)], now=now)
    return fit


def _retag(conn: AnyConn, customer_ids: list[str], *, now: datetime) -> None:
    tags = src.customer_tags
    conn.execute(delete(tags).where(tags.c.tag == AT_RISK_TAG, tags.c.source == TAG_SOURCE))
    rows = [{"customer_id": c, "tag": AT_RISK_TAG, "source": TAG_SOURCE, "created_at": now} for c in customer_ids]
    for start in range(0, len(rows), 5000):
        statement = insert_for(conn)(tags).values(rows[start : start + 5000]).on_conflict_do_nothing()
        conn.execute(statement)
