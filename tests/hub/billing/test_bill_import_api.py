"""Bill exports uploaded over REST: matched to our payment orders, everything else in the unmatched report."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.hub.billing.bill_samples import wechat_bill


def test_a_wechat_bill_with_no_orders_of_ours_is_all_in_the_unmatched_report(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    r = client.post(
        "/billing/bill-imports", params={"provider": "wechat"}, content=wechat_bill(), headers=admin_headers
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["provider"], report["rows"], report["matched"], report["clean"]) == ("wechat", 3, 0, False)
    assert {line["reference"] for line in report["unmatched"]} == {"MILK202405010001", "MILK202405010002"}


def test_a_file_that_is_no_bill_is_refused_as_a_problem(client: TestClient, admin_headers: dict[str, str]) -> None:
    for body in (b"", b"not,a,bill\n1,2,3\n"):
        r = client.post("/billing/bill-imports", params={"provider": "alipay"}, content=body, headers=admin_headers)
        assert 400 <= r.status_code < 500, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
