"""Brokers for the chaos tests: a central Mosquitto, and a store Mosquitto bridged to it through a
cuttable link, configured by the edge agent's own bridge configuration writer."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from edge_agent.bridge_config import BridgeConfig, render
from mqttlink import MqttSettings
from tests import services
from tests.chaos.tcp_proxy import TcpProxy
from tests.services import PrivateMosquitto


@dataclass
class BridgedStore:
    broker: PrivateMosquitto
    link: TcpProxy


@contextlib.contextmanager
def bridged_store_broker(
    central_port: int, *, store_id: str, root: str, devices: tuple[str, ...], keep_log_in: Path | None = None
) -> Iterator[BridgedStore]:
    """A store broker whose bridge reaches the central broker through a proxy the test can cut; its log
    is copied to ``keep_log_in`` after (the bridge's side of a failure)."""
    if shutil.which("mosquitto") is None:
        services.missing("the mosquitto binary is not installed (Debian package mosquitto)")
    link = TcpProxy(central_port).start()
    with tempfile.TemporaryDirectory(prefix="brigade-store-mosq-") as tmp:
        Path(tmp).chmod(0o777)
        broker = PrivateMosquitto(port=services.free_port(), workdir=Path(tmp))
        config = BridgeConfig(
            store_id=store_id,
            central_host="127.0.0.1",
            central_port=link.port,
            topic_root=root,
            device_ids=devices,
            listen_host="127.0.0.1",
            listen_port=broker.port,
            persistence_dir=Path(tmp),
            restart_timeout="1 2",
            log_dest=f"file {tmp}/mosquitto.log",
            allow_anonymous=True,  # the WAN cut is the point here, not the accounts
            extra=("log_type all",) if os.environ.get("BRIGADE_CHAOS_DEBUG") else (),  # every packet, for a diagnosis
        )
        broker.config_path.write_text(render(config))
        broker.start()
        try:
            yield BridgedStore(broker, link)
        finally:
            broker.stop()
            link.stop()
            if keep_log_in is not None:
                keep_log_in.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(OSError):
                    shutil.copy(Path(tmp) / "mosquitto.log", keep_log_in / "mosquitto.log")


def settings_for(port: int, root: str, client_id: str, **changes: object) -> MqttSettings:
    return MqttSettings(
        port=port,
        client_id=client_id,
        topic_root=root,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
        publish_timeout_s=5.0,
        **changes,  # type: ignore[arg-type]
    )


@contextlib.contextmanager
def central_broker(keep_log_in: Path) -> Iterator[PrivateMosquitto]:
    """The central Mosquitto of a chaos test (persistence on); its log is copied to ``keep_log_in`` after.

    Its directory lives under the system temp dir: Mosquitto drops to its own user and could not
    write its database (persistence!) under pytest's private directories.
    """
    if shutil.which("mosquitto") is None:
        services.missing("the mosquitto binary is not installed (Debian package mosquitto)")
    with tempfile.TemporaryDirectory(prefix="brigade-central-") as tmp:
        Path(tmp).chmod(0o777)
        broker = PrivateMosquitto(port=services.free_port(), workdir=Path(tmp))
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()
            keep_log_in.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                shutil.copy(Path(tmp) / "mosquitto.log", keep_log_in / "mosquitto.log")
