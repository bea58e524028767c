from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, new_id, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    username: str = Field(unique=True, index=True, max_length=64)
    full_name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    token_generation: int = 0
    """Tokens carry the generation they were issued in; a password change moves it on, ending the others."""


class UserStore(SQLModel, table=True):
    """The stores a store manager may see."""

    __tablename__ = "user_stores"

    user_id: str = Field(foreign_key="users.id", primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="stores.id", primary_key=True, max_length=64)


class ApiKey(SQLModel, table=True):
    """A sales channel's key. Only its SHA-256 is stored; the key is shown once."""

    __tablename__ = "api_keys"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=120)
    channel: str = Field(max_length=64)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(unique=True, index=True, max_length=64)
    store_ids: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LoginFailures(SQLModel, table=True):
    """Recent wrong passwords per username and per client address, shared by every hub process.

    ``version`` makes each change a compare-and-set, so two processes charging the same key at once
    both count.
    """

    __tablename__ = "login_failures"

    scope: str = Field(primary_key=True, max_length=16)
    """user or address."""
    key: str = Field(primary_key=True, max_length=128)
    count: int = 0
    last_at: datetime = Field(sa_type=UTCDateTime, index=True)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = 0
