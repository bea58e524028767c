"""Where the hub writes the central broker's accounts, and how it tells the broker to reload them."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class BrokerFilesSettings(BaseModel):
    """``BRIGADE_BROKER__*``. Unset ``password_file``: the hub provisions no broker (embedded demo, tests)."""

    password_file: Path | None = None
    """The device listener's ``password_file``: every active device and store bridge."""
    hub_password_file: Path | None = None
    """The hub listener's ``password_file``: the hub's own account only (from ``BRIGADE_MQTT__USERNAME``
    and ``BRIGADE_MQTT__PASSWORD``)."""
    acl_file: Path | None = None
    """The ``acl_file`` both listeners use."""
    file_mode: int = Field(default=0o640, ge=0, le=0o777)
    file_group: str | None = None
    """Group of the written files, e.g. ``mosquitto`` (the broker reads them after dropping root)."""
    pid_file: Path | None = None
    """SIGHUP the broker whose pid is in this file after writing (Mosquitto reloads both files)."""
    reload_command: list[str] = Field(default_factory=list)
    """Or run this, e.g. ``["systemctl", "reload", "mosquitto"]``."""
    topic_root: str | None = None
    """The ACL's topic root; default the hub's own ``BRIGADE_MQTT__TOPIC_ROOT``."""
