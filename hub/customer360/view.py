"""The customer 360: the CRM's view of one customer with their points and coupons, masked for the caller."""

from __future__ import annotations

from sqlmodel import Session

from hub.crm.api import CouponHeldOut, Customer, Customer360Out, crm_360, masked_360
from hub.kernel.principal import Principal
from hub.loyalty.api import balance
from hub.marketing.api import customer_coupons


def customer_360(session: Session, customer: Customer, principal: Principal) -> Customer360Out:
    """Everything about the customer the caller may see: a store manager sees their stores' orders and
    figures only (points and tier are the customer's everywhere); masked for the caller's role."""
    view = crm_360(session, customer, principal).model_copy(
        update={
            "points_balance": balance(session, customer.id),
            "coupons": [
                CouponHeldOut(code=c.code, title=c.title, valid_until=c.valid_until)
                for c in customer_coupons(session, customer.id, only_available=True)
            ],
        }
    )
    return masked_360(view, principal)
