"""The hub's settings: read from ``BRIGADE_*`` variables once, at the entrypoint."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.crm.settings import CrmSettings
from hub.delivery.settings import DeliverySettings
from hub.notifications.settings import NotifySettings
from mqttlink import MqttSettings


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIGADE_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///var/brigade.sqlite3"
    """SQLite file under ./var by default; ``postgresql+psycopg://...`` in production."""
    var_dir: Path = Path("var")
    secret_key: SecretStr | None = None
    """Signs access tokens. When unset, a random key is generated once and kept in var_dir."""
    token_ttl_minutes: int = Field(default=12 * 60, ge=1)
    mqtt: MqttSettings = MqttSettings(client_id="brigade-hub", shared_group="hub", session_expiry_s=600)
    """Leave client_id at its default for a unique id per process (brigade-hub-<host>-<pid>)."""
    embedded_broker: bool = False
    """Run an in-process MQTT broker (amqtt) on mqtt.host:mqtt.port: the embedded default."""
    run_relay: bool = True
    """Publish the outbox from this process."""
    run_bridge: bool = True
    """Consume device topics in this process."""
    run_jobs: bool = True
    default_timezone: str = "Asia/Shanghai"
    phone_region: str = "CN"
    """Region assumed for phone numbers written without a country code."""
    ticket_confirm_timeout_s: float = Field(default=10.0, gt=0)
    relay_batch_size: int = Field(default=200, ge=1)
    relay_idle_poll_s: float = Field(default=0.2, gt=0)
    bridge_max_group: int = Field(default=64, ge=1, le=1000)
    """High-rate device topics (positions): at most this many waiting messages per transaction."""
    http_threads: int = Field(default=8, ge=1)
    """Worker threads for sync endpoints: a small pool keeps p99 low under load."""
    db_pool_size: int = Field(default=10, ge=1)
    crm: CrmSettings = CrmSettings()
    """How often the CRM's jobs run (order feed, recompute, scheduled rules, sender)."""
    notify: NotifySettings = NotifySettings()
    """Webhook gateway and SMTP for customer messages; quiet hours; retries."""
    source_id: str = "hub"
    """The envelope ``source`` of everything this hub publishes."""
    delivery: DeliverySettings = DeliverySettings()
    """Riders, geofence, route planning (``BRIGADE_DELIVERY__*``)."""

    def resolved_secret(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.var_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
