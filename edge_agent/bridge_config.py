"""The store broker's Mosquitto configuration: a local broker on the Pi bridged to the central one.

The store's devices (edge agent, KDS) talk to the local broker, so the kitchen keeps working when
the internet drops; the bridge queues both ways meanwhile (persistence on, a raised queue
limit: Mosquitto's default of 1000 queued messages silently drops the rest) and catches up when
the link returns. Hub -> store topics come ``in``; device -> hub topics go ``out``. Tickets the
agent makes for in-store orders stay local (an ``in`` topic never goes out); the POS topic is
not bridged at all.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from contracts import topics


@dataclass(frozen=True)
class BridgeConfig:
    store_id: str
    central_host: str
    central_port: int = 1883
    topic_root: str = topics.DEFAULT_ROOT
    device_ids: tuple[str, ...] = ()
    """The store's devices (agent, KDS screens): their acks come in, their presence goes out."""
    listen_host: str = "0.0.0.0"
    listen_port: int = 1883
    persistence_dir: Path = Path("/var/lib/mosquitto")
    max_queued_messages: int = 200_000
    restart_timeout: str = "2 30"
    """Seconds before reconnecting the bridge: ``base cap`` backs off from base up to cap."""
    remote_username: str | None = None
    remote_password: str | None = None
    cafile: Path | None = None
    log_dest: str = "syslog"
    extra: tuple[str, ...] = field(default=())

    @property
    def bridge_client_id(self) -> str:
        return f"bridge-{self.store_id}"[:64]


def render(cfg: BridgeConfig) -> str:
    root, store = cfg.topic_root, cfg.store_id
    devices = cfg.device_ids or (f"edge-{store}",)
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
        "allow_anonymous true",
        "",
        "# Queued messages survive a restart, and far more than the default 1000 are kept (no silent drops).",
        "persistence true",
        f"persistence_location {str(cfg.persistence_dir).rstrip('/')}/",
        "autosave_interval 30",
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
    ]
    if cfg.remote_username:
        lines.append(f"remote_username {cfg.remote_username}")
    if cfg.remote_password:
        lines.append(f"remote_password {cfg.remote_password}")
    if cfg.cafile is not None:
        lines.append(f"bridge_cafile {cfg.cafile}")
    lines.append("# hub -> store")
    lines += [f"topic {t} in 1" for t in incoming]
    lines.append("# store -> hub")
    lines += [f"topic {t} out 1" for t in outgoing]
    lines += list(cfg.extra)
    return "\n".join(lines) + "\n"


def write(cfg: BridgeConfig, path: Path) -> Path:
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
        "--device", action="append", default=[], help="a device of the store (repeat); default edge-<store>"
    )
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
        listen_host=args.listen_host,
        listen_port=args.listen_port,
        persistence_dir=args.persistence_dir,
        max_queued_messages=args.max_queued_messages,
        remote_username=args.remote_username,
        remote_password=password,
        cafile=args.cafile,
    )
    return write(cfg, args.out)
