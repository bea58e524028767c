"""The device registry's table: every device the hub knows, its credential hashes and what it last reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, utcnow


class Device(SQLModel, table=True):
    """A registered device (edge agent, KDS terminal, rider tracker) and its credential."""

    __tablename__ = "devices"

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=32)
    store_id: str | None = Field(default=None, foreign_key="stores.id", max_length=64)
    rider_id: str | None = Field(default=None, max_length=64)
    secret_hash: str = Field(max_length=255)
    broker_hash: str | None = Field(default=None, max_length=255)
    """The same secret in Mosquitto's ``$7$`` format, for the broker's password file (never the secret)."""
    active: bool = True
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
