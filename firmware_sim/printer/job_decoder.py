"""What a job looks like on paper: ESC/POS tokens applied to a printer's text state, as lines.

Text in Chinese mode (FS &) is decoded as GB18030; outside it, with the selected code page
(ESC t), exactly as a printer would: GB18030 bytes sent without FS & come out as code-page
garbage. Cuts, feeds, QR codes and images become marker lines (``[CUT]``, ``[QR ...]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from firmware_sim.printer.escpos_stream import Command, StatusRequest, Text, Token

CODE_PAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866", 19: "cp858"}
TAB = 8


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool = False
    underline: bool = False
    inverse: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True, slots=True)
class Segment:
    text: str
    style: Style


@dataclass
class PrintedLine:
    segments: list[Segment] = field(default_factory=list)
    align: str = "left"
    marker: str | None = None
    """CUT, FEED n, QR <data>, IMAGE wxh: things on paper that are not text."""

    @property
    def text(self) -> str:
        if self.marker is not None:
            return f"[{self.marker}]"
        return "".join(s.text for s in self.segments)

    def has(self, fragment: str, **style: bool | int) -> bool:
        """True if ``fragment`` is in one segment printed with every given style attribute."""
        return any(
            fragment in s.text and all(getattr(s.style, k) == v for k, v in style.items()) for s in self.segments
        )


@dataclass
class _State:
    style: Style = Style()
    align: str = "left"
    chinese: bool = False
    code_page: int = 0


class JobDecoder:
    """Applies tokens to the text state; ``lines`` is the paper so far."""

    def __init__(self, *, chinese_by_default: bool = False) -> None:
        self._chinese_default = chinese_by_default
        self._state = _State(chinese=chinese_by_default)
        self.lines: list[PrintedLine] = []
        self._current = PrintedLine()
        self._qr_data = b""
        self.unknown: list[str] = []
        self.cut_count = 0

    def apply(self, token: Token) -> None:
        if isinstance(token, Text):
            self._text(token.data)
        elif isinstance(token, Command):
            self._command(token)
        elif isinstance(token, StatusRequest):
            pass  # answered by the printer, never printed

    def close(self) -> list[PrintedLine]:
        """End of job: text not yet terminated by LF is printed as a last line."""
        if self._current.segments:
            self._flush()
        return self.lines

    # -- text ---------------------------------------------------------------------------------

    def _text(self, data: bytes) -> None:
        s = self._state
        if s.chinese:
            text = data.decode("gb18030", errors="replace")
        else:
            text = data.decode(CODE_PAGES.get(s.code_page, "cp437"), errors="replace")
        if not self._current.segments:
            self._current.align = s.align
        segments = self._current.segments
        if segments and segments[-1].style == s.style:
            segments[-1] = Segment(segments[-1].text + text, s.style)
        else:
            segments.append(Segment(text, s.style))

    def _flush(self) -> None:
        self.lines.append(self._current)
        self._current = PrintedLine(align=self._state.align)

    def _flush_if_any(self) -> None:
        if self._current.segments:
            self._flush()

    def _marker(self, marker: str) -> None:
        self._flush_if_any()
        self.lines.append(PrintedLine(marker=marker, align=self._state.align))

    # -- commands -----------------------------------------------------------------------------

    def _command(self, cmd: Command) -> None:
        s = self._state
        name, args = cmd.name, cmd.args
        arg = args[0] if args else 0
        if name == "LF":
            self._flush()
        elif name == "HT":
            column = len(self._current.text)
            self._text(b" " * (TAB - column % TAB))
        elif name == "ESC@":
            self._state = _State(chinese=self._chinese_default)
        elif name == "ESC!":
            s.style = replace(
                s.style,
                bold=bool(arg & 0x08),
                height=2 if arg & 0x10 else 1,
                width=2 if arg & 0x20 else 1,
                underline=bool(arg & 0x80),
            )
        elif name == "GS!":
            s.style = replace(s.style, width=(arg >> 4) + 1, height=(arg & 0x0F) + 1)
        elif name in ("ESCE", "ESCG"):
            s.style = replace(s.style, bold=bool(arg & 1))
        elif name == "ESC-":
            s.style = replace(s.style, underline=arg not in (0, 48))
        elif name == "GSB":
            s.style = replace(s.style, inverse=bool(arg & 1))
        elif name == "ESCa":
            s.align = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}.get(arg, "left")
        elif name == "ESCt":
            s.code_page = arg
        elif name == "FS&":
            s.chinese = True
        elif name == "FS.":
            s.chinese = False
        elif name == "ESCd":
            self._marker(f"FEED {arg}")
        elif name == "ESCJ":
            self._flush_if_any()
        elif name in ("GSV", "ESCi", "ESCm"):
            self.cut_count += 1
            self._marker("CUT")
        elif name == "GS(":
            self._two_d_code(args)
        elif name == "GSv":
            width = (args[2] + 256 * args[3]) * 8
            height = args[4] + 256 * args[5]
            self._marker(f"IMAGE {width}x{height}")
        elif name == "ESC*":
            self._marker("IMAGE columns")
        elif name.startswith(("UNKNOWN", "CTRL")):
            self.unknown.append(name)

    def _two_d_code(self, args: bytes) -> None:
        # args: function letter, pL, pH, cn, fn, [m], data
        if len(args) < 5 or args[0] != ord("k") or args[3] != ord("1"):
            return
        fn, body = args[4], args[5:]
        if fn == 80:  # store the data: m '0' then the data
            self._qr_data = body[1:]
        elif fn == 81:  # print the stored symbol
            self._marker(f"QR {self._qr_data.decode('utf-8', errors='replace')}")
