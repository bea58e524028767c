"""How notifications leave the hub: the business's webhook gateway (SMS, WeChat) and SMTP."""

from __future__ import annotations

from datetime import time

from pydantic import BaseModel, Field, SecretStr


class NotifySettings(BaseModel):
    webhook_url: str | None = None
    """The business's SMS / WeChat gateway: receives a signed JSON POST per message."""
    webhook_secret: SecretStr | None = None
    """Signs each POST (X-Brigade-Signature). Unset: the hub's secret key."""
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_from: str = "Brigade <noreply@localhost>"
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120)
    public_base_url: str = "http://127.0.0.1:8000"
    """Where customers reach the hub's unsubscribe link."""
    quiet_start: time = time(21, 0)
    quiet_end: time = time(9, 0)
    """No marketing message is sent between these local times (the customer's home-store zone)."""
    max_attempts: int = Field(default=12, ge=1, le=100)
    """After this many failed attempts a message is marked failed (kept, and can be retried)."""
    backoff_base_s: float = Field(default=30.0, gt=0)
    backoff_max_s: float = Field(default=3600.0, gt=0)
    batch_size: int = Field(default=100, ge=1, le=10_000)
