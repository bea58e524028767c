"""The simulated printer reads ESC/POS like firmware: any chunking, Chinese mode, status, markers."""

from __future__ import annotations

from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_sim.printer.escpos_stream import EscposStreamParser, StatusRequest, Text
from firmware_sim.printer.job_decoder import JobDecoder, PrintedLine
from firmware_sim.printer.status_replies import Condition, Paper, status_byte

CHINESE_ON, CHINESE_OFF = b"\x1c&", b"\x1c."


def decode(data: bytes, chunks: list[int] | None = None, *, chinese_by_default: bool = False) -> list[PrintedLine]:
    parser, decoder = EscposStreamParser(), JobDecoder(chinese_by_default=chinese_by_default)
    pieces = [data] if chunks is None else _split(data, chunks)
    for piece in pieces:
        for token in parser.feed(piece):
            decoder.apply(token)
    for token in parser.finish():
        decoder.apply(token)
    return decoder.close()


def _split(data: bytes, sizes: list[int]) -> list[bytes]:
    out, pos = [], 0
    for size in sizes:
        out.append(data[pos : pos + size])
        pos += size
    out.append(data[pos:])
    return out


def _sample_job() -> bytes:
    p = Dummy()
    p.hw("INIT")
    p._raw(CHINESE_ON)
    p.set(bold=True, invert=True, double_width=True, double_height=True)
    p._raw("宫保鸡丁，少辣\n".encode("gb18030"))
    p.set(normal_textsize=True, bold=False, invert=False)
    p._raw(b"plain line\n")
    p.qr("order-42", native=True, size=6)
    p._raw(CHINESE_OFF)
    p.cut()
    return bytes(p.output)


def test_chinese_in_chinese_mode_is_read_as_gb18030_with_its_styles() -> None:
    lines = decode(_sample_job())
    texts = [line.text for line in lines]
    assert texts == ["宫保鸡丁，少辣", "plain line", "[QR order-42]", "[FEED 6]", "[CUT]"]
    assert lines[0].has("宫保鸡丁", bold=True, inverse=True, width=2, height=2)
    assert lines[1].has("plain", bold=False, inverse=False, width=1)


def test_gb18030_without_chinese_mode_comes_out_as_code_page_garbage() -> None:
    p = Dummy()
    p.hw("INIT")
    p._raw("宫保鸡丁\n".encode("gb18030"))
    assert decode(bytes(p.output))[0].text != "宫保鸡丁"
    assert decode(bytes(p.output), chinese_by_default=True)[0].text == "宫保鸡丁"


def test_python_escpos_alone_loses_a_lone_chinese_comma() -> None:
    """The pitfall the renderer avoids by encoding GB18030 itself."""
    p = Dummy()
    p.text("，\n")
    assert "，" not in decode(bytes(p.output), chinese_by_default=True)[0].text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), max_size=30))
def test_any_chunking_reads_the_same(sizes: list[int]) -> None:
    data = _sample_job()
    assert [line.text for line in decode(data, sizes)] == [line.text for line in decode(data)]


def test_status_requests_are_found_between_commands_not_inside_image_data() -> None:
    p = Dummy()
    p.hw("INIT")
    p._raw(b"\x1dv0\x00\x01\x00\x03\x00" + b"\x10\x04\x01")  # a 8x3 raster whose data looks like DLE EOT 1
    p._raw(b"\x10\x04\x04")
    tokens = EscposStreamParser().feed(bytes(p.output))
    assert [t for t in tokens if isinstance(t, StatusRequest)] == [StatusRequest(4)]
    assert "[IMAGE 8x3]" in [line.text for line in decode(bytes(p.output))]


def test_a_text_run_cut_between_chunks_waits_for_the_rest() -> None:
    parser = EscposStreamParser()
    encoded = "鱼香肉丝\n".encode("gb18030")
    assert parser.feed(encoded[:3]) == []
    tokens = parser.feed(encoded[3:])
    assert tokens[0] == Text("鱼香肉丝".encode("gb18030"))


def test_image_qr_fallback_is_an_image_on_paper() -> None:
    p = Dummy()
    p.qr("order-42", native=False, size=4)
    assert any(line.text.startswith("[IMAGE ") for line in decode(bytes(p.output)))


def test_status_bytes_follow_the_epson_bit_layout() -> None:
    ok, near, out, cover = (
        Condition(),
        Condition(paper=Paper.NEAR_END),
        Condition(paper=Paper.OUT),
        Condition(cover_open=True),
    )
    assert status_byte(1, ok) == b"\x12"
    assert status_byte(1, out)[0] & 0x08 and status_byte(1, cover)[0] & 0x08
    assert status_byte(2, cover)[0] & 0x04
    assert status_byte(2, out)[0] & 0x20
    assert status_byte(4, ok) == b"\x12"
    assert status_byte(4, near) == b"\x1e"
    assert status_byte(4, out) == b"\x7e"
    assert status_byte(9, ok) == b""
