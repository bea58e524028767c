"""Reading customer and order exports: Excel (xlsx, openpyxl), CSV in UTF-8 or GB18030, whitespace tables."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.errors import InvalidInput

SAMPLE_BYTES = 1 << 20
WHITESPACE = "ws"


class ImportFileError(InvalidInput):
    code = "import.file"


@dataclass
class Table:
    headers: list[str] | None
    rows: Iterator[tuple[int, list[Any]]]
    """(line number in the file, cells)."""
    total: int | None
    """Data rows, when known up front (for the progress bar)."""


def open_table(
    path: Path,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    header: bool = True,
) -> Table:
    if not path.is_file():
        raise ImportFileError(f"no such file: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _excel(path, sheet, header)
    if path.suffix.lower() == ".xls":
        raise ImportFileError("old .xls files are not supported: save the sheet as .xlsx or CSV")
    return _text(path, delimiter, encoding, header)


def _excel(path: Path, sheet: str | None, header: bool) -> Table:
    from openpyxl import load_workbook  # only the import path needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ImportFileError(f"not a readable Excel file: {type(exc).__name__}") from exc
    if sheet is not None and sheet not in book.sheetnames:
        raise ImportFileError(f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
    ws = book[sheet] if sheet is not None else book.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    headers = None
    if header:
        first = next(rows, None)
        headers = [str(c).strip() if c is not None else "" for c in (first or ())]
    total = (ws.max_row - (1 if header else 0)) if ws.max_row else None

    def data() -> Iterator[tuple[int, list[Any]]]:
        start = 2 if header else 1
        try:
            for number, cells in enumerate(rows, start=start):
                if cells and any(c is not None and str(c).strip() for c in cells):
                    yield number, list(cells)
        finally:
            book.close()

    return Table(headers, data(), total)


def _encoding_of(sample: bytes) -> str:
    cut = sample.rfind(b"\n")
    probe = sample[: cut + 1] if cut > 0 and len(sample) == SAMPLE_BYTES else sample
    for candidate in ("utf-8-sig", "gb18030"):
        try:
            probe.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    raise ImportFileError("the file is neither UTF-8 nor GB18030 text: give --encoding")


def _text(path: Path, delimiter: str | None, encoding: str | None, header: bool) -> Table:
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
        lines = sample.count(b"\n") + sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(SAMPLE_BYTES), b""))
    if b"\x00" in sample[:4096]:
        raise ImportFileError("this looks like a binary file, not CSV text")
    chosen = encoding or _encoding_of(sample)
    try:
        text_sample = sample.decode(chosen, errors="ignore")
    except LookupError as exc:
        raise ImportFileError(f"unknown encoding {chosen!r}") from exc
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text_sample[:8192], delimiters=",\t;|").delimiter
        except csv.Error:
            delimiter = ","
    handle = path.open("r", encoding=chosen, newline="", errors="strict")
    if delimiter == WHITESPACE:
        reader: Iterator[list[str]] = (line.split() for line in handle)
    else:
        reader = csv.reader(handle, delimiter=delimiter.replace("\\t", "\t"))
    headers = None
    start = 1
    try:
        if header:
            headers = [h.strip() for h in next(reader, [])]
            start = 2
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise ImportFileError(f"cannot read the header line: {type(exc).__name__}") from exc

    def data() -> Iterator[tuple[int, list[Any]]]:
        number = start - 1
        try:
            while True:
                number += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except (UnicodeDecodeError, csv.Error) as exc:
                    raise ImportFileError(f"line {number}: unreadable ({type(exc).__name__})") from exc
                if any(c.strip() for c in cells):
                    yield number, cells
        finally:
            handle.close()

    return Table(headers, data(), max(0, lines - (1 if header else 0)))


def parse_delimiter(value: str | None) -> str | None:
    """CLI spelling: ',', ';', 'tab', '\\t', 'ws' (any whitespace, e.g. the CDNOW sample)."""
    if value is None:
        return None
    return {"tab": "\t", "\\t": "\t", "whitespace": WHITESPACE, "space": WHITESPACE}.get(value, value)
