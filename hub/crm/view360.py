"""The CRM's part of the customer 360 (``hub.customer360`` adds points and coupons and masks it)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from hub.crm.config import load_config
from hub.crm.profile import format_birthday
from hub.crm.profile_schemas import (
    CHANNELS,
    AddressOut,
    Customer360Out,
    OrderStatsOut,
    RecentOrderOut,
    RfmOut,
    TagOut,
    TierOut,
)
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.segments import MEMBER_TIER, Lifecycle, Segment
from hub.crm.service import identities_of, shown_links
from hub.crm.stats_refresh import NOT_COUNTED
from hub.crm.stats_tables import CustomerStats
from hub.crm.store_scope import orders_in_scope
from hub.customers.api import Customer
from hub.kernel.principal import Principal
from hub.orders.api import Order

orders = Order.__table__  # type: ignore[attr-defined]


def tier_view(session: Session, stats: CustomerStats | None, *, chain_wide: bool = True) -> TierOut:
    """The tier and its benefits; the spend behind it only for a chain-wide caller (it is every store's)."""
    config = load_config(session)
    spend = stats.window_spend_fen if stats else 0
    code = stats.tier if stats else MEMBER_TIER
    current = next((t for t in config.tiers if t.code == code), None)
    higher = [t for t in config.tiers if t.threshold_fen > spend]
    nxt = higher[0] if higher else None
    return TierOut(
        code=code,
        name=current.name if current else "会员",
        benefits=list(current.benefits) if current else [],
        window_spend_fen=spend if chain_wide else None,
        next_tier=nxt.code if nxt else None,
        to_next_fen=nxt.threshold_fen - spend if nxt and chain_wide else None,
    )


def crm_360(session: Session, customer: Customer, principal: Principal) -> Customer360Out:
    """The CRM's part of the 360 (all but points and coupons, which ``hub.customer360`` adds), unmasked:
    a store manager sees their stores' orders and figures only (the tier is the customer's everywhere)."""
    chain_wide = principal.store_ids is None
    mine = orders_in_scope(principal)
    history = [orders.c.customer_id == customer.id] + ([mine] if mine is not None else [])
    home_store_id, merged_into_id = shown_links(session, customer, principal)
    profile = session.get(CustomerProfile, customer.id)
    stats = session.get(CustomerStats, customer.id)
    live = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(orders.c.total_fen), 0),
            func.min(orders.c.placed_at),
            func.max(orders.c.placed_at),
        ).where(*history, orders.c.status.not_in(NOT_COUNTED))
    ).one()
    count, spend = int(live[0]), int(live[1])
    recent = session.execute(select(orders).where(*history).order_by(orders.c.placed_at.desc()).limit(20)).all()
    consents = {c: False for c in CHANNELS}
    for row in session.scalars(select(CustomerConsent).where(col(CustomerConsent.customer_id) == customer.id)):
        consents[row.channel] = row.granted
    addresses = session.scalars(
        select(CustomerAddress).where(col(CustomerAddress.customer_id) == customer.id).order_by(col(CustomerAddress.id))
    ).all()
    tags = session.scalars(
        select(CustomerTag).where(col(CustomerTag.customer_id) == customer.id).order_by(col(CustomerTag.tag))
    ).all()
    scored = stats if chain_wide else None
    view = Customer360Out(
        id=customer.id,
        display_name=customer.display_name,
        home_store_id=home_store_id,
        merged_into_id=merged_into_id,
        anonymised=customer.anonymised_at is not None,
        identities=identities_of(session, customer.id),
        email=profile.email if profile else None,
        birthday=format_birthday(profile),
        preferences=dict(profile.preferences) if profile else {},
        notes=profile.notes if profile else None,
        consents=consents,
        addresses=[
            AddressOut(
                id=a.id or 0,
                label=a.label,
                address=a.address,
                notes=a.notes,
                lat=a.lat,
                lon=a.lon,
                is_default=a.is_default,
            )
            for a in addresses
        ],
        stats=OrderStatsOut(
            orders_count=count,
            spend_fen=spend,
            aov_fen=spend // count if count else 0,
            first_order_at=live[2],
            last_order_at=live[3],
            predicted_next_at=scored.predicted_next_at if scored else None,
        ),
        rfm=RfmOut(
            r=scored.r_score if scored else None,
            f=scored.f_score if scored else None,
            m=scored.m_score if scored else None,
            scored_at=scored.scored_at if scored else None,
        ),
        segment=stats.segment if stats else Segment.PROSPECT.value,
        lifecycle=stats.lifecycle if stats else Lifecycle.PROSPECT.value,
        tier=tier_view(session, stats, chain_wide=chain_wide),
        points_balance=0,
        coupons=[],
        tags=[TagOut(tag=t.tag, source=t.source) for t in tags],
        recent_orders=[
            RecentOrderOut(
                id=o.id,
                store_id=o.store_id,
                channel=o.channel,
                status=o.status,
                total_fen=o.total_fen,
                discount_fen=o.discount_fen,
                placed_at=o.placed_at,
            )
            for o in recent
        ],
        service_history=[],
        created_at=customer.created_at,
    )
    return view
