"""ASGI factory for running the hub under another server: ``uvicorn --factory hub.asgi:app_from_environment``
or gunicorn with uvicorn workers. ``brigade-hub serve`` does not need it."""

from __future__ import annotations

from fastapi import FastAPI

from hub.app import create_app
from hub.settings import HubSettings


def app_from_environment() -> FastAPI:
    return create_app(HubSettings())
