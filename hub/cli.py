"""``brigade-hub``: serve, migrate, create the first admin, keys and devices."""

from __future__ import annotations

import getpass
import json
import os
import sys
from typing import Annotated

import typer

from hub.auth.roles import Role
from hub.db import Database
from hub.delivery.routes_cli import routes_app
from hub.errors import DomainError
from hub.logging_setup import configure_logging
from hub.settings import HubSettings

app = typer.Typer(
    help="Brigade hub: customers, orders, kitchens, riders.", no_args_is_help=True, pretty_exceptions_enable=False
)


app.add_typer(routes_app, name="routes")


def _settings() -> HubSettings:
    return HubSettings()


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


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="processes; each gets its own share of connections")] = 1,
    migrate_first: Annotated[bool | None, typer.Option("--migrate/--no-migrate")] = None,
    log_level: str = "info",
    reuse_port: Annotated[bool, typer.Option(hidden=True)] = False,
    parent_pid: Annotated[int | None, typer.Option(hidden=True)] = None,
) -> None:
    """Run the HTTP API (and, unless disabled in settings, the relay, bridge and jobs)."""
    import uvicorn

    from hub import serving

    configure_logging(log_level)
    if parent_pid is not None:
        serving.die_with_parent(parent_pid)
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
    """Register an edge agent, KDS or rider tracker; prints its secret once."""
    from hub.auth.service import create_device as make

    db = _db(_settings())
    with db.session() as session:
        try:
            _, secret = make(session, device_id=device_id, kind=kind, store_id=store, rider_id=rider, actor="cli")
        except DomainError as exc:
            _fail(exc)
        session.commit()
    typer.echo(json.dumps({"device_id": device_id, "secret": secret}))


def _add_crm_commands() -> None:
    from hub.crm.cli_commands import crm_app, import_app, rules_app

    app.add_typer(import_app, name="import")
    app.add_typer(crm_app, name="crm")
    app.add_typer(rules_app, name="rules")


_add_crm_commands()


def main() -> None:
    app()
