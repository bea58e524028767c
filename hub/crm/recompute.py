"""The CRM recompute: figures, RFM scores, segments, lifecycle, tiers and rule tags for everyone."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.as_of import AsOf
from hub.crm.config import CrmConfig, get_state, load_config, put_state
from hub.crm.scoring import Boundaries, apply_scores, compute_boundaries, quantiles_for
from hub.crm.stats_refresh import customers, refresh_customers, refresh_stale, stats, store_timezones
from hub.crm.stats_tables import CustomerStats
from hub.crm.tags import recompute_rule_tags
from hub.kernel.sql_dialect import refresh_planner_stats, set_local_work_mem

logger = logging.getLogger(__name__)

__all__ = [
    "RecomputeResult",
    "boundaries_for_now",
    "ranked_population",
    "recompute_all",
    "refresh_and_score",
    "refresh_missing",
    "rerank_everyone",
    "score_missing",
    "segment_counts",
    "store_timezones",
]

SCORING_KEY = "scoring"
MISSING_BATCH = 5000
MAX_MISSING_ROUNDS = 10_000
RANK_AFRESH_BELOW = 20_000
"""Scoring a few customers between two recomputes ranks them against fresh boundaries while the
population is this small (cheap, and a young hub's boundaries move with every order)."""


@dataclass
class RecomputeResult:
    full_rebuild: bool
    refreshed: int
    scored: int
    tags_added: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    as_of: str | None = None
    """The past day or moment scored (None: now)."""


def refresh_missing(conn: Connection | Session, *, now: datetime, config: CrmConfig, default_tz: str) -> list[str]:
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


def score_missing(conn: Connection | Session, *, now: datetime, default_tz: str) -> int:
    """Customers without figures (created since the last recompute) get them, scored: rules then see them."""
    config = load_config(conn)
    ids = refresh_missing(conn, now=now, config=config, default_tz=default_tz)
    if ids:
        boundaries, zones = _boundaries_for_now(conn, config), store_timezones(conn)
        for i in range(0, len(ids), MISSING_BATCH):
            chunk = ids[i : i + MISSING_BATCH]
            apply_scores(
                conn, now=now, config=config, boundaries=boundaries, timezones=zones, default_tz=default_tz, only=chunk
            )
    return len(ids)


def recompute_all(
    conn: Connection | Session, *, now: datetime, default_tz: str, full: bool = False, as_of: AsOf | None = None
) -> RecomputeResult:
    """Bring every customer's figures and scores up to ``now`` (or back to ``as_of``); the caller commits.

    An as-of run rebuilds every row as it was then; the next run without one rebuilds the present.
    """
    started = time.perf_counter()
    if as_of is not None:
        now = as_of.moment
    set_local_work_mem(conn)
    config = load_config(conn)
    marker = get_state(conn, SCORING_KEY) or {}
    rebuild = (
        full
        or as_of is not None
        or marker.get("as_of") is not None
        or marker.get("fingerprint") != config.scoring_fingerprint()
    )
    changed: list[str] | None = None  # None: everyone
    if rebuild:
        refreshed = refresh_customers(conn, None, now=now, config=config, default_timezone=default_tz, as_of=as_of)
        refresh_planner_stats(conn, CustomerStats.__tablename__)  # scoring and tags below join the rebuilt figures
    else:
        changed = refresh_missing(conn, now=now, config=config, default_tz=default_tz)
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
            "as_of": as_of.label() if as_of is not None else None,
            "bins": config.rfm_bins,
            "groups": sorted(config.scoring_groups),
            "boundaries": boundaries.to_json(),
        },
    )
    label = as_of.label() if as_of is not None else None
    result = RecomputeResult(rebuild, refreshed, scored, added, time.perf_counter() - started, label)
    logger.info(
        "crm recompute: %d refreshed, %d rescored in %.2fs (full rebuild: %s, as of: %s)",
        refreshed,
        scored,
        result.seconds,
        rebuild,
        label or "now",
    )
    return result


def _boundaries_for_now(conn: Connection | Session, config: CrmConfig) -> Boundaries:
    """The last recompute's boundaries, or fresh ones when those cannot be trusted or are cheap to redo."""
    marker = get_state(conn, SCORING_KEY) or {}
    kept = Boundaries.from_json(marker.get("boundaries") or {})
    if (
        kept is None
        or marker.get("bins") != config.rfm_bins
        or marker.get("groups") != sorted(config.scoring_groups)
        or kept.total() < RANK_AFRESH_BELOW
    ):
        return compute_boundaries(conn, quantiles_for(config.rfm_bins))
    return kept


def boundaries_for_now(conn: Connection | Session) -> Boundaries:
    return _boundaries_for_now(conn, load_config(conn))


def refresh_and_score(
    conn: Connection | Session,
    customer_ids: Sequence[str],
    *,
    now: datetime,
    default_tz: str,
    boundaries: Boundaries | None = None,
) -> None:
    """After their orders changed (an order, an import, a merge): these customers' figures, scores and rule tags.

    F and M rank against ``boundaries``, by default the last recompute's (fresh ones while the hub
    is small or when there are none yet); R, lifecycle and tier depend on the customer alone.
    """
    if not customer_ids:
        return
    config = load_config(conn)
    refresh_customers(conn, customer_ids, now=now, config=config, default_timezone=default_tz)
    apply_scores(
        conn,
        now=now,
        config=config,
        boundaries=boundaries or _boundaries_for_now(conn, config),
        timezones=store_timezones(conn),
        default_tz=default_tz,
        only=customer_ids,
    )
    recompute_rule_tags(conn, now=now, config=config, only=customer_ids)


def rerank_everyone(conn: Connection | Session, *, now: datetime, default_tz: str) -> int:
    """Fresh F and M boundaries and everyone scored against them (after an import grew the population).

    Keeps the recompute's marker (settings fingerprints) and replaces only its boundaries.
    """
    config = load_config(conn)
    boundaries = compute_boundaries(conn, quantiles_for(config.rfm_bins))
    scored = apply_scores(
        conn, now=now, config=config, boundaries=boundaries, timezones=store_timezones(conn), default_tz=default_tz
    )
    marker = get_state(conn, SCORING_KEY) or {}
    marker.update(bins=config.rfm_bins, groups=sorted(config.scoring_groups), boundaries=boundaries.to_json())
    put_state(conn, SCORING_KEY, marker)
    return scored


def ranked_population(conn: Connection | Session) -> int:
    """Customers the last boundaries were computed over (0: none yet)."""
    kept = Boundaries.from_json((get_state(conn, SCORING_KEY) or {}).get("boundaries") or {})
    return kept.total() if kept is not None else 0


def segment_counts(conn: Connection | Session) -> dict[str, dict[str, int]]:
    """How many customers are in each segment and lifecycle state (as last scored)."""
    out: dict[str, dict[str, int]] = {}
    for name, col in (("segments", stats.c.segment), ("lifecycles", stats.c.lifecycle)):
        rows = conn.execute(select(col, func.count()).group_by(col).order_by(func.count().desc(), col)).all()
        out[name] = {str(k): int(v) for k, v in rows}
    return out
