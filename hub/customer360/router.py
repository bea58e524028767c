"""The customer 360, the profile edit that answers with it, and PIPL requests (export, erase)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from hub.crm import api as crm
from hub.crm.api import Customer360Out, PrivacyDep, ProfileEditorDep, ProfilePatch, visible_customer
from hub.customer360.privacy import CustomerExport, erase_customer, export_customer
from hub.customer360.view import customer_360
from hub.deps import SessionDep, StaffDep
from hub.problems import problem_responses

router = APIRouter(prefix="/customers", tags=["customers"], responses=problem_responses(401, 403, 404, 422))

CustomerId = Annotated[str, Path(max_length=36)]


@router.get("/{customer_id}/360", response_model=Customer360Out)
def view_360(session: SessionDep, staff: StaffDep, customer_id: CustomerId) -> Customer360Out:
    """Profile, identities, addresses, order stats, RFM, segment, lifecycle, tier, points, coupons, tags."""
    return customer_360(session, visible_customer(session, staff, customer_id), staff)


@router.patch("/{customer_id}/profile", response_model=Customer360Out, responses=problem_responses(409))
def update_profile(
    session: SessionDep, editor: ProfileEditorDep, customer_id: CustomerId, body: ProfilePatch
) -> Customer360Out:
    customer = visible_customer(session, editor, customer_id)
    crm.update_profile(session, editor, customer, body)
    session.commit()
    return customer_360(session, customer, editor)


@router.get("/{customer_id}/export", response_model=CustomerExport)
def export(session: SessionDep, officer: PrivacyDep, customer_id: CustomerId) -> CustomerExport:
    """PIPL: everything the hub holds about this customer, as JSON (audited)."""
    customer = visible_customer(session, officer, customer_id)
    result = export_customer(session, officer, customer)
    session.commit()
    return result


@router.post("/{customer_id}/erase", response_model=Customer360Out, responses=problem_responses(409))
def erase(session: SessionDep, officer: PrivacyDep, customer_id: CustomerId) -> Customer360Out:
    """PIPL: erase the customer's personal data; order statistics stay, anonymous (audited)."""
    customer = visible_customer(session, officer, customer_id)
    erase_customer(session, officer, customer)
    session.commit()
    return customer_360(session, customer, officer)
