"""``RiderSettings``: the one settings object of the rider tracker, read from ``BRIGADE_RIDER_*``.

Nested values use ``__``: ``BRIGADE_RIDER_MQTT__HOST``, ``BRIGADE_RIDER_GPSD__PORT``,
``BRIGADE_RIDER_THROTTLE__MOVING_INTERVAL_S``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.base import Identifier
from mqttlink.settings import MqttSettings
from rider_tracker.batching import BatchRules
from rider_tracker.fix_validity import ValidityRules
from rider_tracker.throttle import ThrottleRules


class GpsdSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=2947, ge=1, le=65535)
    connect_timeout_s: float = Field(default=3.0, gt=0)
    read_timeout_s: float = Field(default=3.0, gt=0)
    poll_interval_s: float = Field(default=0.5, gt=0)


class SerialSettings(BaseModel):
    port: str = "/dev/ttyUSB0"
    baudrate: int = Field(default=9600, gt=0)
    read_timeout_s: float = Field(default=1.0, gt=0)


class ReplaySettings(BaseModel):
    path: Path | None = None
    speed: float = Field(default=1.0, ge=0)
    """1: real time; 10: ten times faster; 0: as fast as possible."""
    rebase_times: bool = False
    loop: bool = False


class ValiditySettings(BaseModel):
    max_age_s: float = Field(default=15.0, gt=0)
    clock_trusted: bool = True
    """False on units without a real-time clock, or when gpsd replays a recording (old fix times)."""
    max_future_s: float = Field(default=300.0, ge=0)
    max_lead_s: float = Field(default=3600.0, ge=0)
    """Without a trusted clock: fixes leaping further ahead of the unit's monotonic clock are refused."""
    max_speed_mps: float = Field(default=30.0, gt=0)
    doppler_margin_mps: float | None = Field(default=15.0, ge=0)
    max_accuracy_m: float | None = Field(default=250.0, gt=0)
    reanchor_after: int = Field(default=3, ge=1)

    def rules(self) -> ValidityRules:
        return ValidityRules(**self.model_dump())


class ThrottleSettings(BaseModel):
    min_interval_s: float = Field(default=1.0, ge=0)
    moving_interval_s: float = Field(default=5.0, ge=0)
    stationary_interval_s: float = Field(default=60.0, ge=0)
    min_distance_m: float = Field(default=25.0, ge=0)
    heading_change_deg: float = Field(default=30.0, ge=0, le=180)
    moving_speed_mps: float = Field(default=1.5, ge=0)

    def rules(self) -> ThrottleRules:
        return ThrottleRules(**self.model_dump())


class BatchSettings(BaseModel):
    online_max_positions: int = Field(default=20, ge=1, le=5000)
    online_max_delay_s: float = Field(default=5.0, ge=0)
    slow_max_positions: int = Field(default=300, ge=1, le=5000)
    slow_max_delay_s: float = Field(default=600.0, ge=0)
    slow_backlog: int = Field(default=3, ge=1)

    def rules(self) -> BatchRules:
        return BatchRules(**self.model_dump())


class RiderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIGADE_RIDER_", env_nested_delimiter="__")

    rider_id: Identifier
    device_id: Identifier | None = None
    """MQTT client id and username of this unit; defaults to the rider id."""
    source: Literal["gpsd", "nmea", "replay"] = "gpsd"
    gpsd: GpsdSettings = GpsdSettings()
    serial: SerialSettings = SerialSettings()
    replay: ReplaySettings = ReplaySettings()
    mqtt: MqttSettings = MqttSettings()
    spool_path: Path = Path("var/rider-spool.sqlite3")
    """Positions, delivery events and the outbox; keep it on persistent storage."""
    validity: ValiditySettings = ValiditySettings()
    throttle: ThrottleSettings = ThrottleSettings()
    batching: BatchSettings = BatchSettings()
    outbox_retry_s: float = Field(default=10.0, gt=0)
    """Resend a message the hub has not acknowledged after this long."""
    headless: bool = False
    """Track and upload without the rider screen (a bike unit with no display)."""
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    log_file: Path | None = Path("var/rider.log")
    """With the screen on, logs go here (never to the terminal the screen draws on)."""

    @property
    def unit_id(self) -> str:
        return self.device_id or self.rider_id
