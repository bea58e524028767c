"""The customer 360: everything about one customer, in one answer."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from hub.auth.principal import Principal
from hub.crm.config import load_config
from hub.crm.profile import format_birthday
from hub.crm.profile_schemas import (
    CHANNELS,
    AddressOut,
    CouponHeldOut,
    Customer360Out,
    OrderStatsOut,
    RecentOrderOut,
    RfmOut,
    TagOut,
    TierOut,
)
from hub.crm.profile_tables import CustomerAddress, CustomerConsent, CustomerProfile, CustomerTag
from hub.crm.segments import MEMBER_TIER, Lifecycle, Segment
from hub.crm.service import customer_view
from hub.crm.stats_refresh import NOT_COUNTED
from hub.crm.stats_tables import CustomerStats
from hub.crm.tables import Customer
from hub.loyalty.ledger import balance
from hub.marketing.coupons import customer_coupons
from hub.orders.tables import Order

orders = Order.__table__  # type: ignore[attr-defined]


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"


def tier_view(session: Session, stats: CustomerStats | None) -> TierOut:
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
        window_spend_fen=spend,
        next_tier=nxt.code if nxt else None,
        to_next_fen=nxt.threshold_fen - spend if nxt else None,
    )


def customer_360(session: Session, customer: Customer, principal: Principal) -> Customer360Out:
    base = customer_view(session, customer, principal)
    profile = session.get(CustomerProfile, customer.id)
    stats = session.get(CustomerStats, customer.id)
    live = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(orders.c.total_fen), 0),
            func.min(orders.c.placed_at),
            func.max(orders.c.placed_at),
        ).where(orders.c.customer_id == customer.id, orders.c.status.not_in(NOT_COUNTED))
    ).one()
    count, spend = int(live[0]), int(live[1])
    recent = session.execute(
        select(orders).where(orders.c.customer_id == customer.id).order_by(orders.c.placed_at.desc()).limit(20)
    ).all()
    consents = {c: False for c in CHANNELS}
    for row in session.scalars(select(CustomerConsent).where(col(CustomerConsent.customer_id) == customer.id)):
        consents[row.channel] = row.granted
    addresses = session.scalars(
        select(CustomerAddress).where(col(CustomerAddress.customer_id) == customer.id).order_by(col(CustomerAddress.id))
    ).all()
    tags = session.scalars(
        select(CustomerTag).where(col(CustomerTag.customer_id) == customer.id).order_by(col(CustomerTag.tag))
    ).all()
    email = profile.email if profile else None
    if email and not principal.sees_full_phones:
        email = mask_email(email)
    identities = base.identities
    return Customer360Out(
        id=customer.id,
        display_name=customer.display_name,
        home_store_id=customer.home_store_id,
        merged_into_id=customer.merged_into_id,
        anonymised=customer.anonymised_at is not None,
        identities=identities,
        email=email,
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
            predicted_next_at=stats.predicted_next_at if stats else None,
        ),
        rfm=RfmOut(
            r=stats.r_score if stats else None,
            f=stats.f_score if stats else None,
            m=stats.m_score if stats else None,
            scored_at=stats.scored_at if stats else None,
        ),
        segment=stats.segment if stats else Segment.PROSPECT.value,
        lifecycle=stats.lifecycle if stats else Lifecycle.PROSPECT.value,
        tier=tier_view(session, stats),
        points_balance=balance(session, customer.id),
        coupons=[
            CouponHeldOut(code=c.code, title=c.title, valid_until=c.valid_until)
            for c in customer_coupons(session, customer.id, only_available=True)
        ],
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
