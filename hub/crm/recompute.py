"""The CRM recompute: figures, RFM scores, segments, lifecycle, tiers and rule tags for everyone."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.config import CrmConfig, get_state, load_config, put_state
from hub.crm.scoring import apply_scores, compute_boundaries, quantiles_for
from hub.crm.sql_dialect import refresh_planner_stats, set_local_work_mem
from hub.crm.stats_refresh import customers, refresh_customers, refresh_stale, stats, stores
from hub.crm.stats_tables import CustomerStats
from hub.crm.tags import recompute_rule_tags

logger = logging.getLogger(__name__)

SCORING_KEY = "scoring"
MISSING_BATCH = 5000
MAX_MISSING_ROUNDS = 10_000


@dataclass
class RecomputeResult:
    full_rebuild: bool
    refreshed: int
    scored: int
    tags_added: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def store_timezones(conn: Connection | Session) -> list[str]:
    return sorted(set(conn.execute(select(stores.c.timezone).distinct()).scalars()))


def _refresh_missing(conn: Connection | Session, *, now: datetime, config: CrmConfig, default_tz: str) -> list[str]:
    """Customers with no figures yet (created without an order, or imported) get their row."""
    done: list[str] = []
    for _ in range(MAX_MISSING_ROUNDS):
        ids = list(
            conn.execute(
                select(customers.c.id)
                .where(
                    customers.c.merged_into_id.is_(None),
                    ~exists().where(stats.c.customer_id == customers.c.id),
                )
                .limit(MISSING_BATCH)
            ).scalars()
        )
        if not ids:
            break
        refresh_customers(conn, ids, now=now, config=config, default_timezone=default_tz)
        done.extend(ids)
    return done


def recompute_all(conn: Connection | Session, *, now: datetime, default_tz: str, full: bool = False) -> RecomputeResult:
    """Bring every customer's figures and scores up to ``now``; the caller commits."""
    started = time.perf_counter()
    set_local_work_mem(conn)
    config = load_config(conn)
    marker = get_state(conn, SCORING_KEY) or {}
    rebuild = full or marker.get("fingerprint") != config.scoring_fingerprint()
    changed: list[str] | None = None  # None: everyone
    if rebuild:
        refreshed = refresh_customers(conn, None, now=now, config=config, default_timezone=default_tz)
        refresh_planner_stats(conn, CustomerStats.__tablename__)  # scoring and tags below join the rebuilt figures
    else:
        changed = _refresh_missing(conn, now=now, config=config, default_tz=default_tz)
        changed += refresh_stale(conn, now=now, config=config, default_timezone=default_tz)
        refreshed = len(changed)
    boundaries = compute_boundaries(conn, quantiles_for(config.rfm_bins))
    zones = store_timezones(conn)
    scored = apply_scores(conn, now=now, config=config, boundaries=boundaries, timezones=zones, default_tz=default_tz)
    if marker.get("tags") != config.tags_fingerprint():
        changed = None
    # rule tags follow the figures: only customers refreshed here can change (the order feed and
    # address edits retag their customers as they happen)
    added = recompute_rule_tags(conn, now=now, config=config, only=changed)
    put_state(
        conn,
        SCORING_KEY,
        {
            "fingerprint": config.scoring_fingerprint(),
            "tags": config.tags_fingerprint(),
            "at": now.isoformat(),
            "bins": config.rfm_bins,
            "boundaries": _jsonable(boundaries),
        },
    )
    result = RecomputeResult(rebuild, refreshed, scored, added, time.perf_counter() - started)
    logger.info(
        "crm recompute: %d refreshed, %d rescored in %.2fs (full rebuild: %s)",
        refreshed,
        scored,
        result.seconds,
        rebuild,
    )
    return result


def refresh_and_score(
    conn: Connection | Session, customer_ids: Sequence[str], *, now: datetime, default_tz: str
) -> None:
    """After their orders changed: these customers' figures, scores and rule tags, right away.

    Scores use the boundaries of the last full recompute (none yet: they wait for the first).
    """
    if not customer_ids:
        return
    config = load_config(conn)
    refresh_customers(conn, customer_ids, now=now, config=config, default_timezone=default_tz)
    marker = get_state(conn, SCORING_KEY)
    if marker is None or marker.get("bins") != config.rfm_bins:
        return
    apply_scores(
        conn,
        now=now,
        config=config,
        boundaries=_from_json(marker.get("boundaries") or {}),
        timezones=store_timezones(conn),
        default_tz=default_tz,
        only=customer_ids,
    )
    recompute_rule_tags(conn, now=now, config=config, only=customer_ids)


def _jsonable(boundaries: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [v.isoformat() if isinstance(v, datetime) else int(v) for v in vs] for k, vs in boundaries.items()}


def _from_json(raw: dict[str, list[Any]]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for k, vs in raw.items():
        out[k] = [datetime.fromisoformat(v).astimezone(UTC) if k == "recency" else int(v) for v in vs]
    return out
