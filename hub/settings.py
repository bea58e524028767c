"""The hub's settings: read from ``BRIGADE_*`` variables once, at the entrypoint."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.auth.settings import AuthSettings
from hub.crm.settings import CrmSettings
from hub.delivery.settings import DeliverySettings
from hub.devices.broker_settings import BrokerFilesSettings
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
    ticket_resend_interval_s: float = Field(default=15.0, gt=0)
    """A ticket sent but confirmed by no edge (received, printed, shown) is published again after this
    long, then after twice as long each time, up to ``ticket_resend_max_interval_s``."""
    ticket_resend_max_interval_s: float = Field(default=300.0, gt=0)
    ticket_resend_max: int = Field(default=12, ge=0)
    """Resends per ticket revision before the hub stops (the unconfirmed alert stays until it is confirmed)."""
    service_desk_interval_s: float = Field(default=30.0, gt=0)
    """How often SLA breaches, escalations, due surveys and lead follow-ups are checked."""
    subscriptions_interval_s: float = Field(default=60.0, gt=0)
    """How often the subscription cut-off writes the next delivery days."""
    analytics_rollup_interval_s: float = Field(default=60.0, gt=0)
    """How often the analytics rollups (behind GET /analytics/sales, customers, cohorts, products, riders,
    kitchen and most reports) take in changed orders, deliveries and kitchen tickets."""
    analytics_live_days_max: int = Field(default=500, ge=0)
    """GET /analytics/sales recomputes up to this many store days changed since the rollup's refresh from
    the orders (read only); after a bulk change of more, it serves the rollup and says it is not live."""
    subscription_upkeep_interval_s: float = Field(default=900.0, gt=0)
    """How often low-balance and expiring-plan reminders, automatic renewals and prepaid expiry run
    (each is written once per period, so a shorter interval only finds them sooner)."""
    relay_batch_size: int = Field(default=200, ge=1)
    relay_idle_poll_s: float = Field(default=0.2, gt=0)
    bridge_max_group: int = Field(default=64, ge=1, le=1000)
    """High-rate device topics (positions): at most this many waiting messages per transaction."""
    bridge_max_attempts: int = Field(default=3, ge=1, le=100)
    """A device message that keeps failing is dead-lettered and refused after this many attempts
    (attempts while the database is unreachable do not count)."""
    http_threads: int = Field(default=8, ge=1)
    """Worker threads for sync endpoints: a small pool keeps p99 low under load."""
    db_pool_size: int = Field(default=10, ge=1)
    sqlite_busy_timeout_s: float = Field(default=30.0, gt=0, le=600)
    """Embedded SQLite: how long a write waits for another writer before the request gets a 503."""
    crm: CrmSettings = CrmSettings()
    """How often the CRM's jobs run (order feed, recompute, scheduled rules, sender)."""
    notify: NotifySettings = NotifySettings()
    """Webhook gateway and SMTP for customer messages; quiet hours; retries."""
    source_id: str = "hub"
    """The envelope ``source`` of everything this hub publishes."""
    delivery: DeliverySettings = DeliverySettings()
    """Riders, geofence, route planning (``BRIGADE_DELIVERY__*``)."""
    broker: BrokerFilesSettings = BrokerFilesSettings()
    """The central broker's password and ACL files the hub writes from its devices (``BRIGADE_BROKER__*``)."""
    auth: AuthSettings = AuthSettings()
    """Sign-in throttling and the password-hashing threads (``BRIGADE_AUTH__*``)."""
    http_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    """Largest request body; a bigger one gets 413 before it is read."""
    http_body_limits: dict[str, int] = {}
    """Larger limits for path prefixes that take files, e.g. ``{"/imports/": 52428800}``; only a caller
    with a valid Bearer token may send more than ``http_max_body_bytes`` there."""
    metrics_token: SecretStr | None = None
    """When set, ``/metrics`` answers only to ``Authorization: Bearer <this token>``."""

    def resolved_secret(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.var_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
