"""A points ledger as the caller may see it: a store manager's stores only, free text masked by role."""

from __future__ import annotations

from sqlmodel import Session

from hub.crm.api import order_ids_elsewhere, policy_for
from hub.kernel.principal import Principal
from hub.loyalty.schemas import PointsOut


def scoped_points(session: Session, principal: Principal, view: PointsOut) -> PointsOut:
    """A store manager's view of a ledger: the balance, and no entry of another store's order."""
    elsewhere = order_ids_elsewhere(session, principal, {e.order_id for e in view.entries if e.order_id})
    if not elsewhere:
        return view
    return view.model_copy(update={"entries": [e for e in view.entries if e.order_id not in elsewhere]})


def masked_points(view: PointsOut, principal: Principal) -> PointsOut:
    policy = policy_for(principal.role)
    if policy.sees_everything:
        return view
    entries = [e.model_copy(update={"note": policy.text(e.note) or ""}) for e in view.entries]
    return view.model_copy(update={"entries": entries})
