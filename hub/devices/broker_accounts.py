"""The central broker's accounts and ACL, written from the hub's device registry, then a reload.

Why files and not Mosquitto's dynamic-security plugin: the hub's database stays the only source of
truth and the broker can be rebuilt from it at any time (``brigade-hub broker sync``), because the
hub keeps each secret's Mosquitto hash; dynsec only takes clear passwords over its control topic, so
a lost broker state could not be restored without rotating every device, and the hub would need
an admin account on the broker. Mosquitto reloads both files on SIGHUP and disconnects clients whose
credentials are gone.

Two listeners keep the hub's session its own: devices connect to one with
``use_username_as_clientid`` (a device cannot take another's client id, nor the hub's), the hub to
another whose password file holds only the hub's account.
"""

from __future__ import annotations

import grp
import logging
import os
import signal
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from contracts import access
from hub.devices.broker_settings import BrokerFilesSettings
from hub.devices.tables import Device
from hub.errors import DomainError
from mqttlink import MqttSettings
from mqttlink.mosquitto_passwords import mosquitto_hash

logger = logging.getLogger(__name__)

devices = Device.__table__  # type: ignore[attr-defined]


class BrokerSyncFailed(DomainError):
    code = "broker.sync_failed"
    status = 502
    title = "Broker not updated"


@dataclass(frozen=True)
class BrokerAccount:
    username: str
    password_hash: str
    grants: tuple[access.Grant, ...]


@dataclass
class SyncReport:
    accounts: int = 0
    without_broker_credential: list[str] = field(default_factory=list)
    """Active devices created before the hub kept broker hashes: rotate them to give them one."""
    reloaded: bool = False


def registry_accounts(session: Session, root: str) -> tuple[list[BrokerAccount], list[str]]:
    """Every active device with a broker credential, and its grants; plus the ids of those without one."""
    rows = session.execute(
        select(devices.c.id, devices.c.kind, devices.c.store_id, devices.c.rider_id, devices.c.broker_hash)
        .where(devices.c.active.is_(True))
        .order_by(devices.c.id)
    ).all()
    by_store: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row.store_id and row.kind in access.STORE_DEVICE_KINDS:
            by_store[row.store_id].append(row.id)
    accounts, missing = [], []
    for row in rows:
        if not row.broker_hash:
            missing.append(row.id)
            continue
        grants = _grants(row.kind, row.id, row.store_id, row.rider_id, root, by_store)
        if grants is None:
            missing.append(row.id)
            continue
        accounts.append(BrokerAccount(row.id, row.broker_hash, tuple(grants)))
    return accounts, missing


def _grants(
    kind: str, device_id: str, store_id: str | None, rider_id: str | None, root: str, by_store: dict[str, list[str]]
) -> list[access.Grant] | None:
    if kind in access.STORE_DEVICE_KINDS and store_id:
        return access.store_device_grants(
            kind, root=root, store_id=store_id, device_id=device_id, store_devices=by_store[store_id]
        )
    if kind in access.RIDER_DEVICE_KINDS and rider_id:
        return access.rider_grants(root=root, rider_id=rider_id, device_id=device_id)
    if kind == access.STORE_BRIDGE and store_id:
        return access.store_bridge_grants(
            root=root, store_id=store_id, bridge_id=device_id, store_devices=by_store[store_id]
        )
    return None


def store_password_file(session: Session, store_id: str) -> str:
    """The store broker's password file: the store's edge agents, KDS screens and POS terminals, with the
    same credentials they use at the central broker (hashes only; ``brigade-edge bridge-config`` uses it)."""
    rows = session.execute(
        select(devices.c.id, devices.c.broker_hash)
        .where(
            devices.c.active.is_(True),
            devices.c.store_id == store_id,
            devices.c.kind.in_(access.STORE_DEVICE_KINDS),
            devices.c.broker_hash.is_not(None),
        )
        .order_by(devices.c.id)
    ).all()
    return "".join(f"{row.id}:{row.broker_hash}\n" for row in rows)


def render_password_file(accounts: list[BrokerAccount]) -> str:
    return "".join(f"{a.username}:{a.password_hash}\n" for a in accounts)


class BrokerProvisioner:
    def __init__(self, settings: BrokerFilesSettings, mqtt: MqttSettings) -> None:
        self._settings = settings
        self._mqtt = mqtt

    @property
    def enabled(self) -> bool:
        return self._settings.password_file is not None

    def hub_account(self, root: str) -> BrokerAccount | None:
        if not self._mqtt.username or self._mqtt.password is None:
            return None
        password_hash = mosquitto_hash(self._mqtt.password.get_secret_value())
        return BrokerAccount(self._mqtt.username, password_hash, tuple(access.hub_grants(root)))

    def sync(self, session: Session) -> SyncReport:
        """Write every file from the registry, then reload the broker. Raises BrokerSyncFailed."""
        s = self._settings
        report = SyncReport()
        if s.password_file is None:
            return report
        root = s.topic_root or self._mqtt.topic_root
        accounts, report.without_broker_credential = registry_accounts(session, root)
        hub = self.hub_account(root)
        if hub is not None and any(a.username == hub.username for a in accounts):
            raise BrokerSyncFailed(f"a device is named {hub.username!r}, the hub's own broker account")
        for device_id in report.without_broker_credential:
            logger.warning("device %s has no broker credential: rotate it to let it connect", device_id)
        try:
            self._write(s.password_file, render_password_file(accounts))
            if s.hub_password_file is not None and hub is not None:
                self._write(s.hub_password_file, render_password_file([hub]))
            if s.acl_file is not None:
                everyone = [(a.username, a.grants) for a in ([hub] if hub else []) + accounts]
                self._write(s.acl_file, access.render_acl(everyone))
            report.reloaded = self._reload()
        except (OSError, subprocess.SubprocessError, ValueError) as exc:
            raise BrokerSyncFailed(f"the broker's files were not updated: {type(exc).__name__}: {exc}") from exc
        report.accounts = len(accounts)
        logger.info("broker provisioned: %d device accounts (reloaded: %s)", report.accounts, report.reloaded)
        return report

    def _write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(self._settings.file_mode)
        if self._settings.file_group:
            os.chown(tmp, -1, grp.getgrnam(self._settings.file_group).gr_gid)
        tmp.replace(path)

    def _reload(self) -> bool:
        s = self._settings
        if s.pid_file is not None:
            pid = int(s.pid_file.read_text(encoding="utf-8").strip())
            os.kill(pid, signal.SIGHUP)
            return True
        if s.reload_command:
            subprocess.run(s.reload_command, check=True, timeout=30, capture_output=True)
            return True
        return False


def sync_quietly(provisioner: BrokerProvisioner, session: Session) -> str:
    """After a device change already committed: sync, and say how it went (for the operator)."""
    if not provisioner.enabled:
        return "not configured"
    try:
        provisioner.sync(session)
    except BrokerSyncFailed as exc:
        logger.error("broker not updated after a device change (%s); run `brigade-hub broker sync`", exc.detail)
        return "failed: run `brigade-hub broker sync`"
    return "provisioned"
