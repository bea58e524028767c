from __future__ import annotations

from datetime import datetime
from zoneinfo import available_timezones

from pydantic import BaseModel, Field, field_validator

from hub.api_types import RequestModel, StrictBool, StrictFloat, StrictInt

SLUG = r"^[A-Za-z0-9_.:-]+$"


class StoreIn(RequestModel):
    line_break_fields = frozenset({"address"})

    id: str = Field(min_length=1, max_length=64, pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    timezone: str = "Asia/Shanghai"
    address: str = Field(default="", max_length=500)
    lat: StrictFloat | None = Field(default=None, ge=-90, le=90)
    lon: StrictFloat | None = Field(default=None, ge=-180, le=180)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"unknown time zone {value!r}")
        return value


class StoreOut(BaseModel):
    id: str
    name: str
    timezone: str
    address: str
    lat: float | None
    lon: float | None
    created_at: datetime


class StationIn(RequestModel):
    code: str = Field(min_length=1, max_length=64, pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    warn_after_s: StrictInt = Field(default=300, ge=10, le=86400)
    late_after_s: StrictInt = Field(default=480, ge=10, le=86400)


class StationOut(BaseModel):
    code: str
    name: str
    warn_after_s: int
    late_after_s: int


class PrinterIn(RequestModel):
    id: str = Field(min_length=1, max_length=64, pattern=SLUG)
    name: str = Field(min_length=1, max_length=120)
    station_code: str | None = Field(default=None, max_length=64)
    connection: str = Field(min_length=1, max_length=255, pattern=r"^(tcp|serial)://")
    paper_width_mm: StrictInt = Field(default=80)
    codepage: str = Field(default="gb18030", max_length=32)
    fallback_printer_id: str | None = Field(default=None, max_length=64)

    @field_validator("paper_width_mm")
    @classmethod
    def _paper(cls, value: int) -> int:
        if value not in (58, 80):
            raise ValueError("paper width is 58 or 80 mm")
        return value


class PrinterOut(BaseModel):
    id: str
    name: str
    station_code: str | None
    connection: str
    paper_width_mm: int
    codepage: str
    fallback_printer_id: str | None
    status: str
    status_at: datetime | None


class MenuItemIn(RequestModel):
    sku: str = Field(min_length=1, max_length=64, pattern=SLUG)
    name: str = Field(min_length=1, max_length=200)
    price_fen: StrictInt = Field(ge=0, le=100_000_000)
    station_codes: list[str] = Field(min_length=1, max_length=10)
    allergens: list[str] = Field(default_factory=list, max_length=20)
    active: StrictBool = True


class MenuItemPatch(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    price_fen: StrictInt | None = Field(default=None, ge=0, le=100_000_000)
    station_codes: list[str] | None = Field(default=None, min_length=1, max_length=10)
    allergens: list[str] | None = Field(default=None, max_length=20)
    active: StrictBool | None = None


class MenuItemOut(BaseModel):
    id: str
    sku: str
    name: str
    price_fen: int
    currency: str
    station_codes: list[str]
    allergens: list[str]
    active: bool


class MenuOut(BaseModel):
    store_id: str
    version: int
    items: int
