"""Devices' public module for other domains: the registry's table, who a device token names, and
applying what devices report about themselves."""

from hub.devices.credentials import device_principal
from hub.devices.service import apply_device_state, apply_presence
from hub.devices.tables import Device

devices_table = Device.__table__  # type: ignore[attr-defined]

__all__ = ["apply_device_state", "apply_presence", "device_principal", "devices_table"]
