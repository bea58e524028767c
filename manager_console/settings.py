"""The console's settings: ``BRIGADE_CONSOLE_*`` variables and the command line, read once in main."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Language = Literal["zh", "en"]


class ConsoleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BRIGADE_CONSOLE_", extra="ignore")

    hub_url: str = Field(pattern=r"^https?://")
    """The hub's base URL, e.g. ``http://127.0.0.1:8000``."""
    username: str | None = None
    password: str | None = None
    api_key: str | None = None
    """Instead of a username and password: sent as ``X-API-Key``."""
    store_id: str | None = None
    """Show one store only (default: every store the login may see)."""
    language: Language = "zh"
    timeout_s: float = Field(default=3.0, gt=0)
    """Each HTTP request gives up after this long; the pane keeps its last good data."""
    refresh_s: float = Field(default=5.0, gt=0)

    @model_validator(mode="after")
    def _credentials(self) -> ConsoleSettings:
        if self.api_key is None and (self.username is None or self.password is None):
            raise ValueError(
                "credentials not set (pass --username and --password or --api-key, or set "
                "BRIGADE_CONSOLE_USERNAME and BRIGADE_CONSOLE_PASSWORD or BRIGADE_CONSOLE_API_KEY)"
            )
        return self
