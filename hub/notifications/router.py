"""Notifications: templates, the outbox, sending by hand, and the public unsubscribe link."""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Response, status
from fastapi.responses import HTMLResponse
from sqlmodel import select

from hub.audit.service import record_audit
from hub.crm.api import MarketerDep, visible_customer
from hub.customers.api import Customer
from hub.deps import ContextDep, SessionDep, StaffDep
from hub.errors import InvalidInput
from hub.notifications import service
from hub.notifications.schemas import MessageTemplateIn, MessageTemplateOut, NotificationOut, SendIn
from hub.notifications.service import masked_notification
from hub.notifications.signing import read_unsubscribe_token
from hub.notifications.tables import MessageTemplate, Notification
from hub.problems import problem_responses

router = APIRouter(tags=["notifications"], responses=problem_responses(401, 403, 404, 422))
public = APIRouter(tags=["notifications"], responses=problem_responses(422))
TemplateId = Annotated[str, Path(max_length=64)]


@router.get("/message-templates", response_model=list[MessageTemplateOut])
def list_templates(session: SessionDep, _staff: StaffDep) -> list[MessageTemplate]:
    return list(session.exec(select(MessageTemplate).order_by(MessageTemplate.id)).all())


@router.post(
    "/message-templates",
    response_model=MessageTemplateOut,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
)
def create_template(session: SessionDep, marketer: MarketerDep, body: MessageTemplateIn) -> MessageTemplate:
    """Chinese text with {variables} (name, store_name, coupon_title, coupon_code, coupon_valid_until, ...)."""
    template = service.save_template(session, body, create=True)
    record_audit(
        session, actor=marketer.label, action="message_template.create", target_type="template", target_id=body.id
    )
    session.commit()
    return template


@router.put("/message-templates/{template_id}", response_model=MessageTemplateOut)
def replace_template(
    session: SessionDep, marketer: MarketerDep, template_id: TemplateId, body: MessageTemplateIn
) -> MessageTemplate:
    if body.id != template_id:
        raise InvalidInput("the body's id must be the path's")
    template = service.save_template(session, body, create=False)
    record_audit(
        session, actor=marketer.label, action="message_template.update", target_type="template", target_id=body.id
    )
    session.commit()
    return template


@router.get("/notifications", response_model=list[NotificationOut])
def list_notifications(
    session: SessionDep,
    marketer: MarketerDep,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    rule_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[str | None, Query(alias="status", pattern=r"^(queued|sent|suppressed|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[NotificationOut]:
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)  # type: ignore[union-attr]
    if customer_id is not None:
        query = query.where(Notification.customer_id == customer_id)
    if rule_id is not None:
        query = query.where(Notification.rule_id == rule_id)
    if status_ is not None:
        query = query.where(Notification.status == status_)
    return [masked_notification(service.view(n), marketer) for n in session.exec(query).all()]


@router.post(
    "/customers/{customer_id}/notifications",
    response_model=NotificationOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": NotificationOut, "description": "Already queued with this key"}},
)
def send(
    session: SessionDep,
    marketer: MarketerDep,
    customer_id: Annotated[str, Path(max_length=36)],
    body: SendIn,
    response: Response,
) -> NotificationOut:
    """Queue one message; it goes out only if the customer consented to the channel when it is sent."""
    customer = visible_customer(session, marketer, customer_id)
    row, queued = service.queue_message(session, customer.id, body, marketer.label)
    if not queued:
        response.status_code = status.HTTP_200_OK
    session.commit()
    return masked_notification(service.view(row), marketer)


@router.post("/notifications/{notification_id}/retry", response_model=NotificationOut, responses=problem_responses(409))
def retry(
    session: SessionDep, marketer: MarketerDep, notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> NotificationOut:
    """Queue a failed message again."""
    row = service.retry(session, notification_id)
    session.commit()
    return masked_notification(service.view(row), marketer)


def _valid_link(ctx: ContextDep, session: SessionDep, token: str) -> tuple[str, str]:
    found = read_unsubscribe_token(ctx.secret, token)
    if found is None or session.get(Customer, found[0]) is None:
        raise InvalidInput("this unsubscribe link is not valid")
    return found


CONFIRM_PAGE = (
    "<!doctype html><html lang='zh'><meta charset='utf-8'><title>退订确认 / Unsubscribe</title>"
    "<p>确定不再接收{channel}营销消息吗？<br>Stop marketing messages by {channel}?</p>"
    "<form method='post' action='?token={token}'>"
    "<input type='hidden' name='List-Unsubscribe' value='One-Click'>"
    "<button type='submit'>确认退订 / Unsubscribe</button></form></html>"
)
DONE_PAGE = (
    "<!doctype html><html lang='zh'><meta charset='utf-8'><title>已退订</title>"
    "<p>已退订：{channel}。您将不再收到此渠道的营销消息。<br>Unsubscribed from {channel}.</p></html>"
)
ONE_CLICK = "One-Click"


@public.get("/unsubscribe", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}})
def unsubscribe_page(
    ctx: ContextDep, session: SessionDep, token: Annotated[str, Query(max_length=300)]
) -> HTMLResponse:
    """The link in every message: a page asking to confirm. Opening it changes nothing.

    Mail scanners and link previews open links by themselves; only the page's button (a POST) unsubscribes.
    """
    _customer_id, channel = _valid_link(ctx, session, token)
    return HTMLResponse(CONFIRM_PAGE.format(channel=html.escape(channel), token=html.escape(token, quote=True)))


@public.post("/unsubscribe", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}})
def unsubscribe(
    ctx: ContextDep,
    session: SessionDep,
    token: Annotated[str, Query(max_length=300)],
    one_click: Annotated[str, Form(alias="List-Unsubscribe", max_length=32)],
) -> HTMLResponse:
    """Unsubscribe: RFC 8058 one-click (mail clients POST ``List-Unsubscribe=One-Click`` to the
    List-Unsubscribe URL) and the confirmation page's button. No sign-in: the token is HMAC-signed."""
    if one_click != ONE_CLICK:
        raise InvalidInput("the body must be List-Unsubscribe=One-Click")
    customer_id, channel = _valid_link(ctx, session, token)
    service.unsubscribe(session, customer_id, channel)
    record_audit(
        session,
        actor="customer",
        action="customer.unsubscribe",
        target_type="customer",
        target_id=customer_id,
        detail={"channel": channel},
    )
    session.commit()
    return HTMLResponse(DONE_PAGE.format(channel=html.escape(channel)))
