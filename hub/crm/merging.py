"""What a customer merge does to the CRM's own rows: profile, addresses, consents, tags, figures.

``hub.crm.service.merge`` calls ``merge_profile`` before it announces ``CustomersMerged`` (the other
domains move their rows in that event's handlers) and ``merge_stats`` after, in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.recompute import refresh_and_score
from hub.crm.stats_tables import CustomerStats
from hub.db_types import utcnow

addresses = CustomerAddress.__table__  # type: ignore[attr-defined]
consents = CustomerConsent.__table__  # type: ignore[attr-defined]
tags = CustomerTag.__table__  # type: ignore[attr-defined]
stats = CustomerStats.__table__  # type: ignore[attr-defined]
FALLBACK_ZONE = "Asia/Shanghai"


def merge_profile(session: Session, source_id: str, target_id: str) -> None:
    source = session.get(CustomerProfile, source_id)
    if source is not None:
        target = session.get(CustomerProfile, target_id) or CustomerProfile(customer_id=target_id)
        for field in ("email", "birth_year", "birth_month", "birth_day", "notes"):
            if getattr(target, field) is None and getattr(source, field) is not None:
                setattr(target, field, getattr(source, field))
        target.preferences = {**source.preferences, **target.preferences}
        session.add(target)
        session.delete(source)
        session.flush()
    session.execute(
        update(addresses).where(addresses.c.customer_id == source_id).values(customer_id=target_id, is_default=False)
    )
    theirs = consents.alias("theirs")
    session.execute(
        update(consents)
        .where(
            consents.c.customer_id == source_id,
            ~exists().where(theirs.c.customer_id == target_id, theirs.c.channel == consents.c.channel),
        )
        .values(customer_id=target_id)
    )
    session.execute(delete(consents).where(consents.c.customer_id == source_id))
    kept = select(tags.c.tag).where(tags.c.customer_id == target_id)
    session.execute(
        update(tags).where(tags.c.customer_id == source_id, tags.c.tag.not_in(kept)).values(customer_id=target_id)
    )
    session.execute(delete(tags).where(tags.c.customer_id == source_id))


def merge_stats(session: Session, source_id: str, target_id: str) -> None:
    """The target's figures, scores, segment and tier now include the source's orders, in the merge's transaction.

    (The zone only matters for a customer with no home store and no order.)
    """
    zones = session.execute(
        select(stats.c.timezone)
        .where(stats.c.customer_id.in_([target_id, source_id]))
        .order_by(stats.c.customer_id == source_id)
    ).scalars()
    zone = next(iter(zones), None) or FALLBACK_ZONE
    session.execute(delete(stats).where(stats.c.customer_id == source_id))
    refresh_and_score(session, [target_id], now=utcnow(), default_tz=zone)
