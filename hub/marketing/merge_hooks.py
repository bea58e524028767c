"""When two customers are merged, their CRM, points, coupons and messages follow.

Registered on ``hub.crm.service.MERGE_HOOKS`` by ``register()`` (called by ``create_app``);
each runs in the merge's transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select, update
from sqlmodel import Session

from hub.crm.config import load_config
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.service import MERGE_HOOKS
from hub.crm.stats_refresh import refresh_customers
from hub.crm.stats_tables import CustomerStats
from hub.db_types import utcnow
from hub.loyalty.ledger import move_ledger
from hub.marketing.coupons import move_coupons
from hub.notifications.tables import Notification

addresses = CustomerAddress.__table__  # type: ignore[attr-defined]
consents = CustomerConsent.__table__  # type: ignore[attr-defined]
tags = CustomerTag.__table__  # type: ignore[attr-defined]
stats = CustomerStats.__table__  # type: ignore[attr-defined]
notifications = Notification.__table__  # type: ignore[attr-defined]
FALLBACK_ZONE = "Asia/Shanghai"


def merge_crm(session: Session, source_id: str, target_id: str) -> None:
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


def merge_loyalty_and_coupons(session: Session, source_id: str, target_id: str) -> None:
    move_ledger(session, source_id, target_id, utcnow())
    move_coupons(session, source_id, target_id)
    session.execute(
        update(notifications)
        .where(notifications.c.customer_id == source_id, notifications.c.status == "queued")
        .values(customer_id=target_id)
    )


def merge_stats(session: Session, source_id: str, target_id: str) -> None:
    """The target's figures now include the source's orders (the zone only matters without a home store)."""
    zones = session.execute(
        select(stats.c.timezone)
        .where(stats.c.customer_id.in_([target_id, source_id]))
        .order_by(stats.c.customer_id == source_id)
    ).scalars()
    zone = next(iter(zones), None) or FALLBACK_ZONE
    session.execute(delete(stats).where(stats.c.customer_id == source_id))
    refresh_customers(session, [target_id], now=utcnow(), config=load_config(session), default_timezone=zone)


def register() -> None:
    for hook in (merge_crm, merge_loyalty_and_coupons, merge_stats):
        if hook not in MERGE_HOOKS:
            MERGE_HOOKS.append(hook)
