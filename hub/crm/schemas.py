from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from hub.api_types import RequestModel, refuse_blank
from hub.customers.api import CustomerRef


class IdentityOut(BaseModel):
    kind: str
    namespace: str
    value: str
    """Phones are masked for roles that may not see them."""


class CustomerOut(BaseModel):
    id: str
    display_name: str
    home_store_id: str | None
    merged_into_id: str | None
    identities: list[IdentityOut]
    created_at: datetime


class CustomerIn(CustomerRef):
    home_store_id: str | None = Field(default=None, max_length=64)


class IdentityIn(RequestModel):
    kind: str = Field(pattern=r"^(phone|member_id|device_id|platform)$")
    value: Annotated[str, AfterValidator(refuse_blank)] = Field(min_length=1, max_length=128)
    namespace: str = Field(default="", max_length=64, pattern=r"^[a-z0-9_-]*$")


class MergeIn(RequestModel):
    source_customer_id: str = Field(min_length=1, max_length=36)
    """Merged into the customer in the path; the source then only redirects."""
