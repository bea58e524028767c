"""Coupon templates and coupons: create, grant once per key, look up, void."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from hub.crm.api import CustomersMerged
from hub.db_types import utcnow
from hub.errors import Conflict, InvalidInput, NotFound
from hub.kernel.sql_dialect import execute_count, insert_for, is_postgres
from hub.marketing.coupon_rules import CouponKind, CouponTerms, describe
from hub.marketing.errors import CouponLimitReached, CouponUnavailable
from hub.marketing.schemas import CouponOut, CouponTemplateIn, CouponTemplateOut, CouponTemplatePatch
from hub.marketing.tables import Coupon, CouponTemplate
from hub.notifications.api import CouponShown

templates = CouponTemplate.__table__  # type: ignore[attr-defined]
coupons = Coupon.__table__  # type: ignore[attr-defined]

Conn = Connection | Session


def new_code() -> str:
    """16 upper-case hex characters (64 random bits), the same shape the database makes in bulk."""
    return secrets.token_hex(8).upper()


def terms_of(row: Any) -> CouponTerms:
    return CouponTerms(
        kind=CouponKind(row.kind),
        amount_off_fen=row.amount_off_fen,
        percent_off=row.percent_off,
        max_discount_fen=row.max_discount_fen,
        min_spend_fen=row.min_spend_fen,
        store_ids=tuple(row.store_ids) if row.store_ids is not None else None,
    )


def template_view(row: Any) -> CouponTemplateOut:
    return CouponTemplateOut(
        id=row.id,
        name=row.name,
        title=describe(terms_of(row)),
        kind=CouponKind(row.kind),
        amount_off_fen=row.amount_off_fen,
        percent_off=row.percent_off,
        max_discount_fen=row.max_discount_fen,
        min_spend_fen=row.min_spend_fen,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        valid_days=row.valid_days,
        per_customer_limit=row.per_customer_limit,
        total_limit=row.total_limit,
        issued_count=row.issued_count,
        store_ids=row.store_ids,
        points_cost=row.points_cost,
        active=row.active,
    )


def get_template(conn: Conn, template_id: str, *, lock: bool = False) -> Any:
    query = select(templates).where(templates.c.id == template_id)
    if lock and is_postgres(conn):
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no coupon template {template_id!r}")
    return row


def create_template(session: Session, body: CouponTemplateIn) -> CouponTemplate:
    if session.get(CouponTemplate, body.id) is not None:
        raise Conflict(f"coupon template {body.id!r} already exists")
    template = CouponTemplate(**body.model_dump())
    session.add(template)
    session.flush()
    return template


def update_template(session: Session, template_id: str, patch: CouponTemplatePatch) -> CouponTemplate:
    template = session.get(CouponTemplate, template_id)
    if template is None:
        raise NotFound(f"no coupon template {template_id!r}")
    changes = patch.model_dump(exclude_unset=True, exclude_none=True)
    if "total_limit" in changes and changes["total_limit"] < template.issued_count:
        raise InvalidInput(f"{template.issued_count} coupons were already issued; total_limit cannot be lower")
    for key, value in changes.items():
        setattr(template, key, value)
    template.updated_at = utcnow()
    session.add(template)
    session.flush()
    return template


def validity(template: Any, at: datetime) -> tuple[datetime, datetime]:
    start = max(at, template.valid_from) if template.valid_from else at
    ends = [
        e
        for e in (template.valid_until, at + timedelta(days=template.valid_days) if template.valid_days else None)
        if e
    ]
    if not ends:  # the API requires an end; a row written another way gets a refusal, not a crash
        raise CouponUnavailable(f"coupon template {template.id!r} has no end: give it valid_until or valid_days")
    return start, min(ends)


def grant_coupon(
    conn: Conn,
    *,
    template_id: str,
    customer_id: str,
    grant_key: str,
    at: datetime,
    rule_id: str | None = None,
    actor: str = "",
) -> tuple[Any, bool]:
    """(coupon row, granted now). The same grant key returns the first coupon and grants nothing."""
    existing = conn.execute(select(coupons).where(coupons.c.grant_key == grant_key)).first()
    if existing is not None:
        return existing, False
    template = get_template(conn, template_id, lock=True)
    if not template.active:
        raise CouponUnavailable(f"coupon template {template_id!r} is not active")
    start, end = validity(template, at)
    if end <= at:
        raise CouponUnavailable(f"coupon template {template_id!r} has ended")
    if template.total_limit is not None and template.issued_count >= template.total_limit:
        raise CouponLimitReached(f"all {template.total_limit} coupons of {template_id!r} were issued")
    slot = None
    if template.per_customer_limit is not None:
        held = conn.execute(
            select(func.count()).where(coupons.c.template_id == template_id, coupons.c.customer_id == customer_id)
        ).scalar_one()
        if held >= template.per_customer_limit:
            raise CouponLimitReached(f"this customer already holds {held} coupons of {template_id!r}")
        slot = held + 1
    inserted = conn.execute(
        insert_for(conn)(coupons)
        .values(
            code=new_code(),
            template_id=template_id,
            customer_id=customer_id,
            grant_key=grant_key,
            slot=slot,
            status="available",
            valid_from=start,
            valid_until=end,
            granted_at=at,
            rule_id=rule_id,
            actor=actor[:120],
        )
        .on_conflict_do_nothing()
        .returning(coupons.c.id)
    ).scalar()
    if inserted is None:
        again = conn.execute(select(coupons).where(coupons.c.grant_key == grant_key)).first()
        if again is not None:
            return again, False
        raise CouponLimitReached("another grant of this template to this customer happened at the same time; retry")
    conn.execute(
        update(templates).where(templates.c.id == template_id).values(issued_count=templates.c.issued_count + 1)
    )
    return conn.execute(select(coupons).where(coupons.c.id == inserted)).one(), True


def coupon_view(row: Any, template: Any, now: datetime | None = None) -> CouponOut:
    moment = now or utcnow()
    return CouponOut(
        id=row.id,
        code=row.code,
        template_id=row.template_id,
        title=describe(terms_of(template)),
        customer_id=row.customer_id,
        status=row.status,
        expired=row.status == "available" and row.valid_until <= moment,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        granted_at=row.granted_at,
        rule_id=row.rule_id,
        order_id=row.order_id,
        discount_fen=row.discount_fen,
        redeemed_at=row.redeemed_at,
    )


def customer_coupons(conn: Conn, customer_id: str, *, only_available: bool = False) -> list[CouponOut]:
    query = (
        select(coupons)
        .where(coupons.c.customer_id == customer_id)
        .order_by(coupons.c.granted_at.desc(), coupons.c.id.desc())
        .limit(200)
    )
    if only_available:
        query = query.where(coupons.c.status == "available", coupons.c.valid_until > utcnow())
    rows = conn.execute(query).all()
    found = {r.template_id for r in rows}
    by_id = {t.id: t for t in conn.execute(select(templates).where(templates.c.id.in_(sorted(found))))}
    return [coupon_view(r, by_id[r.template_id]) for r in rows]


def find_by_code(conn: Conn, code: str) -> tuple[Any, Any]:
    row = conn.execute(select(coupons).where(coupons.c.code == code.strip().upper())).first()
    if row is None:
        raise NotFound("no coupon with this code")
    return row, get_template(conn, row.template_id)


def void_coupon(conn: Conn, code: str) -> None:
    row, _ = find_by_code(conn, code)
    done = execute_count(
        conn, update(coupons).where(coupons.c.id == row.id, coupons.c.status == "available").values(status="void")
    )
    if done != 1:
        raise CouponUnavailable(f"coupon is {row.status}; only an available coupon can be voided")


def move_coupons(conn: Conn, source_id: str, target_id: str) -> None:
    """A merge: the source's coupons become the target's (per-customer slots move out of the way)."""
    conn.execute(update(coupons).where(coupons.c.customer_id == source_id).values(customer_id=target_id, slot=None))


def on_customers_merged(conn: Conn, event: CustomersMerged) -> None:
    """The source's coupons follow it into the target (``hub.wiring``)."""
    move_coupons(conn, event.source_id, event.target_id)


def coupon_for_message(session: Session, coupon_id: int) -> CouponShown:
    """The code, title and end of a coupon a notification names (``NotificationSender``'s coupon lookup)."""
    coupon = session.execute(select(coupons).where(coupons.c.id == coupon_id)).one()
    title = describe(terms_of(get_template(session, coupon.template_id)))
    return CouponShown(code=coupon.code, title=title, valid_until=coupon.valid_until)
