"""Which column holds which field, and one row turned into a record or a list of errors. Pure."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.crm.importing import fields as f
from hub.crm.profile_schemas import EMAIL
from hub.customers.api import PRIORITY, IdentityKey, IdentityKind
from hub.errors import InvalidInput

CUSTOMER_FIELDS: dict[str, tuple[str, ...]] = {
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "phone", "mobile", "tel"),
    "name": ("姓名", "名字", "客户姓名", "客户名称", "顾客", "会员名", "name", "customername"),
    "member_id": ("会员号", "会员卡号", "会员编号", "memberid", "member", "cardno"),
    "external_id": ("客户编号", "客户id", "customerid", "externalid"),
    "wechat_openid": ("openid", "微信openid", "wechatopenid"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail", "mail"),
    "birthday": ("生日", "出生日期", "birthday", "birthdate", "dob"),
    "address": ("地址", "收货地址", "送餐地址", "address"),
    "address_notes": ("地址备注", "配送备注", "送餐备注", "deliverynotes", "addressnotes"),
    "notes": ("备注", "notes", "remark", "remarks"),
    "tags": ("标签", "tags", "tag"),
    "consent_sms": ("短信营销", "同意短信", "consentsms", "smsok"),
    "consent_wechat": ("微信营销", "同意微信", "consentwechat", "wechatok"),
    "consent_email": ("邮件营销", "同意邮件", "consentemail", "emailok"),
    "store_id": ("门店", "门店编号", "所属门店", "store", "storeid", "homestore"),
}
ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "order_id": ("订单号", "订单编号", "orderid", "orderno"),
    "customer_external_id": ("客户编号", "客户id", "customerid"),
    "phone": CUSTOMER_FIELDS["phone"],
    "member_id": CUSTOMER_FIELDS["member_id"],
    "name": CUSTOMER_FIELDS["name"],
    "placed_at": ("下单时间", "订单时间", "日期", "时间", "date", "placedat", "orderdate", "ordertime"),
    "total": ("实付金额", "实付", "金额", "订单金额", "total", "amount"),
    "total_fen": ("金额(分)", "totalfen", "amountfen"),
    "discount": ("优惠金额", "优惠", "discount"),
    "store_id": ("门店", "门店编号", "store", "storeid"),
    "status": ("状态", "订单状态", "status"),
    "address": ("地址", "收货地址", "送餐地址", "deliveryaddress", "address"),
}


@dataclass(frozen=True)
class RowError:
    row: int
    """1-based line number in the file (the header is row 1 when there is one)."""
    field: str
    message: str


@dataclass(frozen=True)
class CustomerRecord:
    row: int
    keys: tuple[IdentityKey, ...]
    name: str | None = None
    email: str | None = None
    birthday: str | None = None
    address: str | None = None
    address_notes: str | None = None
    notes: str | None = None
    tags: tuple[str, ...] = ()
    consents: dict[str, bool] = field(default_factory=dict)
    store_id: str | None = None
    """The home store (its zone is the customer's: quiet hours, birthdays, business days)."""


@dataclass(frozen=True)
class OrderRecord:
    row: int
    external_id: str
    keys: tuple[IdentityKey, ...]
    name: str | None
    placed_at: datetime
    total_fen: int
    discount_fen: int
    store_id: str | None
    status: str
    address: str | None
    legacy_external_id: str | None = None
    """Without an order id column: the key earlier versions made from the raw cells (still honoured)."""


def _norm(header: str) -> str:
    return re.sub(r"[\s_]+", "", header.strip().lower())


def resolve_columns(
    headers: Sequence[str] | None, overrides: dict[str, str], known: dict[str, tuple[str, ...]]
) -> dict[str, int]:
    """field -> 0-based column. Overrides name a header or a 1-based column number."""
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise InvalidInput(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(known)}")
    found: dict[str, int] = {}
    normalised = [_norm(h) for h in headers] if headers is not None else []
    for name, source in overrides.items():
        if source.isdigit():
            found[name] = int(source) - 1
        elif _norm(source) in normalised:
            found[name] = normalised.index(_norm(source))
        else:
            raise InvalidInput(f"--map {name}={source}: no such column (columns: {', '.join(headers or [])})")
    for name, aliases in known.items():
        if name in found:
            continue
        for alias in aliases:
            if _norm(alias) in normalised and normalised.index(_norm(alias)) not in found.values():
                found[name] = normalised.index(_norm(alias))
                break
    return found


def _cell(row: Sequence[Any], columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    return row[index] if index is not None and index < len(row) else None


def _keys(
    row: Sequence[Any], columns: dict[str, int], *, source: str, region: str, external: str
) -> tuple[IdentityKey, ...]:
    """The row's identities in priority order; CellError for a malformed phone."""
    keys = []
    phone = f.phone(_cell(row, columns, "phone"), region)
    if phone:
        keys.append(IdentityKey(IdentityKind.PHONE, "", phone))
    member = f.bounded(_cell(row, columns, "member_id"), 64, "member id")
    if member:
        keys.append(IdentityKey(IdentityKind.MEMBER_ID, "", member))
    outside = f.bounded(_cell(row, columns, external), 128, "customer id")
    if outside:
        keys.append(IdentityKey(IdentityKind.PLATFORM, source, outside))
    openid = f.bounded(_cell(row, columns, "wechat_openid"), 128, "openid")
    if openid:
        keys.append(IdentityKey(IdentityKind.PLATFORM, "wechat", openid))
    order = {k: i for i, k in enumerate(PRIORITY)}
    return tuple(sorted(keys, key=lambda k: order[k.kind]))


def customer_record(
    number: int, row: Sequence[Any], columns: dict[str, int], *, source: str, region: str, store_id: str | None = None
) -> CustomerRecord | list[RowError]:
    errors: list[RowError] = []

    def take(name: str, parse: Any, *args: Any) -> Any:
        try:
            return parse(_cell(row, columns, name), *args)
        except f.CellError as exc:
            errors.append(RowError(number, name, str(exc)))
            return None

    try:
        keys = _keys(row, columns, source=source, region=region, external="external_id")
    except f.CellError as exc:
        return [RowError(number, "phone", str(exc))]
    if not keys:
        errors.append(RowError(number, "phone", "no phone, member id or customer id: cannot tell who this is"))
    email = take("email", f.bounded, 254, "email") or None
    if email and not re.match(EMAIL, email):
        errors.append(RowError(number, "email", f"not an email address: {email!r}"))
    consents = {}
    for channel in ("sms", "wechat", "email"):
        value = take(f"consent_{channel}", f.flag)
        if value is not None:
            consents[channel] = value
    record = CustomerRecord(
        row=number,
        keys=keys,
        name=take("name", f.bounded, 120, "name") or None,
        email=email.lower() if email else None,
        birthday=take("birthday", f.birthday),
        address=take("address", f.bounded, 500, "address") or None,
        address_notes=take("address_notes", f.bounded, 500, "address notes") or None,
        notes=take("notes", f.bounded, 1000, "notes") or None,
        tags=tuple(take("tags", f.tags) or ()),
        consents=consents,
        store_id=store_id,
    )
    return errors or record


def order_record(
    number: int,
    row: Sequence[Any],
    columns: dict[str, int],
    *,
    source: str,
    region: str,
    tz: str,
    seen: dict[str, int],
    store_id: str | None = None,
) -> OrderRecord | list[RowError]:
    errors: list[RowError] = []

    def take(name: str, parse: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return parse(_cell(row, columns, name), *args, **kwargs)
        except f.CellError as exc:
            errors.append(RowError(number, name, str(exc)))
            return None

    try:
        keys = _keys(row, columns, source=source, region=region, external="customer_external_id")
    except f.CellError as exc:
        errors.append(RowError(number, "phone", str(exc)))
        keys = ()
    placed_at = take("placed_at", f.moment, tz)
    if "total_fen" in columns:
        total = take("total_fen", f.money_fen, in_fen=True)
    elif "total" in columns:
        total = take("total", f.money_fen)
    else:
        errors.append(RowError(number, "total", "no amount column (map total or total_fen)"))
        total = None
    discount = take("discount", f.money_fen) if _cell(row, columns, "discount") not in (None, "") else 0
    status = take("status", f.status)
    if errors or placed_at is None or total is None:
        return errors or [RowError(number, "row", "incomplete")]
    external = f.bounded(_cell(row, columns, "order_id"), 120, "order id") if "order_id" in columns else ""
    legacy = None
    if not external:  # no order number: what the row says, and how many rows saying the same came before it
        parsed = [[(k.kind.value, k.namespace, k.value) for k in keys], store_id, placed_at.isoformat(), total]
        external = _occurrence("v2:" + repr([*parsed, discount or 0]), seen)
        legacy = _occurrence(repr([f.text(c) for c in row]), seen)
    return OrderRecord(
        row=number,
        external_id=external,
        keys=keys,
        name=f.text(_cell(row, columns, "name"))[:120] or None,
        placed_at=placed_at,
        total_fen=total,
        discount_fen=min(discount or 0, total),
        store_id=f.text(_cell(row, columns, "store_id")) or None,
        status=status or "delivered",
        address=f.text(_cell(row, columns, "address"))[:500] or None,
        legacy_external_id=legacy,
    )


def _occurrence(content: str, seen: dict[str, int]) -> str:
    """A digest of the content and its running count in the file: the third identical row is ``<digest>-3``."""
    digest = hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest()[:20]
    seen[digest] = seen.get(digest, 0) + 1
    return f"{digest}-{seen[digest]}"
