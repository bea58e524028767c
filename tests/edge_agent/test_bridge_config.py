"""The shipped broker configurations: what the bridge carries, and the queue limit that matters."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from pathlib import Path

import pytest

from edge_agent.bridge_config import BridgeConfig, render
from edge_agent.main import main
from mqttlink import MqttMessage, MqttSettings, PahoMqttLink
from tests.services import free_port, private_mosquitto

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"


def test_the_bridge_carries_the_stores_topics_each_way() -> None:
    text = render(
        BridgeConfig(
            store_id="sh-001",
            central_host="c.example",
            device_ids=("edge-sh-001",),
            kds_ids=("kds-1",),
            password_file=Path("/etc/mosquitto/brigade-store.passwd"),
        )
    )
    topics = [line.split()[1:3] for line in text.splitlines() if line.startswith("topic ")]
    assert ["brigade/v1/stores/sh-001/kitchen/+/tickets", "in"] in topics
    assert ["brigade/v1/stores/sh-001/menu", "in"] in topics
    assert ["brigade/v1/acks/kds-1", "in"] in topics
    for out in ("kitchen/+/status", "kitchen/+/received", "print-results", "orders", "devices/+/state"):
        assert [f"brigade/v1/stores/sh-001/{out}", "out"] in topics
    assert ["brigade/v1/presence/edge-sh-001", "out"] in topics
    assert not any("pos/orders" in t[0] for t in topics), "the POS topic stays in the store"
    assert "cleansession false" in text and "persistence true" in text


@pytest.mark.parametrize("path", [DEPLOY / "brigade-central.conf", DEPLOY / "brigade-store.conf.example"])
def test_shipped_configs_persist_and_raise_the_queue_limit(path: Path) -> None:
    settings = dict(line.split(maxsplit=1) for line in path.read_text().splitlines() if line and line[0] != "#")
    assert settings["persistence"] == "true"
    assert int(settings["max_queued_messages"]) >= 100_000
    assert settings.get("autosave_on_changes", "false") == "false" and int(settings["autosave_interval"]) <= 5, (
        "saved every few seconds: a crash loses at most that much of the queue"
    )


def test_the_cli_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "store.conf"
    acl = tmp_path / "store.acl"
    args = ["--device", "edge-s9", "--kds", "kds-s9", "--out", str(out), "--acl-file", str(acl)]
    main(["bridge-config", "--store", "s9", "--central-host", "h", *args])
    assert "topic brigade/v1/stores/s9/kitchen/+/tickets in 1" in out.read_text()
    assert "allow_anonymous false" in out.read_text()
    assert "user kds-s9\ntopic read brigade/v1/acks/kds-s9" in acl.read_text()


async def _queued_for_an_offline_subscriber(port: int, count: int) -> int:
    """A persistent subscriber goes away; ``count`` QoS 1 messages are published; how many reach it after."""
    root = f"q{uuid.uuid4().hex[:8]}"
    sub_settings = MqttSettings(port=port, client_id=f"sub-{root}", topic_root=root, reconnect_min_s=0.2)
    received: list[MqttMessage] = []
    done = asyncio.Event()

    async def collect(message: MqttMessage) -> None:
        received.append(message)
        if len(received) >= count:
            done.set()

    sub = PahoMqttLink(sub_settings)
    await sub.subscribe(f"{root}/#", collect)
    await sub.start()
    await sub.wait_connected(10)
    await sub.stop()
    pub = PahoMqttLink(sub_settings.model_copy(update={"client_id": f"pub-{root}"}))
    await pub.start()
    await pub.wait_connected(10)
    await asyncio.gather(*(pub.publish(f"{root}/t", str(i).encode()) for i in range(count)))
    await pub.stop()
    again = PahoMqttLink(sub_settings)
    await again.subscribe(f"{root}/#", collect)
    await again.start()
    seen = -1
    while not done.is_set() and len(received) != seen:  # until all arrived, or a second passes with none
        seen = len(received)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 1.0)
    await again.stop()
    return len(received)


@pytest.mark.integration
async def test_mosquittos_default_queue_drops_and_ours_keeps_everything(tmp_path: Path) -> None:
    with private_mosquitto() as default:  # the pitfall: max_queued_messages 1000 by default
        default.stop()
        default.config_path.write_text(f"listener {default.port} 127.0.0.1\nallow_anonymous true\n")
        default.start()
        assert await _queued_for_an_offline_subscriber(default.port, 1500) == 1000
    with private_mosquitto() as shipped:
        shipped.stop()
        cfg = BridgeConfig(
            store_id="s1",
            central_host="127.0.0.1",
            central_port=free_port(),
            listen_host="127.0.0.1",
            listen_port=shipped.port,
            persistence_dir=shipped.workdir,
            log_dest=f"file {shipped.workdir}/log",
            allow_anonymous=True,  # the queue limit is the point here
        )
        shipped.config_path.write_text(render(cfg))
        shipped.start()
        assert await _queued_for_an_offline_subscriber(shipped.port, 1500) == 1500
