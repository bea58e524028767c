from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from hub.api_types import RequestModel
from hub.kernel.roles import Role

Slug = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class MeOut(BaseModel):
    kind: str
    id: str
    name: str
    role: Role
    store_ids: list[str] | None


class UserIn(RequestModel):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=10, max_length=200)
    role: Role
    full_name: str = Field(default="", max_length=120)
    store_ids: list[str] | None = Field(default=None, max_length=500)


class UserOut(BaseModel):
    id: str
    username: str
    full_name: str
    role: str
    active: bool
    created_at: datetime


class ApiKeyIn(RequestModel):
    name: str = Field(min_length=1, max_length=120)
    channel: str = Slug
    store_ids: list[str] | None = Field(default=None, max_length=500)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    channel: str
    prefix: str
    store_ids: list[str] | None
    active: bool
    created_at: datetime


class ApiKeyCreated(ApiKeyOut):
    key: str
    """Shown once; only its hash is kept."""


class PasswordChangeIn(RequestModel):
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=10, max_length=200)


class PasswordSetIn(RequestModel):
    new_password: str = Field(min_length=10, max_length=200)
