"""Message templates with Chinese text and {variables}. Pure.

Only the names in ``VARIABLES`` may appear; anything else in braces is refused when the
template is saved, so a message never goes out with a stray ``{cupon_code}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

VARIABLES = {
    "name": "the customer's name, or 亲爱的顾客",
    "store_name": "the home store's name",
    "coupon_title": "满50减10, 8.5折 最高减20, 免配送费",
    "coupon_code": "the coupon's code",
    "coupon_valid_until": "the last day the coupon is valid (local date)",
    "points": "the points balance",
    "tier": "the tier's name (银卡, 金卡, 黑金卡)",
    "unsubscribe_url": "the customer's one-click unsubscribe link for this channel",
}
_FIELD = re.compile(r"\{([^{}]*)\}")


def unknown_variables(text: str) -> list[str]:
    return sorted({m.group(1) for m in _FIELD.finditer(text) if m.group(1) not in VARIABLES})


def render(text: str, values: Mapping[str, object]) -> str:
    """Replace each {variable}; a known variable without a value becomes empty."""
    return _FIELD.sub(lambda m: str(values.get(m.group(1), "")) if m.group(1) in VARIABLES else m.group(0), text)
