"""The hub over HTTP: every call has a timeout and answers with a ``Reply``, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from manager_console.settings import ConsoleSettings


@dataclass(frozen=True)
class Reply:
    status: int
    """HTTP status, or 0 when the hub did not answer (timeout, refused connection)."""
    data: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def missing(self) -> bool:
        """The hub has no such endpoint (an older hub, or a domain not installed)."""
        return self.status in (404, 405)


class HubClient:
    def __init__(self, settings: ConsoleSettings) -> None:
        self._settings = settings
        self._http = httpx.Client(base_url=settings.hub_url, timeout=settings.timeout_s)
        if settings.api_key:
            self._http.headers["X-API-Key"] = settings.api_key

    def close(self) -> None:
        self._http.close()

    def login(self) -> Reply:
        if self._settings.api_key:
            return self.get("/auth/me")
        reply = self._call(
            "POST",
            "/auth/token",
            data={"username": self._settings.username, "password": self._settings.password},
        )
        if reply.ok:
            self._http.headers["Authorization"] = f"Bearer {reply.data['access_token']}"
            return self.get("/auth/me")
        return reply

    def get(self, path: str, **params: Any) -> Reply:
        return self._call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict[str, Any]) -> Reply:
        return self._call("POST", path, json=body)

    def _call(self, method: str, path: str, **kwargs: Any) -> Reply:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            return Reply(0, error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success:
            return Reply(response.status_code, data)
        detail = data.get("detail") if isinstance(data, dict) else None
        return Reply(response.status_code, data, error=str(detail or response.reason_phrase))
