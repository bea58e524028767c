"""Is the database there and migrated? Asked by ``brigade-hub`` before a command that needs it, so a
fresh machine hears "run ``brigade-hub migrate``" instead of a traceback, and no empty SQLite file is
left behind."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from hub.migrate import alembic_config

MIGRATE = "run `brigade-hub migrate`"


def schema_problem(database_url: str) -> str | None:
    """One sentence saying what is wrong with the database for this hub, or None when it is at head."""
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database))
        if not path.exists():
            return (
                f"there is no database at {path} (BRIGADE_DATABASE_URL={shown}): {MIGRATE} to create it, "
                "or set BRIGADE_DATABASE_URL to yours (the demo prints the settings for its own)"
            )
    wanted = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # as hub.db does
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["unknown error"])[0]
        return f"cannot open the database {shown}: {reason}"
    finally:
        engine.dispose()
    if not current:
        return f"the database {shown} has no schema yet: {MIGRATE}"
    if current != wanted:
        return f"the database {shown} is at revision {', '.join(sorted(current))}, not the latest: {MIGRATE}"
    return None
