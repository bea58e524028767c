"""Who may do what in the CRM, marketing and loyalty (FastAPI dependencies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from hub.deps import require
from hub.kernel.principal import Principal
from hub.kernel.roles import Role

MarketerDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.MARKETER))]
"""Manages coupons, rules, message templates and the CRM settings."""
LedgerReaderDep = Annotated[
    Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.FINANCE, Role.STORE_MANAGER, Role.MARKETER))
]
"""Reads points ledgers and coupon usage (store managers: their stores' customers only)."""
ProfileEditorDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER))]
TaggerDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR, Role.STORE_MANAGER, Role.MARKETER))]
PrivacyDep = Annotated[Principal, Depends(require(Role.ADMIN, Role.OPERATOR))]
"""Handles PIPL requests: export and erasure."""
