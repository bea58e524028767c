"""Customer names and phones on paper are masked: tickets lie around the kitchen. Pure."""

from __future__ import annotations

import re

_PHONE = re.compile(r"^\+?[\d\s-]{7,}$")


def mask_display(text: str) -> str:
    """王小明 -> 王**, 13812345678 -> 138****5678; already masked text is left as it is."""
    text = text.strip()
    if not text or "*" in text:
        return text
    if _PHONE.match(text):
        digits = re.sub(r"\D", "", text)
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        return digits[:3] + "****" + digits[-4:]
    return text[0] + "*" * min(len(text) - 1, 3) if len(text) > 1 else text
