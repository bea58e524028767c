"""Coupon templates, grants, a customer's coupons, looking up and voiding a code."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlmodel import Session, select

from hub.audit.service import record_audit
from hub.crm.api import LedgerReaderDep, MarketerDep, order_ids_elsewhere, sees_customer_id, visible_customer
from hub.db_types import utcnow
from hub.deps import SessionDep, StaffDep
from hub.errors import NotFound
from hub.kernel.principal import Principal
from hub.marketing import coupons as service
from hub.marketing.schemas import CouponOut, CouponTemplateIn, CouponTemplateOut, CouponTemplatePatch, GrantIn
from hub.marketing.tables import CouponTemplate
from hub.problems import problem_responses

router = APIRouter(tags=["coupons"], responses=problem_responses(401, 403, 404, 422))
TemplateId = Annotated[str, Path(max_length=64)]
Code = Annotated[str, Path(min_length=4, max_length=32, pattern=r"^[A-Za-z0-9-]+$")]


def scoped_coupons(session: Session, principal: Principal, coupons: list[CouponOut]) -> list[CouponOut]:
    """A store manager's view of a customer's coupons: none redeemed on another store's order."""
    elsewhere = order_ids_elsewhere(session, principal, {c.order_id for c in coupons if c.order_id})
    return [c for c in coupons if c.order_id not in elsewhere] if elsewhere else coupons


@router.post(
    "/coupon-templates",
    response_model=CouponTemplateOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def create_template(session: SessionDep, marketer: MarketerDep, body: CouponTemplateIn) -> CouponTemplateOut:
    """满50减10 (amount_off + min_spend), percent off with a cap, or free delivery; limits and stores."""
    template = service.create_template(session, body)
    record_audit(
        session, actor=marketer.label, action="coupon_template.create", target_type="coupon_template", target_id=body.id
    )
    session.commit()
    return service.template_view(template)


@router.get("/coupon-templates", response_model=list[CouponTemplateOut])
def list_templates(session: SessionDep, _staff: StaffDep) -> list[CouponTemplateOut]:
    return [service.template_view(t) for t in session.exec(select(CouponTemplate).order_by(CouponTemplate.id)).all()]


@router.get("/coupon-templates/{template_id}", response_model=CouponTemplateOut)
def get_template(session: SessionDep, _staff: StaffDep, template_id: TemplateId) -> CouponTemplateOut:
    return service.template_view(service.get_template(session, template_id))


@router.patch("/coupon-templates/{template_id}", response_model=CouponTemplateOut, responses=problem_responses(409))
def update_template(
    session: SessionDep, marketer: MarketerDep, template_id: TemplateId, body: CouponTemplatePatch
) -> CouponTemplateOut:
    """Name, active, end date and limits; the discount terms of issued coupons never change."""
    template = service.update_template(session, template_id, body)
    record_audit(
        session,
        actor=marketer.label,
        action="coupon_template.update",
        target_type="coupon_template",
        target_id=template_id,
    )
    session.commit()
    return service.template_view(template)


@router.post(
    "/coupon-templates/{template_id}/grants",
    response_model=CouponOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": CouponOut, "description": "Already granted with this key"}, **problem_responses(409)},
)
def grant(
    session: SessionDep, marketer: MarketerDep, template_id: TemplateId, body: GrantIn, response: Response
) -> CouponOut:
    """Grant one coupon to a customer; the same key grants once (200 with the first coupon)."""
    customer = visible_customer(session, marketer, body.customer_id)
    key = f"manual:{template_id}:{customer.id}:{body.key or uuid.uuid4().hex}"
    coupon, granted = service.grant_coupon(
        session, template_id=template_id, customer_id=customer.id, grant_key=key, at=utcnow(), actor=marketer.label
    )
    if granted:
        record_audit(
            session,
            actor=marketer.label,
            action="coupon.grant",
            target_type="customer",
            target_id=customer.id,
            detail={"template_id": template_id, "coupon_id": coupon.id},
        )
    else:
        response.status_code = status.HTTP_200_OK
    session.commit()
    return service.coupon_view(coupon, service.get_template(session, template_id))


@router.get("/customers/{customer_id}/coupons", response_model=list[CouponOut])
def customer_coupons(
    session: SessionDep,
    reader: LedgerReaderDep,
    customer_id: Annotated[str, Path(max_length=36)],
    available: Annotated[bool, Query(description="only coupons that can be used now")] = False,
) -> list[CouponOut]:
    visible_customer(session, reader, customer_id)
    return scoped_coupons(session, reader, service.customer_coupons(session, customer_id, only_available=available))


@router.get("/coupons/{code}", response_model=CouponOut)
def find(session: SessionDep, staff: StaffDep, code: Code) -> CouponOut:
    """Look a coupon up by its code (the customer shows it at the counter)."""
    row, template = service.find_by_code(session, code)
    found = scoped_coupons(session, staff, [service.coupon_view(row, template)])
    if not found or not sees_customer_id(session, staff, row.customer_id):
        raise NotFound("no coupon with this code")  # another store's customer or redemption
    return found[0]


@router.post("/coupons/{code}/void", response_model=CouponOut, responses=problem_responses(409))
def void(session: SessionDep, marketer: MarketerDep, code: Code) -> CouponOut:
    """An available coupon can no longer be used (audited)."""
    row, template = service.find_by_code(session, code)
    service.void_coupon(session, code)
    record_audit(session, actor=marketer.label, action="coupon.void", target_type="coupon", target_id=str(row.id))
    session.commit()
    row, template = service.find_by_code(session, code)
    return service.coupon_view(row, template)
