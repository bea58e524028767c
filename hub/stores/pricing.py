"""Pricing order lines from a store's menu, in integer fen. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import InvalidInput


@dataclass(frozen=True)
class MenuPrice:
    sku: str
    name: str
    price_fen: int
    station_codes: tuple[str, ...]
    allergens: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class RequestedLine:
    sku: str
    quantity: int
    modifiers: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class PricedLine:
    line_no: int
    sku: str
    name: str
    quantity: int
    unit_price_fen: int
    total_fen: int
    modifiers: tuple[str, ...]
    note: str | None
    station_codes: tuple[str, ...]
    allergens: tuple[str, ...]


@dataclass(frozen=True)
class PricedOrder:
    lines: tuple[PricedLine, ...]
    subtotal_fen: int
    delivery_fee_fen: int
    discount_fen: int

    @property
    def total_fen(self) -> int:
        return self.subtotal_fen + self.delivery_fee_fen - self.discount_fen


def price_lines(
    requested: list[RequestedLine], menu: dict[str, MenuPrice], *, delivery_fee_fen: int = 0, discount_fen: int = 0
) -> PricedOrder:
    unknown = sorted({r.sku for r in requested if r.sku not in menu})
    if unknown:
        raise InvalidInput(f"not on this store's menu: {', '.join(unknown)}")
    inactive = sorted({r.sku for r in requested if not menu[r.sku].active})
    if inactive:
        raise InvalidInput(f"not available now: {', '.join(inactive)}")
    lines = []
    for no, req in enumerate(requested, start=1):
        item = menu[req.sku]
        lines.append(
            PricedLine(
                line_no=no,
                sku=item.sku,
                name=item.name,
                quantity=req.quantity,
                unit_price_fen=item.price_fen,
                total_fen=item.price_fen * req.quantity,
                modifiers=req.modifiers,
                note=req.note,
                station_codes=item.station_codes,
                allergens=item.allergens,
            )
        )
    subtotal = sum(line.total_fen for line in lines)
    discount = min(discount_fen, subtotal)
    return PricedOrder(
        lines=tuple(lines), subtotal_fen=subtotal, delivery_fee_fen=delivery_fee_fen, discount_fen=discount
    )
