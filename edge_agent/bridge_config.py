"""The store broker's Mosquitto configuration: a local broker on the Pi bridged to the central one.

The store's devices (edge agent, KDS) talk to the local broker, so the kitchen keeps working when
the internet drops; the bridge queues both ways meanwhile (persistence on, a raised queue
limit: Mosquitto's default of 1000 queued messages silently drops the rest) and catches up when
the link returns. Hub -> store topics come ``in``; device -> hub topics go ``out``. Tickets the
agent makes for in-store orders stay local (an ``in`` topic never goes out); the POS topic is
not bridged at all.

Every device has its own account here too, with the credential the hub issued it (the password file
comes from ``brigade-hub broker store-passwords``): anonymous clients are refused, the client id is
forced to the username, and the ACL (written next to the configuration) lets each device read and
write only what its kind needs (``contracts.access``). The bridge's own connection to the central
broker uses the store bridge's account and, with ``cafile``, TLS.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from contracts import access, topics


@dataclass(frozen=True)
class BridgeConfig:
    store_id: str
    central_host: str
    central_port: int = 1883
    topic_root: str = topics.DEFAULT_ROOT
    device_ids: tuple[str, ...] = ()
    """The store's edge agents (default ``edge-<store>``): their acks come in, their presence goes out."""
    kds_ids: tuple[str, ...] = ()
    """The store's KDS screens: the same, with a KDS's access."""
    pos_ids: tuple[str, ...] = ()
    """The store's POS terminals: local only (they post orders to the agent and read its refusals)."""
    password_file: Path | None = None
    """The store's devices' accounts (``brigade-hub broker store-passwords``). Required unless anonymous."""
    acl_file: Path | None = None
    """Written by ``write`` from the device lists."""
    allow_anonymous: bool = False
    """Only for a test bench: any client may connect and do anything."""
    listen_host: str = "0.0.0.0"
    listen_port: int = 1883
    persistence_dir: Path = Path("/var/lib/mosquitto")
    max_queued_messages: int = 200_000
    restart_timeout: str = "2 30"
    """Seconds before reconnecting the bridge: ``base cap`` backs off from base up to cap."""
    remote_username: str | None = None
    remote_password: str | None = None
    cafile: Path | None = None
    """TLS to the central broker (its device listener, port 8883) with this CA bundle."""
    log_dest: str = "syslog"
    extra: tuple[str, ...] = field(default=())

    @property
    def bridge_client_id(self) -> str:
        return f"bridge-{self.store_id}"[:64]

    @property
    def edge_ids(self) -> tuple[str, ...]:
        return self.device_ids or (f"edge-{self.store_id}",)


def render_acl(cfg: BridgeConfig) -> str:
    """Each store device's access on the store broker."""
    root, store = cfg.topic_root, cfg.store_id
    talking = (*cfg.edge_ids, *cfg.kds_ids)
    accounts = [
        (device, access.store_device_grants(kind, root=root, store_id=store, device_id=device, store_devices=talking))
        for kind, ids in (("edge_agent", cfg.edge_ids), ("kds", cfg.kds_ids), ("pos", cfg.pos_ids))
        for device in ids
    ]
    return access.render_acl(accounts)


def render(cfg: BridgeConfig) -> str:
    root, store = cfg.topic_root, cfg.store_id
    devices = (*cfg.edge_ids, *cfg.kds_ids)
    if not cfg.allow_anonymous and cfg.password_file is None:
        raise ValueError("the store broker needs a password file (brigade-hub broker store-passwords)")
    incoming = [
        topics.KITCHEN_TICKET.wildcard(root=root, store_id=store),
        topics.STORE_MENU.build(root=root, store_id=store),
        *(topics.ACK.build(root=root, device_id=d) for d in devices),
    ]
    outgoing = [
        topics.TICKET_STATUS.wildcard(root=root, store_id=store),
        topics.TICKET_RECEIVED.wildcard(root=root, store_id=store),
        topics.PRINT_RESULT.build(root=root, store_id=store),
        topics.STORE_ORDER.build(root=root, store_id=store),
        topics.DEVICE_STATE.wildcard(root=root, store_id=store),
        *(topics.PRESENCE.build(root=root, client_id=d) for d in devices),
        topics.DEAD_LETTER.build(root=root),
    ]
    lines = [
        f"# Brigade store broker for store {store}: written by `brigade-edge bridge-config`.",
        "# The store's devices connect here; the bridge below carries their topics to the central broker.",
        "per_listener_settings false",
        f"listener {cfg.listen_port} {cfg.listen_host}",
        *_security(cfg),
        "",
        "# Queued messages survive a restart, and far more than the default 1000 are kept (no silent drops).",
        "persistence true",
        f"persistence_location {str(cfg.persistence_dir).rstrip('/')}/",
        "autosave_interval 5",
        f"max_queued_messages {cfg.max_queued_messages}",
        "max_queued_bytes 0",
        "max_inflight_messages 100",
        f"log_dest {cfg.log_dest}",
        "",
        f"connection brigade-central-{store}",
        f"address {cfg.central_host}:{cfg.central_port}",
        f"clientid {cfg.bridge_client_id}",
        "bridge_protocol_version mqttv311",
        "cleansession false",
        "local_cleansession false",
        "try_private true",
        "keepalive_interval 30",
        f"restart_timeout {cfg.restart_timeout}",
        "bridge_outgoing_retain true",
        "notifications true",
        "notifications_local_only true",  # the central ACL grants bridges no $SYS topic; the state stays in the store
    ]
    if cfg.remote_username:
        lines.append(f"remote_username {cfg.remote_username}")
    if cfg.remote_password:
        lines.append(f"remote_password {cfg.remote_password}")
    if cfg.cafile is not None:
        lines += [f"bridge_cafile {cfg.cafile}", "bridge_tls_version tlsv1.2", "bridge_insecure false"]
    lines.append("# hub -> store")
    lines += [f"topic {t} in 1" for t in incoming]
    lines.append("# store -> hub")
    lines += [f"topic {t} out 1" for t in outgoing]
    lines += list(cfg.extra)
    return "\n".join(lines) + "\n"


def _security(cfg: BridgeConfig) -> list[str]:
    if cfg.allow_anonymous:
        return ["# A test bench: anyone on the network may connect and do anything.", "allow_anonymous true"]
    lines = [
        "# Every device its own account (the hub's credential); the client id is the username.",
        "allow_anonymous false",
        "use_username_as_clientid true",
        f"password_file {cfg.password_file}",
    ]
    if cfg.acl_file is not None:
        lines.append(f"acl_file {cfg.acl_file}")
    return lines


def write(cfg: BridgeConfig, path: Path) -> Path:
    if cfg.acl_file is not None:
        cfg.acl_file.parent.mkdir(parents=True, exist_ok=True)
        acl_tmp = cfg.acl_file.with_suffix(cfg.acl_file.suffix + ".tmp")
        acl_tmp.write_text(render_acl(cfg), encoding="utf-8")
        acl_tmp.chmod(0o644)
        acl_tmp.replace(cfg.acl_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render(cfg), encoding="utf-8")
    tmp.chmod(0o640 if cfg.remote_password else 0o644)
    tmp.replace(path)
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="the store id")
    parser.add_argument("--central-host", required=True)
    parser.add_argument("--central-port", type=int, default=1883)
    parser.add_argument("--topic-root", default=topics.DEFAULT_ROOT)
    parser.add_argument(
        "--device", action="append", default=[], help="an edge agent of the store (repeat); default edge-<store>"
    )
    parser.add_argument("--kds", action="append", default=[], help="a KDS screen of the store (repeat)")
    parser.add_argument("--pos", action="append", default=[], help="a POS terminal of the store (repeat)")
    parser.add_argument(
        "--password-file",
        type=Path,
        default=Path("/etc/mosquitto/brigade-store.passwd"),
        help="the devices' accounts, from `brigade-hub broker store-passwords`",
    )
    parser.add_argument("--acl-file", type=Path, default=Path("/etc/mosquitto/brigade-store.acl"))
    parser.add_argument("--listen-host", default="0.0.0.0")
    parser.add_argument("--listen-port", type=int, default=1883)
    parser.add_argument("--persistence-dir", type=Path, default=Path("/var/lib/mosquitto"))
    parser.add_argument("--max-queued-messages", type=int, default=200_000)
    parser.add_argument("--remote-username")
    parser.add_argument("--remote-password-env", help="name of the environment variable holding the password")
    parser.add_argument("--cafile", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/etc/mosquitto/conf.d/brigade-store.conf"))


def write_from_arguments(args: argparse.Namespace) -> Path:
    password = os.environ.get(args.remote_password_env) if args.remote_password_env else None
    cfg = BridgeConfig(
        store_id=args.store,
        central_host=args.central_host,
        central_port=args.central_port,
        topic_root=args.topic_root,
        device_ids=tuple(args.device),
        kds_ids=tuple(args.kds),
        pos_ids=tuple(args.pos),
        password_file=args.password_file,
        acl_file=args.acl_file,
        listen_host=args.listen_host,
        listen_port=args.listen_port,
        persistence_dir=args.persistence_dir,
        max_queued_messages=args.max_queued_messages,
        remote_username=args.remote_username,
        remote_password=password,
        cafile=args.cafile,
    )
    return write(cfg, args.out)
