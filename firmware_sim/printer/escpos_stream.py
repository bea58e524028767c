"""An incremental ESC/POS byte-stream parser: bytes in, tokens out, as a printer's firmware reads them.

Bytes arrive in arbitrary chunks; a command cut across two chunks is kept until it is complete.
Knowing each command's length keeps the parser in step through image and 2D-code data, so a
DLE EOT status request is recognised only where a printer would see one: between commands.
"""

from __future__ import annotations

from dataclasses import dataclass

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT, FF, NUL, CAN = 0x0A, 0x0D, 0x09, 0x0C, 0x00, 0x18
EOT, ENQ, DC4 = 0x04, 0x05, 0x14


@dataclass(frozen=True, slots=True)
class Text:
    data: bytes


@dataclass(frozen=True, slots=True)
class Command:
    """``name`` is the mnemonic without spaces (``ESC!``, ``GSV``, ``FS&``); ``args`` the bytes after it."""

    name: str
    args: bytes = b""


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """DLE EOT n (1: printer, 2: offline cause, 3: error cause, 4: paper roll sensor)."""

    n: int


Token = Text | Command | StatusRequest

# Commands of fixed length: the number of argument bytes after the two command bytes.
_ESC_FIXED = {
    ord("@"): 0, ord("!"): 1, ord("E"): 1, ord("G"): 1, ord("-"): 1, ord("M"): 1, ord("a"): 1,
    ord("t"): 1, ord("R"): 1, ord("d"): 1, ord("J"): 1, ord("2"): 0, ord("3"): 1, ord("{"): 1,
    ord(" "): 1, ord("V"): 1, ord("c"): 2, ord("p"): 3, ord("$"): 2, ord("\\"): 2, ord("="): 1,
    ord("r"): 1, ord("i"): 0, ord("m"): 0, ord("B"): 2, ord("e"): 1, ord("L"): 0, ord("S"): 0,
    ord("T"): 1, ord("U"): 1, ord("%"): 1, ord("?"): 1, ord("K"): 1,
}  # fmt: skip
_GS_FIXED = {
    ord("!"): 1, ord("B"): 1, ord("L"): 2, ord("W"): 2, ord("b"): 1, ord("h"): 1, ord("w"): 1,
    ord("H"): 1, ord("f"): 1, ord("a"): 1, ord("r"): 1, ord("I"): 1, ord("P"): 2, ord("/"): 1,
    ord("$"): 2, ord("\\"): 2, ord("^"): 3, ord(":"): 0, ord("T"): 1, ord("g"): 1,
}  # fmt: skip
_FS_FIXED = {
    ord("&"): 0, ord("."): 0, ord("!"): 1, ord("-"): 1, ord("C"): 1, ord("W"): 1, ord("S"): 2,
    ord("p"): 2, ord("?"): 2,
}  # fmt: skip


class EscposStreamParser:
    """Feed chunks; get the complete tokens. ``finish()`` flushes what is left at the end of a job."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Token]:
        self._buf += data
        tokens: list[Token] = []
        pos = 0
        buf = self._buf
        while pos < len(buf):
            parsed = _parse_one(buf, pos, at_end=False)
            if parsed is None:
                break
            token, pos = parsed
            if token is not None:
                tokens.append(token)
        del buf[:pos]
        return tokens

    def finish(self) -> list[Token]:
        """The end of the stream: whatever text is left is a token; a truncated command is dropped."""
        tokens: list[Token] = []
        buf, pos = self._buf, 0
        while pos < len(buf):
            parsed = _parse_one(buf, pos, at_end=True)
            if parsed is None:
                break
            token, pos = parsed
            if token is not None:
                tokens.append(token)
        self._buf = bytearray()
        return tokens

    @property
    def pending(self) -> int:
        return len(self._buf)


def _parse_one(buf: bytearray, pos: int, *, at_end: bool) -> tuple[Token | None, int] | None:
    """One token at ``pos`` and the position after it; None when more bytes are needed."""
    b = buf[pos]
    if b >= 0x20:
        end = pos
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        if end == len(buf) and not at_end:
            return None  # the run may go on (or a multi-byte character may be cut) in the next chunk
        return Text(bytes(buf[pos:end])), end
    if b in (LF, CR, HT, FF, CAN):
        return Command(_CONTROL_NAMES[b]), pos + 1
    if b == NUL:
        return None, pos + 1
    if b in (ESC, GS, FS, DLE):
        if pos + 1 >= len(buf):
            return None
        length = _command_length(buf, pos)
        if length is None:
            return None
        if length < 0:  # unknown command: skip the prefix byte only, as a printer ignores it
            return Command(f"UNKNOWN:{buf[pos]:02x}{buf[pos + 1]:02x}"), pos + 1
        if pos + length > len(buf):
            return None
        args = bytes(buf[pos + 2 : pos + length])
        if b == DLE:
            if buf[pos + 1] == EOT:
                return StatusRequest(args[0]), pos + length
            return Command("DLE" + {ENQ: "ENQ", DC4: "DC4"}[buf[pos + 1]], args), pos + length
        prefix = {ESC: "ESC", GS: "GS", FS: "FS"}[b]
        return Command(prefix + chr(buf[pos + 1]), args), pos + length
    return Command(f"CTRL:{b:02x}"), pos + 1


_CONTROL_NAMES = {LF: "LF", CR: "CR", HT: "HT", FF: "FF", CAN: "CAN"}


def _command_length(buf: bytearray, pos: int) -> int | None:
    """Total bytes of the command at ``pos`` (prefix included); None: need more; -1: unknown."""
    prefix, code = buf[pos], buf[pos + 1]
    have = len(buf) - pos
    if prefix == DLE:
        if code in (EOT, ENQ):
            return 3
        if code == DC4:
            return 5
        return -1
    fixed = {ESC: _ESC_FIXED, GS: _GS_FIXED, FS: _FS_FIXED}[prefix].get(code)
    if fixed is not None:
        return 2 + fixed
    if prefix == ESC:
        return _esc_variable(buf, pos, code, have)
    if prefix == GS:
        return _gs_variable(buf, pos, code, have)
    if code == ord("("):  # FS ( fn pL pH ...
        return _with_pl_ph(buf, pos, have, header=3)
    return -1


def _with_pl_ph(buf: bytearray, pos: int, have: int, *, header: int) -> int | None:
    """Commands shaped ``X Y fn pL pH data[pL + pH*256]`` (header = bytes before pL)."""
    if have < header + 2:
        return None
    size = buf[pos + header] + 256 * buf[pos + header + 1]
    return header + 2 + size


def _esc_variable(buf: bytearray, pos: int, code: int, have: int) -> int | None:
    if code == ord("*"):  # ESC * m nL nH data: 8-dot (m 0, 1) or 24-dot (m 32, 33) columns
        if have < 5:
            return None
        m, n = buf[pos + 2], buf[pos + 3] + 256 * buf[pos + 4]
        return 5 + n * (3 if m in (32, 33) else 1)
    if code in (ord("D"), ord("(")):
        if code == ord("("):
            return _with_pl_ph(buf, pos, have, header=3)
        end = buf.find(b"\x00", pos + 2)  # ESC D n1 ... nk NUL
        return None if end < 0 else end - pos + 1
    return -1


def _gs_variable(buf: bytearray, pos: int, code: int, have: int) -> int | None:
    if code == ord("V"):  # GS V m [n]
        if have < 3:
            return None
        return 3 if buf[pos + 2] in (0, 1, 48, 49) else 4
    if code == ord("("):  # GS ( k / GS ( L / GS ( E ...: pL pH
        return _with_pl_ph(buf, pos, have, header=3)
    if code == ord("8"):  # GS 8 L p1 p2 p3 p4 ...: 4-byte length
        if have < 7:
            return None
        size = buf[pos + 3] + (buf[pos + 4] << 8) + (buf[pos + 5] << 16) + (buf[pos + 6] << 24)
        return 7 + size
    if code == ord("v"):  # GS v 0 m xL xH yL yH data
        if have < 8:
            return None
        width_bytes = buf[pos + 4] + 256 * buf[pos + 5]
        height = buf[pos + 6] + 256 * buf[pos + 7]
        return 8 + width_bytes * height
    if code == ord("*"):  # GS * x y data[x * y * 8]
        if have < 4:
            return None
        return 4 + buf[pos + 2] * buf[pos + 3] * 8
    if code == ord("k"):  # GS k m ...: m 0-6 NUL-terminated; m 65-73 n data[n]
        if have < 3:
            return None
        m = buf[pos + 2]
        if m <= 6:
            end = buf.find(b"\x00", pos + 3)
            return None if end < 0 else end - pos + 1
        if have < 4:
            return None
        return 4 + buf[pos + 3]
    return -1
