"""A rule's dry run: who a run now would target, grant a coupon and message; nothing is written.

Counted with the run's own query (trigger, audience, cool-down, what the rule already did, the
coupon's limits), in a transaction that is rolled back, so it works on a disabled rule: see what
enabling it would do before anything is granted.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import exists, func, select

from hub.crm.api import CustomerConsent, score_missing
from hub.db import Database
from hub.marketing.rule_runner import Conn, Counts, RuleSpec, coupon_terms, scheduled_spec, targets_query
from hub.marketing.rule_schemas import RuleRunOut
from hub.marketing.rule_targeting import Targeting

logger = logging.getLogger(__name__)
consents = CustomerConsent.__table__  # type: ignore[attr-defined]


def _count(conn: Conn, spec: RuleSpec, targeting: Targeting, now: datetime) -> Counts:
    template = coupon_terms(conn, spec, now, lock=False)
    remaining = None
    if template is not None and template.total_limit is not None:
        remaining = max(0, template.total_limit - template.issued_count)
    targets = targets_query(spec, targeting, template, now, "dry-run", None, None, remaining, None).subquery("targets")
    counts = Counts(targeted=int(conn.execute(select(func.count()).select_from(targets)).scalar_one()))
    if template is not None:
        counts.granted = counts.targeted
    if spec.message_template_id is not None and spec.channels:
        consented = exists().where(
            consents.c.customer_id == targets.c.customer_id,
            consents.c.channel.in_(list(spec.channels)),
            consents.c.granted.is_(True),
        )
        counts.queued = int(conn.execute(select(func.count()).select_from(targets).where(consented)).scalar_one())
    return counts


def preview_rule(db: Database, rule_id: str, *, now: datetime, default_tz: str) -> RuleRunOut:
    started = time.perf_counter()
    spec, targeting = scheduled_spec(db, rule_id, now=now, default_tz=default_tz)
    with db.engine.connect() as conn:
        score_missing(conn, now=now, default_tz=default_tz)  # as a run would; rolled back below
        counts = _count(conn, spec, targeting, now)
        conn.rollback()
    logger.info("rule %s dry run: %d would be targeted", rule_id, counts.targeted)
    return RuleRunOut(
        rule_id=rule_id,
        ran=False,
        dry_run=True,
        targeted=counts.targeted,
        granted=counts.granted,
        queued=counts.queued,
        seconds=time.perf_counter() - started,
    )
