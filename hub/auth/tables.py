from __future__ import annotations

from datetime import datetime
from typing import Any

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


class Device(SQLModel, table=True):
    """A registered device (edge agent, KDS terminal, rider tracker) and its credential."""

    __tablename__ = "devices"

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=32)
    store_id: str | None = Field(default=None, foreign_key="stores.id", max_length=64)
    rider_id: str | None = Field(default=None, max_length=64)
    secret_hash: str = Field(max_length=255)
    active: bool = True
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
