"""Rendered ticket bytes against reviewed golden files, and what a cook reads on the paper.

Regenerate the golden files after a deliberate layout change with ``BRIGADE_UPDATE_GOLDEN=1``
and review the ``.txt`` pictures in the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from contracts.kitchen import TicketLine
from edge_agent.changes import JobKind, diff, job_kind
from edge_agent.printing.masking import mask_display
from edge_agent.printing.profile import PrinterProfile
from edge_agent.printing.text_layout import display_width
from edge_agent.printing.ticket_renderer import PrintRequest, render_ticket
from tests.edge_agent.tickets import annotated, paper, texts, ticket

GOLDEN = Path(__file__).parent / "golden"
SHANGHAI = ZoneInfo("Asia/Shanghai")
WIDE = PrinterProfile()
NARROW = PrinterProfile(paper_width_mm=58, native_qr=False)
WESTERN = PrinterProfile(codepage="cp858")


def _changed_ticket():  # type: ignore[no-untyped-def]
    old = ticket()
    new = ticket(
        revision=2,
        lines=(
            old.lines[0],
            TicketLine(line_id="l2", name="鱼香肉丝", quantity=2, note="不要葱，谢谢"),
            TicketLine(line_id="l4", name="干煸四季豆", quantity=1, allergens=("芝麻",)),
        ),
    )
    return old, new


def _cases() -> dict[str, tuple[PrintRequest, PrinterProfile]]:
    old, new = _changed_ticket()
    return {
        "ticket_80mm": (PrintRequest(ticket()), WIDE),
        "ticket_58mm_image_qr": (PrintRequest(ticket()), NARROW),
        "change_80mm": (PrintRequest(new, kind=JobKind.CHANGE, changes=diff(old, new)), WIDE),
        "reprint_backup_80mm": (
            PrintRequest(ticket(revision=2, reprint=True), kind=JobKind.REPRINT, backup_from="wok"),
            WIDE,
        ),
        "cancel_58mm": (PrintRequest(ticket(revision=3, cancelled=True), kind=JobKind.CANCEL), NARROW),
        "ticket_western_cp858": (PrintRequest(ticket(store_name="Bund Café", lines=ticket().lines[:1])), WESTERN),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_rendered_bytes_match_the_golden_files(name: str) -> None:
    request, profile = _cases()[name]
    data = render_ticket(request, profile, SHANGHAI)
    picture = annotated(data)
    if os.environ.get("BRIGADE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        (GOLDEN / f"{name}.bin").write_bytes(data)
        (GOLDEN / f"{name}.txt").write_text(picture, encoding="utf-8")
    assert picture == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")
    assert data == (GOLDEN / f"{name}.bin").read_bytes()


def test_chinese_is_sent_as_gb18030_inside_an_explicit_chinese_mode() -> None:
    data = render_ticket(PrintRequest(ticket()), WIDE, SHANGHAI)
    assert data.startswith(b"\x1b@\x1c&"), "init, then Chinese mode on"
    assert data.index(b"\x1c.") < data.rindex(b"\x1dV"), "Chinese mode off before the cut"
    assert "宫保鸡丁".encode("gb18030") in data and "，".encode("gb18030") in data
    assert "宫保鸡丁".encode() not in data, "never UTF-8 on the wire"


def test_what_the_cook_reads() -> None:
    lines = paper(render_ticket(PrintRequest(ticket()), WIDE, SHANGHAI))
    by_text = {line.text.strip(): line for line in lines}
    assert by_text["2x 宫保鸡丁"].has("宫保鸡丁", bold=True, width=2, height=2), "big item with its quantity"
    assert "+ 少辣" in by_text
    assert by_text["ALLERGEN 过敏: 花生"].has("花生", inverse=True, bold=True), "allergens set apart"
    assert "* 不要葱，谢谢" in by_text, "a lone Chinese comma survives"
    assert by_text["#A017"].has("A017", width=2)
    assert "meituan  rev 1" in by_text
    assert "Placed 12:03" in by_text and by_text["DUE 12:30"].has("DUE", bold=True)
    assert "Customer 王**" in by_text, "customer name masked"
    assert "NOTE 备注: 尽快，客人在等" in by_text
    assert "[QR o-1001]" in by_text and "o-1001:wok r1" in by_text
    assert [line.text for line in lines[-2:]] == ["[FEED 6]", "[CUT]"]


@pytest.mark.parametrize("profile", [WIDE, NARROW], ids=["80mm", "58mm"])
def test_every_line_fits_the_paper(profile: PrinterProfile) -> None:
    long_name = "特别长的菜名" * 6
    request = PrintRequest(ticket(lines=(TicketLine(line_id="x", name=long_name, quantity=12),), notes="备注" * 40))
    for line in paper(render_ticket(request, profile, SHANGHAI)):
        for seg in line.segments:
            assert display_width(seg.text) * seg.style.width <= profile.line_width, seg.text
    joined = "".join(texts(render_ticket(request, profile, SHANGHAI)))
    assert long_name in joined.replace("12x ", "")


def test_qr_is_native_unless_the_profile_says_the_printer_lacks_it() -> None:
    native = render_ticket(PrintRequest(ticket()), WIDE, SHANGHAI)
    image = render_ticket(PrintRequest(ticket()), NARROW, SHANGHAI)
    assert b"\x1d(k" in native and b"\x1dv0" not in native
    assert b"\x1dv0" in image and b"\x1d(k" not in image
    assert any(t.startswith("[IMAGE ") for t in texts(image))


def test_a_change_ticket_shows_only_new_and_cancelled_lines() -> None:
    old, new = _changed_ticket()
    assert job_kind(new, old) is JobKind.CHANGE
    printed = texts(render_ticket(PrintRequest(new, kind=JobKind.CHANGE, changes=diff(old, new)), WIDE, SHANGHAI))
    assert printed[0].strip() == "CHANGED 改单"
    assert "- 1x 鱼香肉丝" in printed and "+ 2x 鱼香肉丝" in printed and "+ 1x 干煸四季豆" in printed
    assert "- 1x 麻婆豆腐" in printed, "a line gone from the revision is cancelled"
    assert not any("宫保鸡丁" in t for t in printed), "unchanged lines are not printed again"


def test_reprint_and_backup_are_on_top() -> None:
    request = PrintRequest(ticket(), reprint_mark=True, backup_from="wok")
    lines = paper(render_ticket(request, WIDE, SHANGHAI))
    assert lines[0].text.strip() == "REPRINT 重印" and lines[0].has("REPRINT", inverse=True, width=2)
    assert lines[1].text.strip() == "BACKUP FROM wok"


def test_job_kinds() -> None:
    base = ticket()
    assert job_kind(base, None) is JobKind.TICKET
    assert job_kind(ticket(revision=2, reprint=True), base) is JobKind.REPRINT
    assert job_kind(ticket(revision=2, cancelled=True), base) is JobKind.CANCEL
    assert job_kind(ticket(revision=2), None) is JobKind.TICKET, "no earlier revision known: print it whole"


def test_masking() -> None:
    assert mask_display("王小明") == "王**"
    assert mask_display("+86 138 1234 5678") == "138****5678"
    assert mask_display("王**") == "王**"
    assert mask_display("Li") == "L*"


def test_importing_the_printer_adapter_leaves_logging_alone() -> None:
    """python-escpos calls logging.basicConfig() on import; our loader takes the handler back."""
    code = "import logging; import edge_agent.printing.escpos_printer; print(len(logging.getLogger().handlers))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
