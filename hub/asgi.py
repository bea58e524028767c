"""ASGI factory for ``uvicorn --factory hub.asgi:app_from_environment`` (several workers)."""

from __future__ import annotations

from fastapi import FastAPI

from hub.app import create_app
from hub.settings import HubSettings


def app_from_environment() -> FastAPI:
    return create_app(HubSettings())
