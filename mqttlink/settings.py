"""Connection settings for one MQTT link; embedded in each process's own settings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class MqttSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    client_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$", default="brigade")
    """Also the username when credentials are set; never contains '+', '#' or '/'."""
    username: str | None = None
    """A device's username is its device id (the broker forces the client id to it)."""
    password: SecretStr | None = None
    """The device's secret from ``brigade-hub create-device`` / ``rotate-device``."""
    tls: bool = False
    """Connect over TLS (the central broker's device listener, port 8883)."""
    tls_ca_file: str | None = None
    """CA bundle that signed the broker's certificate; None: the system's CAs."""
    tls_cert_file: str | None = None
    """Client certificate, where the broker asks for one."""
    tls_key_file: str | None = None
    protocol: Literal["auto", "5", "3.1.1"] = "auto"
    """auto: MQTT v5, falling back to 3.1.1 when the broker refuses v5 (amqtt)."""
    keepalive_s: int = Field(default=30, ge=5)
    persistent_session: bool = True
    session_expiry_s: int = Field(default=24 * 3600, ge=0)
    reconnect_min_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=30.0, gt=0)
    publish_timeout_s: float = Field(default=10.0, gt=0)
    topic_root: str = "brigade"
    shared_group: str | None = None
    """Consume through ``$share/<group>/...`` when the broker supports shared subscriptions."""
    max_inflight: int = Field(default=100, ge=1)
