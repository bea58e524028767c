"""The edge agent's settings: ``BRIGADE_EDGE_*`` variables and/or a JSON file, read once in ``main``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from edge_agent.printing.profile import PrinterProfile
from mqttlink import MqttSettings

_ID = r"^[A-Za-z0-9_.:-]{1,64}$"


class PrinterConfig(BaseModel):
    """One printer of the store (the same fields as the hub's printer records)."""

    id: str = Field(pattern=_ID)
    connection: str
    """``tcp://192.168.1.50:9100`` or ``serial:///dev/ttyUSB0?baudrate=19200``."""
    station: str | None = Field(default=None, pattern=_ID)
    """The station whose tickets this printer prints first."""
    fallback: str | None = Field(default=None, pattern=_ID)
    """The next printer when this one is offline or out of paper (a chain: grill -> backup -> receipt)."""
    profile: PrinterProfile = PrinterProfile()


class EdgeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIGADE_EDGE_", env_nested_delimiter="__", extra="ignore")

    store_id: str = Field(pattern=_ID)
    device_id: str = Field(default="", pattern=r"^[A-Za-z0-9_.:-]{0,64}$")
    """This agent's id: MQTT client id and envelope source (default ``edge-<store_id>``)."""
    mqtt: MqttSettings = MqttSettings(client_id="brigade-edge")
    """The store broker (on the Pi, bridged to the central one), or the central broker directly."""
    var_dir: Path = Path("var/edge")
    """Spool and outbox live here: keep it on persistent storage."""
    printers: list[PrinterConfig] = Field(default_factory=list)
    default_printer: str | None = None
    """Prints tickets of stations no printer is configured for, headed BACKUP FROM <station>."""
    timezone: str = "Asia/Shanghai"
    """Times on tickets are printed in the store's timezone."""
    printer_timeout_s: float = Field(default=5.0, gt=0)
    retry_min_s: float = Field(default=0.5, gt=0)
    retry_max_s: float = Field(default=15.0, gt=0)
    status_poll_s: float = Field(default=30.0, gt=0)
    """An idle printer's status is read this often, so paper out shows before the next ticket."""
    outbox_retry_s: float = Field(default=30.0, gt=0)
    """Unacknowledged messages to the hub are sent again after this long (the hub ignores repeats).
    Not too short: a hub that is merely behind would get every backlog message again and fall further behind."""
    receipt_delay_s: float = Field(default=1.0, ge=0)
    """A ticket's receipt waits this long for its print result, which then reports both (0: send at once)."""
    health_interval_s: float = Field(default=30.0, gt=0)
    pos_http_host: str = "127.0.0.1"
    pos_http_port: int | None = Field(default=None, ge=0, le=65535)
    """The in-store POS endpoint (POST /orders). None: off (the POS can still use MQTT)."""
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _check(self) -> EdgeSettings:
        if not self.device_id:
            self.device_id = f"edge-{self.store_id}"[:64]
        ids = [p.id for p in self.printers]
        if len(ids) != len(set(ids)):
            raise ValueError("printer ids must be unique")
        for p in self.printers:
            if p.fallback is not None and p.fallback not in ids:
                raise ValueError(f"printer {p.id}: fallback {p.fallback!r} is not a configured printer")
        if self.default_printer is not None and self.default_printer not in ids:
            raise ValueError(f"default_printer {self.default_printer!r} is not a configured printer")
        return self

    @property
    def spool_path(self) -> Path:
        return self.var_dir / "spool.sqlite3"

    @property
    def outbox_path(self) -> Path:
        return self.var_dir / "outbox.sqlite3"

    @property
    def closes_path(self) -> Path:
        """Bumps and cancels of the stations' open-ticket lists (the tickets are in the spool)."""
        return self.var_dir / "ticket-closes.sqlite3"

    def mqtt_for_agent(self) -> MqttSettings:
        return self.mqtt.model_copy(update={"client_id": self.device_id, "persistent_session": True})

    @classmethod
    def from_file(cls, path: Path, **overrides: Any) -> EdgeSettings:
        """A JSON file for the store's printers and stations; the environment fills in the rest."""
        import json

        data = json.loads(path.read_text(encoding="utf-8"))
        data.update(overrides)
        return cls(**data)
