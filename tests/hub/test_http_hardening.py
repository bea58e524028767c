"""The docs come from the hub itself; every response has security headers; /metrics can be locked and stays bounded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.app import create_app
from tests.hub.conftest import rest_settings
from tests.hub.seed import SeededStore, order_body

pytestmark = pytest.mark.integration


def _references(page: str) -> list[str]:
    attributes = re.findall(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']""", page)
    in_script = re.findall(r"""\burl:\s*['"]([^'"]+)['"]""", page)
    return attributes + in_script


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_only_from_the_hub(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = _references(r.text)
    assert urls, r.text
    assert "//" not in r.text.replace("window.location.origin", ""), "no absolute or CDN URL anywhere in the page"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
    scripts = [u for u in urls if u.endswith(".js")]
    assert scripts and all("javascript" in client.get(u).headers["content-type"] for u in scripts)
    assert "'self'" in r.headers["content-security-policy"]


def test_the_swagger_page_has_no_validator_badge(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_security_headers_on_every_answer(client: TestClient, admin_headers: dict[str, str]) -> None:
    for response in (
        client.get("/stores", headers=admin_headers),
        client.get("/stores"),  # a 401 problem too
        client.get("/healthz"),
        client.get("/docs"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
    assert client.get("/stores").headers["content-security-policy"].startswith("default-src 'none'")
    asset = client.get("/docs-static/swagger-ui.css")
    assert asset.headers["cache-control"].startswith("public, max-age="), "the docs' files may be cached"


def test_device_tokens_and_shown_once_secrets_are_not_stored(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    created = client.post(
        "/devices",
        json={"device_id": "edge-1", "kind": "edge_agent", "store_id": store.store_id},
        headers=admin_headers,
    )
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"
    token = client.post("/auth/device-token", json={"device_id": "edge-1", "secret": created.json()["secret"]})
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store"
    key = client.post("/api-keys", json={"name": "美团", "channel": "meituan"}, headers=admin_headers)
    assert key.status_code == 201 and key.headers["cache-control"] == "no-store"


def test_metrics_can_require_a_token(sqlite_url: str, tmp_path: Path) -> None:
    with TestClient(create_app(rest_settings(sqlite_url, tmp_path, metrics_token="scrape-me-please"))) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape-me-please"}):
            r = client.get("/metrics", headers=headers)
            assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
            assert "brigade_" not in r.text
        r = client.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})
        assert r.status_code == 200 and "brigade_orders_created_total" in r.text


def test_staff_input_cannot_grow_the_metrics_without_end(
    client: TestClient, admin_headers: dict[str, str], store: SeededStore
) -> None:
    for i in range(60):
        r = client.post("/orders", json=order_body(store.store_id, channel=f"made-up-{i}"), headers=admin_headers)
        assert r.status_code == 201, r.text
    text = client.get("/metrics").text
    series = re.findall(r'^brigade_orders_created_total\{channel="([^"]+)"\} (\S+)$', text, flags=re.MULTILINE)
    channels = {name: float(value) for name, value in series}
    assert len(channels) == 51, "fifty channels by name, the rest as other"
    assert channels["other"] == 10.0 and channels["made-up-0"] == 1.0
    assert sum(channels.values()) == 60.0, "nothing is lost, only folded"
