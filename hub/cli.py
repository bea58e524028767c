"""``brigade-hub``: serve, migrate, create the first admin, keys and devices."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlmodel import Session

from hub.db import Database
from hub.delivery.routes_cli import routes_app
from hub.errors import DomainError
from hub.kernel.roles import Role
from hub.logging_setup import configure_logging
from hub.settings import HubSettings

app = typer.Typer(
    help="Brigade hub: customers, orders, kitchens, riders.", no_args_is_help=True, pretty_exceptions_enable=False
)


app.add_typer(routes_app, name="routes")

_NO_DATABASE_NEEDED = {"migrate", "makemigration", "serve", "routes"}


@app.callback()
def _check_database(ctx: typer.Context) -> None:
    """Before a command that reads the database: say in one sentence if it is missing or not migrated."""
    if ctx.invoked_subcommand in _NO_DATABASE_NEEDED or ctx.resilient_parsing or _asks_for_help():
        return
    from hub.schema_state import schema_problem

    problem = schema_problem(_settings().database_url)
    if problem is not None:
        typer.echo(f"brigade-hub: {problem}", err=True)
        raise typer.Exit(2)


def _asks_for_help() -> bool:
    return any(arg in ("--help", "-h") for arg in sys.argv[1:])


_FLAGS = {
    "database_url": "--database-url",
    "var_dir": "--var-dir",
    "embedded_broker": "--embedded-broker",
    "mqtt.host": "--mqtt-host",
    "mqtt.port": "--mqtt-port",
    "mqtt.username": "--mqtt-username",
    "mqtt.password": "--mqtt-password",
}


def _settings() -> HubSettings:
    """The environment (serve's flags are written into it first, so its workers see them too)."""
    from pydantic import ValidationError

    from mqttlink.settings_cli import settings_problem

    try:
        return HubSettings()
    except ValidationError as exc:
        typer.echo(f"brigade-hub: {settings_problem(exc, 'BRIGADE_', _FLAGS)}.", err=True)
        raise typer.Exit(2) from exc


def _serve_epilog() -> str:
    from mqttlink.settings_cli import environment_help

    return environment_help(HubSettings, "BRIGADE_").replace("\n", "\n\n")  # typer folds single newlines


def _db(settings: HubSettings) -> Database:
    return Database.from_url(settings.database_url)


def _fail(exc: DomainError) -> None:
    typer.echo(f"error: {exc.detail}", err=True)
    raise typer.Exit(2)


@app.command()
def migrate() -> None:
    """Upgrade the database to the latest schema."""
    from hub.migrate import upgrade

    settings = _settings()
    db = _db(settings)
    upgrade(db.engine)
    typer.echo(f"database at head: {db.engine.url.render_as_string(hide_password=True)}")


@app.command()
def makemigration(message: str) -> None:
    """(Developers) autogenerate a migration from the models."""
    from hub.migrate import revision

    revision(_db(_settings()).engine, message)


def _env_option(env: str, help_text: str) -> Any:
    return typer.Option(envvar=env, show_envvar=True, help=help_text)


@app.command(epilog=_serve_epilog())
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="processes; each gets its own share of connections")] = 1,
    migrate_first: Annotated[bool | None, typer.Option("--migrate/--no-migrate")] = None,
    log_level: str = "info",
    database_url: Annotated[
        str | None, _env_option("BRIGADE_DATABASE_URL", "SQLAlchemy URL (default sqlite:///var/brigade.sqlite3)")
    ] = None,
    var_dir: Annotated[Path | None, _env_option("BRIGADE_VAR_DIR", "secret key and files (default var)")] = None,
    embedded_broker: Annotated[
        bool | None, _env_option("BRIGADE_EMBEDDED_BROKER", "run an in-process MQTT broker on --mqtt-port")
    ] = None,
    mqtt_host: Annotated[str | None, _env_option("BRIGADE_MQTT__HOST", "central MQTT broker host")] = None,
    mqtt_port: Annotated[int | None, _env_option("BRIGADE_MQTT__PORT", "central MQTT broker port")] = None,
    mqtt_username: Annotated[str | None, _env_option("BRIGADE_MQTT__USERNAME", "the hub's MQTT username")] = None,
    mqtt_password: Annotated[
        str | None, _env_option("BRIGADE_MQTT__PASSWORD", "the hub's MQTT password (better in the variable)")
    ] = None,
    reuse_port: Annotated[bool, typer.Option(hidden=True)] = False,
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Run the HTTP API (and, unless disabled in settings, the relay, bridge and jobs)."""
    import uvicorn

    from hub import serving

    configure_logging(log_level)
    if parent_pid is not None:
        serving.die_with_parent(parent_pid)
    given = {
        "BRIGADE_DATABASE_URL": database_url,
        "BRIGADE_VAR_DIR": var_dir,
        "BRIGADE_EMBEDDED_BROKER": None if embedded_broker is None else str(embedded_broker).lower(),
        "BRIGADE_MQTT__HOST": mqtt_host,
        "BRIGADE_MQTT__PORT": mqtt_port,
        "BRIGADE_MQTT__USERNAME": mqtt_username,
        "BRIGADE_MQTT__PASSWORD": mqtt_password,
    }
    os.environ.update({env: str(value) for env, value in given.items() if value is not None})
    settings = _settings()
    if migrate_first if migrate_first is not None else settings.database_url.startswith("sqlite"):
        from hub.migrate import upgrade

        upgrade(_db(settings).engine)
    if workers > 1:
        if port == 0:
            _fail(DomainError("--workers above 1 needs a fixed --port"))
        raise typer.Exit(serving.Supervisor(serving.worker_command(host, port, log_level), workers).run())
    from hub.app import create_app

    config = uvicorn.Config(create_app(settings), host=host, port=port, log_level=log_level, access_log=False)
    if reuse_port:
        uvicorn.Server(config).run(sockets=[serving.reuse_port_socket(host, port)])
    else:
        uvicorn.Server(config).run()


@app.command("create-admin")
def create_admin(
    username: str = "admin", password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False
) -> None:
    """Create the first administrator. There is no default password."""
    from hub.auth.service import create_user

    password = _read_password(password_stdin)
    db = _db(_settings())
    with db.session() as session:
        try:
            create_user(session, username=username, password=password, role=Role.ADMIN, actor="cli")
        except DomainError as exc:
            _fail(exc)
        session.commit()
    typer.echo(f"admin {username!r} created")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get("BRIGADE_ADMIN_PASSWORD")
    if env:
        return env
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        typer.echo("error: the passwords differ", err=True)
        raise typer.Exit(2)
    return first


@app.command("create-api-key")
def create_api_key(name: str, channel: str, store: Annotated[list[str] | None, typer.Option()] = None) -> None:
    """Create a sales channel's API key; prints it once."""
    from hub.auth.service import create_api_key as make

    db = _db(_settings())
    with db.session() as session:
        try:
            record, key = make(session, name=name, channel=channel, store_ids=store or None, actor="cli")
        except DomainError as exc:
            _fail(exc)
        session.commit()
        typer.echo(json.dumps({"id": record.id, "channel": channel, "key": key}))


@app.command("create-device")
def create_device(device_id: str, kind: str, store: str | None = None, rider: str | None = None) -> None:
    """Register an edge agent, KDS, rider tracker or store bridge; prints its secret once."""
    from hub.devices.credentials import create_device as make

    settings = _settings()
    with _db(settings).session() as session:
        try:
            _, secret = make(session, device_id=device_id, kind=kind, store_id=store, rider_id=rider, actor="cli")
        except DomainError as exc:
            _fail(exc)
        session.commit()
        broker = _sync_broker(settings, session)
    typer.echo(json.dumps({"device_id": device_id, "secret": secret, "broker": broker}))


@app.command("rotate-device")
def rotate_device(device_id: str) -> None:
    """Give a device a new secret (printed once); the old one stops working at the hub and the broker."""
    from hub.devices.credentials import rotate_device as rotate

    settings = _settings()
    with _db(settings).session() as session:
        try:
            _, secret = rotate(session, device_id, actor="cli")
        except DomainError as exc:
            _fail(exc)
        session.commit()
        broker = _sync_broker(settings, session)
    typer.echo(json.dumps({"device_id": device_id, "secret": secret, "broker": broker}))


@app.command("revoke-device")
def revoke_device(device_id: str) -> None:
    """Revoke a device: no more tokens, and the broker drops it."""
    from hub.devices.credentials import revoke_device as revoke

    settings = _settings()
    with _db(settings).session() as session:
        try:
            revoke(session, device_id, actor="cli")
        except DomainError as exc:
            _fail(exc)
        session.commit()
        broker = _sync_broker(settings, session)
    typer.echo(json.dumps({"device_id": device_id, "revoked": True, "broker": broker}))


broker_app = typer.Typer(help="The central broker's accounts and ACL, from the device registry.")
app.add_typer(broker_app, name="broker")


@broker_app.command("sync")
def broker_sync() -> None:
    """Write the broker's password and ACL files from the registry and reload it."""
    from hub.devices.broker_accounts import BrokerProvisioner

    settings = _settings()
    provisioner = BrokerProvisioner(settings.broker, settings.mqtt)
    if not provisioner.enabled:
        _fail(DomainError("set BRIGADE_BROKER__PASSWORD_FILE (and the ACL and reload settings) first"))
    with _db(settings).session() as session:
        try:
            report = provisioner.sync(session)
        except DomainError as exc:
            _fail(exc)
    typer.echo(
        json.dumps(
            {
                "accounts": report.accounts,
                "reloaded": report.reloaded,
                "without_broker_credential": report.without_broker_credential,
            }
        )
    )


@broker_app.command("store-passwords")
def store_passwords(
    store: str, out: Annotated[Path | None, typer.Option(help="write here (mode 0640)")] = None
) -> None:
    """The store broker's password file for STORE: its devices' broker hashes (no secrets)."""
    from hub.devices.broker_accounts import store_password_file

    with _db(_settings()).session() as session:
        text = store_password_file(session, store)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    out.chmod(0o640)
    typer.echo(f"wrote {out} ({len(text.splitlines())} accounts)")


def _sync_broker(settings: HubSettings, session: Session) -> str:
    from hub.devices.broker_accounts import BrokerProvisioner, sync_quietly

    return sync_quietly(BrokerProvisioner(settings.broker, settings.mqtt), session)


def _add_crm_commands() -> None:
    from hub.crm.cli_commands import crm_app, import_app
    from hub.marketing.cli_commands import feed, rules_app

    crm_app.command("feed")(feed)
    app.add_typer(import_app, name="import")
    app.add_typer(crm_app, name="crm")
    app.add_typer(rules_app, name="rules")


_add_crm_commands()


def main() -> None:
    app()
