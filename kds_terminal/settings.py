"""The kitchen display's settings: ``BRIGADE_KDS_*`` variables and the command line, read once in main."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, StringConstraints, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kds_terminal.tickets import Thresholds
from mqttlink import MqttSettings

Language = Literal["zh", "en", "zh+en"]
_ID = r"^[A-Za-z0-9_.:-]{1,64}$"
Code = Annotated[str, StringConstraints(pattern=_ID)]


class StationThresholds(BaseModel):
    warn_after_min: float = Field(gt=0)
    late_after_min: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> StationThresholds:
        if self.late_after_min < self.warn_after_min:
            raise ValueError("late_after_min must not be below warn_after_min")
        return self

    def thresholds(self) -> Thresholds:
        return Thresholds(warn_after_s=self.warn_after_min * 60, late_after_s=self.late_after_min * 60)


class KdsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIGADE_KDS_", env_nested_delimiter="__", extra="ignore")

    store_id: str = Field(pattern=_ID)
    stations: list[Code] = Field(min_length=1)
    """The station codes this screen serves (usually one), e.g. ``["wok"]``."""
    device_id: str | None = Field(default=None, pattern=_ID)
    """MQTT client id and the ``device_id`` on every status; default ``kds-<store>-<first station>``."""
    mqtt: MqttSettings = MqttSettings()
    """The store broker: ``BRIGADE_KDS_MQTT__HOST``, ``__PORT``, ``__TOPIC_ROOT``..."""
    language: Language = "zh"
    timezone: str = "Asia/Shanghai"
    """For due times and the clock on screen."""
    warn_after_min: float = Field(default=5, gt=0)
    late_after_min: float = Field(default=8, gt=0)
    station_thresholds: dict[str, StationThresholds] = {}
    """Per station, e.g. ``{"grill": {"warn_after_min": 8, "late_after_min": 12}}``."""
    state_dir: Path = Path("var/kds")
    """The board file and the status outbox live here; keep it on persistent storage."""
    columns: int = Field(default=4, ge=1, le=10)
    rows: int = Field(default=2, ge=1, le=4)
    recall_depth: int = Field(default=20, ge=1, le=100)
    cancelled_display_s: float = Field(default=30, ge=0)
    new_highlight_s: float = Field(default=15, ge=0)
    bell: bool = True
    """Ring the terminal bell on a new, changed or cancelled ticket."""
    show_all_day: bool = True
    watch_presence: list[Code] = []
    """Client ids (e.g. the store's edge agent) whose retained ``offline`` means the feed is down."""
    keymap: dict[str, str] = {}
    """Binding id -> keys, for a bump bar that sends other codes, e.g. ``{"kds.bump": "enter,f12"}``."""
    outbox_retry_s: float = Field(default=5, gt=0)
    log_file: Path | None = None
    """Default ``<state_dir>/<device_id>.log``: the terminal belongs to the screen."""

    @model_validator(mode="after")
    def _check(self) -> KdsSettings:
        if self.late_after_min < self.warn_after_min:
            raise ValueError("late_after_min must not be below warn_after_min")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        self.stations = list(dict.fromkeys(self.stations))
        return self

    @property
    def resolved_device_id(self) -> str:
        return self.device_id or f"kds-{self.store_id}-{self.stations[0]}"

    @property
    def board_path(self) -> Path:
        return self.state_dir / f"{self.resolved_device_id}.board.sqlite3"

    @property
    def outbox_path(self) -> Path:
        return self.state_dir / f"{self.resolved_device_id}.outbox.sqlite3"

    @property
    def resolved_log_file(self) -> Path:
        return self.log_file or self.state_dir / f"{self.resolved_device_id}.log"

    @property
    def link_settings(self) -> MqttSettings:
        """The broker settings with this display's own client id (its outbox acks come to it)."""
        return self.mqtt.model_copy(update={"client_id": self.resolved_device_id})

    @property
    def default_thresholds(self) -> Thresholds:
        return Thresholds(warn_after_s=self.warn_after_min * 60, late_after_s=self.late_after_min * 60)

    def thresholds(self) -> dict[str, Thresholds]:
        return {station: t.thresholds() for station, t in self.station_thresholds.items()}
