"""The store broker's bridge over TLS, as ``brigade-edge bridge-config --cafile`` writes it.

A throwaway CA signs the central broker's certificate (127.0.0.1 and localhost). The central
Mosquitto runs the shipped ``brigade-central.conf`` (TLS device listener, the hub's own plain listener
on loopback, the accounts the hub provisions). Two store brokers run the configuration the edge
agent's writer produces, each with its store bridge's account: one trusts that CA and carries
messages both ways; the other trusts a different CA, refuses the central broker's certificate and
carries nothing, although its account is valid.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from contracts import topics
from edge_agent.main import main
from hub.db import Database
from hub.devices.broker_accounts import BrokerProvisioner, store_password_file
from hub.devices.broker_settings import BrokerFilesSettings
from hub.devices.credentials import create_device
from hub.stores.tables import Store
from mqttlink import MqttMessage, MqttSettings, PahoMqttLink
from tests.chaos.waiting import eventually
from tests.databases import sqlite_database
from tests.mqtt_watch import Watcher
from tests.services import CentralFiles, PrivateMosquitto, free_port, private_mosquitto

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TRUSTING, MISTRUSTING = "sh-071", "sh-072"
"""Two stores: the first trusts the CA that signed the central broker's certificate, the second another CA."""


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate_authority(path: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o644)
    return key, cert


def _server_certificate(directory: Path, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> tuple[Path, Path]:
    """The central broker's certificate for 127.0.0.1 (IP SAN) and localhost, signed by ``ca``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    certfile, keyfile = directory / "server.crt", directory / "server.key"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(_pem_key(key))
    for path in (certfile, keyfile):
        path.chmod(0o644)  # a throwaway key, read by mosquitto after it drops root
    return certfile, keyfile


def _register(url: str) -> dict[str, str]:
    """Each store with its edge agent and its bridge's account, as the hub registers them; their secrets."""
    db = Database.from_url(url)
    secrets: dict[str, str] = {}
    with db.session() as session:
        for store_id in (TRUSTING, MISTRUSTING):
            session.add(Store(id=store_id, name=f"店 {store_id}", lat=31.2, lon=121.4))
            session.flush()
            for device_id, kind in ((f"edge-{store_id}", "edge_agent"), (f"bridge-{store_id}", "store_bridge")):
                _, secrets[device_id] = create_device(
                    session, device_id=device_id, kind=kind, store_id=store_id, rider_id=None, actor="test"
                )
        session.commit()
    db.dispose()
    return secrets


@contextlib.contextmanager
def _central(
    directory: Path, url: str, root: str, certfile: Path, keyfile: Path
) -> Iterator[tuple[PrivateMosquitto, MqttSettings]]:
    """The shipped central broker, TLS on its device listener; and how the hub connects to it."""
    hub = MqttSettings(
        port=free_port(),
        client_id=f"brigade-hub-t{uuid.uuid4().hex[:8]}",
        username="hub-central",
        password=f"hub-{uuid.uuid4().hex}",  # type: ignore[arg-type]
        topic_root=root,
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
    )
    files = BrokerFilesSettings(
        password_file=directory / "devices.passwd",
        hub_password_file=directory / "hub.passwd",
        acl_file=directory / "brigade.acl",
        file_mode=0o644,
    )
    db = Database.from_url(url)
    with db.session() as session:
        BrokerProvisioner(files, hub).sync(session)
    db.dispose()
    with private_mosquitto(CentralFiles(directory, hub.port, certfile=certfile, keyfile=keyfile)) as broker:
        yield broker, hub


@contextlib.contextmanager
def _store_broker(
    url: str, store_id: str, *, central_port: int, root: str, cafile: Path, bridge_secret: str, env: pytest.MonkeyPatch
) -> Iterator[PrivateMosquitto]:
    """A store broker running what ``brigade-edge bridge-config --central-port <tls> --cafile <ca>`` writes.

    Only its log goes to a file of the test's instead of syslog (the CLI has no option for it)."""
    with tempfile.TemporaryDirectory(prefix="brigade-store-tls-") as tmp:
        workdir = Path(tmp)
        workdir.chmod(0o777)  # mosquitto writes its database after dropping root
        db = Database.from_url(url)
        with db.session() as session:
            (workdir / "store.passwd").write_text(store_password_file(session, store_id))
        db.dispose()
        broker = PrivateMosquitto(port=free_port(), workdir=workdir)
        password_env = f"BRIGADE_TEST_BRIDGE_SECRET_{store_id.replace('-', '_').upper()}"
        env.setenv(password_env, bridge_secret)
        main(
            ["bridge-config", "--store", store_id, "--central-host", "127.0.0.1", "--central-port", str(central_port),
             "--topic-root", root, "--device", f"edge-{store_id}",
             "--password-file", str(workdir / "store.passwd"), "--acl-file", str(workdir / "store.acl"),
             "--listen-host", "127.0.0.1", "--listen-port", str(broker.port), "--persistence-dir", str(workdir),
             "--remote-username", f"bridge-{store_id}", "--remote-password-env", password_env,
             "--cafile", str(cafile), "--out", str(broker.config_path)]
        )  # fmt: skip
        written = broker.config_path.read_text()
        assert "\nlog_dest syslog\n" in written
        broker.config_path.write_text(
            written.replace("\nlog_dest syslog\n", f"\nlog_dest file {workdir}/mosquitto.log\n")
        )
        broker.start()
        try:
            yield broker
        finally:
            broker.stop()


def _log(broker: PrivateMosquitto) -> str:
    path = broker.workdir / "mosquitto.log"
    return path.read_text(errors="replace") if path.exists() else ""


async def _edge(
    broker: PrivateMosquitto, root: str, store_id: str, secret: str, started: list[PahoMqttLink]
) -> PahoMqttLink:
    """The store's edge agent on its store broker's plain listener (loopback); added to ``started``."""
    device_id = f"edge-{store_id}"
    link = PahoMqttLink(
        MqttSettings(
            port=broker.port,
            client_id=device_id,
            username=device_id,
            password=secret,  # type: ignore[arg-type]
            topic_root=root,
            reconnect_min_s=0.2,
            reconnect_max_s=1.0,
            persistent_session=False,
            publish_timeout_s=5,
        )
    )
    started.append(link)
    await link.start()
    await link.wait_connected(10)
    return link


async def test_the_bridge_reaches_the_central_broker_over_tls_only_with_the_ca_that_signed_it(
    tmp_path: Path, topic_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = topic_root
    url = sqlite_database(tmp_path)
    secrets = _register(url)
    with tempfile.TemporaryDirectory(prefix="brigade-tls-") as tmp:
        pki = Path(tmp)  # not tmp_path: mosquitto reads the CA after dropping root, pytest's directory is private
        pki.chmod(0o755)
        ca_key, ca = _certificate_authority(pki / "ca.crt", "Brigade test CA")
        certfile, keyfile = _server_certificate(pki, ca_key, ca)
        _certificate_authority(pki / "other-ca.crt", "Some other CA")
        with (
            _central(pki, url, root, certfile, keyfile) as (central, hub),
            _store_broker(
                url,
                TRUSTING,
                central_port=central.port,
                root=root,
                cafile=pki / "ca.crt",
                bridge_secret=secrets[f"bridge-{TRUSTING}"],
                env=monkeypatch,
            ) as trusting,
            _store_broker(
                url,
                MISTRUSTING,
                central_port=central.port,
                root=root,
                cafile=pki / "other-ca.crt",
                bridge_secret=secrets[f"bridge-{MISTRUSTING}"],
                env=monkeypatch,
            ) as mistrusting,
        ):
            heard: dict[str, list[MqttMessage]] = {TRUSTING: [], MISTRUSTING: []}

            def collect(store_id: str) -> Callable[[MqttMessage], Awaitable[None]]:
                async def on(message: MqttMessage) -> None:
                    heard[store_id].append(message)

                return on

            links: list[PahoMqttLink] = []
            try:
                edge = await _edge(trusting, root, TRUSTING, secrets[f"edge-{TRUSTING}"], links)
                stranded = await _edge(mistrusting, root, MISTRUSTING, secrets[f"edge-{MISTRUSTING}"], links)
                for store_id, link in ((TRUSTING, edge), (MISTRUSTING, stranded)):
                    await link.subscribe(
                        topics.KITCHEN_TICKET.wildcard(root=root, store_id=store_id), collect(store_id)
                    )
                async with Watcher(hub) as hub_eyes:  # the hub's account, on its own plain listener
                    await hub_eyes.watch(f"{root}/#")

                    order = topics.STORE_ORDER.build(root=root, store_id=TRUSTING)
                    await edge.publish(order, b"in-store order")
                    await hub_eyes.wait_for(1, lambda m: m.topic == order)  # up the TLS bridge
                    ticket = topics.KITCHEN_TICKET.build(root=root, store_id=TRUSTING, station_id="wok")
                    await hub_eyes.link.publish(ticket, b"ticket")
                    await hub_eyes.wait_until(lambda: bool(heard[TRUSTING]))  # and down it
                    assert [(m.topic, m.payload) for m in heard[TRUSTING]] == [(ticket, b"ticket")]

                    await eventually(
                        lambda: "certificate verify failed" in _log(mistrusting),
                        what="the mistrusting store broker refused the central broker's certificate",
                    )
                    lost_order = topics.STORE_ORDER.build(root=root, store_id=MISTRUSTING)
                    await stranded.publish(lost_order, b"lost")
                    await hub_eyes.link.publish(
                        topics.KITCHEN_TICKET.build(root=root, store_id=MISTRUSTING, station_id="wok"), b"lost"
                    )

                    def leaked() -> bool:
                        return bool(heard[MISTRUSTING]) or any(m.topic == lost_order for m in hub_eyes.messages)

                    with contextlib.suppress(TimeoutError):  # a quiet window: anything crossing ends it early
                        await hub_eyes.wait_until(leaked, timeout=4)
                    assert not leaked(), "nothing crosses a bridge that does not trust the central broker"
            finally:
                for link in links:
                    await link.stop()
            assert "certificate verify failed" not in _log(trusting)
            central_log = _log(central)  # who the central broker let in
            assert f"as bridge-{TRUSTING} (" in central_log
            assert f"as bridge-{MISTRUSTING} (" not in central_log
