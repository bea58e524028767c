"""Text as a printer may receive it: no byte of the data can be read as a command. Pure.

An ESC/POS printer obeys every control byte in its stream: ``ESC p`` opens the cash drawer,
``ESC @`` resets it (dropping Chinese mode), ``DLE``/``FS``/``GS`` start other commands. The hub
refuses such characters at its boundary, but the renderer must hold whatever reaches it (an old
message, a bug, a publisher that bypassed the hub). Every C0 control but the line break, DEL and
every C1 control becomes ``?``, so the tampering stays visible on paper.
"""

from __future__ import annotations

import re

REPLACEMENT = "?"
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?")


def printable(text: str) -> str:
    """Line breaks kept (``\\r\\n`` and a lone ``\\r`` become ``\\n``); any other control character ``?``."""
    return _CONTROL.sub(REPLACEMENT, _LINE_BREAKS.sub("\n", text))


def printable_line(text: str) -> str:
    """One printed line: no control character at all, line breaks included."""
    return _CONTROL.sub(REPLACEMENT, text.replace("\n", REPLACEMENT).replace("\r", REPLACEMENT))


def without_control_bytes(data: bytes) -> bytes:
    """Encoded text with any C0 or DEL byte replaced: a code page that maps a printable character to a
    control byte cannot smuggle one through. Safe for GB18030, whose multi-byte sequences never use them."""
    return data.translate(_BYTE_TABLE)


_BYTE_TABLE = bytes(ord(REPLACEMENT) if b < 0x20 or b == 0x7F else b for b in range(256))
