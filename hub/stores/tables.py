from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from hub.db_types import UTCDateTime, new_id, utcnow


class Store(SQLModel, table=True):
    __tablename__ = "stores"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=120)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    address: str = Field(default="", max_length=500)
    lat: float | None = None
    lon: float | None = None
    """WGS-84."""
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Station(SQLModel, table=True):
    __tablename__ = "stations"
    __table_args__ = (UniqueConstraint("store_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    code: str = Field(max_length=64)
    name: str = Field(max_length=120)
    warn_after_s: int = 300
    late_after_s: int = 480


class Printer(SQLModel, table=True):
    __tablename__ = "printers"

    id: str = Field(primary_key=True, max_length=64)
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    name: str = Field(max_length=120)
    station_code: str | None = Field(default=None, max_length=64)
    connection: str = Field(max_length=255)
    """tcp://host:9100 or serial:///dev/ttyUSB0."""
    paper_width_mm: int = 80
    codepage: str = Field(default="gb18030", max_length=32)
    fallback_printer_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default="unknown", max_length=32)
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MenuItem(SQLModel, table=True):
    __tablename__ = "menu_items"
    __table_args__ = (UniqueConstraint("store_id", "sku"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    store_id: str = Field(foreign_key="stores.id", index=True, max_length=64)
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    price_fen: int = Field(ge=0)
    currency: str = Field(default="CNY", max_length=3)
    station_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    allergens: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
