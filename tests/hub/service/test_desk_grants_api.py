"""Compensation, surveys, leads and customers' replies through the API and the job, on SQLite and
PostgreSQL, with the clock pinned."""

from __future__ import annotations

import uuid
from pathlib import Path

from contracts.envelope import decode
from contracts.service import LeadFollowUpDue
from tests.hub.service.desk import Desk, desk_on, local

MONDAY_10 = local("2026-12-07T10:00:00")


def _coupon_template(desk: Desk) -> str:
    template = f"sorry-{uuid.uuid4().hex[:8]}"
    body = {"id": template, "name": "致歉券", "kind": "amount_off", "amount_off_fen": 500, "valid_days": 30}
    desk.post("/coupon-templates", body, 201)
    return template


def test_a_quality_ticket_is_compensated_once_per_kind(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        order, template = desk.order, _coupon_template(desk)
        ticket = desk.ticket(kind="quality", category="foreign_object", order_id=order["id"], store_id=None)
        tid = ticket["id"]
        assert ticket["customer_id"] == order["customer_id"]
        desk.act(tid, "respond", "非常抱歉，我们马上核实")
        desk.act(tid, "resolve", "已核实", expect=409)  # a quality issue needs a compensation decision first

        url = f"/service/tickets/{tid}/compensations"
        coupon = {"kind": "coupon", "amount_fen": 500, "reason": "菜里有异物", "coupon_template_id": template}
        granted = desk.post(url, coupon, 201)
        again = desk.client.post(url, json=coupon, headers=desk.headers)
        assert again.status_code == 409 and again.json()["code"] == "service.already_compensated"
        coupons = desk.get(f"/customers/{order['customer_id']}/coupons")
        assert [c["code"] for c in coupons if c["template_id"] == template] == [granted["reference"]]

        refund = {"kind": "refund", "amount_fen": 1000, "reason": "菜里有异物"}
        desk.post(url, refund, 201)
        assert desk.client.post(url, json=refund, headers=desk.headers).status_code == 409
        refunds = [e for e in desk.get(f"/orders/{order['id']}/events") if e["type"] == "order.refunded"]
        assert [e["data"]["amount_fen"] for e in refunds] == [1000]

        credit = {"kind": "balance_credit", "amount_fen": 300, "reason": "菜里有异物"}
        desk.post(url, credit, 201)
        assert desk.client.post(url, json=credit, headers=desk.headers).status_code == 409
        assert desk.get(f"/customers/{order['customer_id']}/balance")["balance_fen"] == 300
        bad = desk.client.post(url, json={**refund, "kind": "coupon", "amount_fen": "500"}, headers=desk.headers)
        assert bad.status_code == 422

        shown = desk.get(f"/service/tickets/{tid}")
        assert sorted(g["kind"] for g in shown["compensations"]) == ["balance_credit", "coupon", "refund"]
        assert next(c for c in shown["clocks"] if c["target"] == "compensation")["status"] == "met"
        desk.act(tid, "resolve", "已致歉并补偿")


def test_a_closed_ticket_sends_a_survey_whose_answer_is_recorded(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        customer = desk.order["customer_id"]
        ticket = desk.ticket(order_id=desk.order["id"])
        desk.act(ticket["id"], "respond", "已为您重新制作")
        desk.act(ticket["id"], "resolve", "重做一份")
        desk.act(ticket["id"], "close")
        [survey] = desk.get("/service/surveys", customer_id=customer)
        assert (survey["status"], survey["subject_id"], survey["kind"]) == ("planned", ticket["id"], "csat")

        desk.clock.advance(minutes=31)
        desk.run_job()
        desk.run_job()
        [survey] = desk.get("/service/surveys", customer_id=customer)
        assert survey["status"] == "sent"
        [note] = [n for n in desk.get("/notifications", customer_id=customer) if n["template_id"] == "service-survey"]
        assert note["id"] == survey["notification_id"]

        url = f"/service/surveys/{survey['id']}/answer"
        assert desk.client.post(url, json={"score": 6}, headers=desk.headers).status_code == 422  # CSAT is 1-5
        answered = desk.post(url, {"score": 4, "comment": "处理很快"}, 201)
        assert (answered["status"], answered["answer"]["score"], answered["answer"]["comment"]) == (
            "answered",
            4,
            "处理很快",
        )
        again = desk.client.post(url, json={"score": 5}, headers=desk.headers)
        assert again.status_code == 409 and again.json()["code"] == "service.survey_closed"


def test_a_lead_is_reminded_once_and_converted_to_a_customer(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, local("2026-12-07T13:00:00")) as desk:
        phone = f"+86 139 {uuid.uuid4().int % 10**8:08d}"
        body = {
            "source": "event",
            "name": "李阿姨",
            "phone": phone,
            "store_id": desk.store_id,
            "follow_up_in_business_hours": 2,
        }
        lead = desk.post("/service/leads", body, 201)
        assert lead["phone"] == phone.replace(" ", "")  # stored in E.164
        assert (
            lead["follow_up_at"] == "2026-12-07T10:00:00Z"
        )  # 18:00 local: one hour before lunch closes, one after 17:00

        desk.clock.now = local("2026-12-07T17:59:00")
        desk.run_job()
        assert [m for m in desk.outbox("/service/lead-follow-ups") if lead["id"].encode() in m.payload] == []
        desk.clock.now = local("2026-12-07T18:00:00")
        desk.run_job()
        desk.run_job()
        notices = [decode(m.payload, LeadFollowUpDue).body for m in desk.outbox("/service/lead-follow-ups")]
        assert [n.due_at for n in notices if n.lead_id == lead["id"]] == [local("2026-12-07T18:00:00")]

        desk.post(f"/service/leads/{lead['id']}/actions", {"action": "contact", "note": "介绍了鲜奶订阅"})
        won = desk.post(f"/service/leads/{lead['id']}/convert", {})
        assert won["stage"] == "won" and won["follow_up_at"] is None
        customer = desk.get(f"/customers/{won['customer_id']}")
        assert customer["display_name"] == "李阿姨"
        assert customer["home_store_id"] == desk.store_id
        again = desk.client.post(f"/service/leads/{lead['id']}/convert", json={}, headers=desk.headers)
        assert again.status_code == 409


def test_a_reply_to_a_notification_opens_a_ticket_then_joins_it(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        customer = desk.order["customer_id"]
        template = f"hello-{uuid.uuid4().hex[:8]}"
        desk.post("/message-templates", {"id": template, "name": "问候", "body": "{name}，您好"}, 201)
        note = desk.post(
            f"/customers/{customer}/notifications", {"template_id": template, "channel": "sms", "key": "k1"}
        )

        first = desk.post(
            "/service/notification-replies", {"notification_id": note["id"], "text": "牛奶今天漏送了"}, 201
        )
        ticket = first["ticket"]
        assert first["created"] is True
        assert (ticket["channel"], ticket["customer_id"], ticket["summary"]) == (
            "notification_reply",
            customer,
            "牛奶今天漏送了",
        )

        desk.act(ticket["id"], "open")
        desk.act(ticket["id"], "wait_on_customer", "请问是哪个地址？")
        desk.clock.advance(minutes=3)
        second = desk.post("/service/notification-replies", {"notification_id": note["id"], "text": "南京东路1号"}, 200)
        assert second["created"] is False and second["ticket"]["id"] == ticket["id"]
        assert second["ticket"]["status"] == "open"  # the reply resumed it
        assert [m["text"] for m in second["ticket"]["messages"]] == ["牛奶今天漏送了", "南京东路1号"]

        missing = desk.client.post(
            "/service/notification-replies", json={"notification_id": 2**31 - 1, "text": "?"}, headers=desk.headers
        )
        assert missing.status_code == 404


def test_a_delivery_survey_is_planned_once_and_not_too_often(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        customer = desk.order["customer_id"]
        body = {
            "delivery_id": f"d-{uuid.uuid4().hex[:8]}",
            "customer_id": customer,
            "completed_at": "2026-12-07T01:50:00Z",
        }
        first = desk.post("/service/surveys", body, 201)
        assert (first["status"], first["send_at"], first["store_id"]) == (
            "planned",
            "2026-12-07T02:20:00Z",
            desk.store_id,
        )
        assert desk.post("/service/surveys", body, 201)["id"] == first["id"]
        later = desk.post("/service/surveys", {**body, "delivery_id": f"d-{uuid.uuid4().hex[:8]}"}, 201)
        assert later["status"] == "skipped" and "14 days" in later["skip_reason"]

        desk.clock.now = local("2026-12-07T10:20:00")
        desk.run_job()
        surveys = {s["id"]: s["status"] for s in desk.get("/service/surveys", customer_id=customer)}
        assert surveys == {first["id"]: "sent", later["id"]: "skipped"}
        bad = desk.client.post(
            "/service/surveys", json={**body, "completed_at": "2026-12-07T10:00:00"}, headers=desk.headers
        )
        assert bad.status_code == 422  # a time without its zone


def test_the_third_complaint_of_a_customer_is_flagged_as_a_repeat(any_db_url: str, tmp_path: Path) -> None:
    with desk_on(any_db_url, tmp_path, MONDAY_10) as desk:
        customer = desk.order["customer_id"]
        tickets = []
        for _ in range(3):
            tickets.append(desk.ticket(customer_id=customer))
            desk.clock.advance(hours=1)
        assert desk.get(f"/service/tickets/{tickets[1]['id']}")["repeats"] == []
        repeats = desk.get(f"/service/tickets/{tickets[2]['id']}")["repeats"]
        assert {r["rule"]: r["evidence"] for r in repeats} == {
            "same-customer": [t["id"] for t in tickets],
            "same-issue-at-store": [t["id"] for t in tickets],
        }
