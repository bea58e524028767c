"""Fitting text to a thermal printer's line: CJK characters take two columns. Pure."""

from __future__ import annotations

import unicodedata


def char_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def wrap(text: str, width: int) -> list[str]:
    """Break ``text`` into lines of at most ``width`` columns, at spaces when possible."""
    width = max(width, 2)
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, used = "", 0
        for word in _words(paragraph):
            w = display_width(word)
            if used + w <= width:
                line, used = line + word, used + w
                continue
            if line.strip():
                lines.append(line.rstrip())
            line, used = "", 0
            for char in word.lstrip():  # a word longer than the line is broken anywhere
                cw = char_width(char)
                if used + cw > width:
                    lines.append(line)
                    line, used = "", 0
                line, used = line + char, used + cw
        lines.append(line.rstrip())
    return lines


def _words(text: str) -> list[str]:
    """Space-separated words keep their leading space; each CJK character is a word of its own."""
    words: list[str] = []
    current = ""
    for char in text:
        if char == " ":
            if current:
                words.append(current)
            current = " "
        elif char_width(char) == 2:
            if current:
                words.append(current)
            words.append(char)
            current = ""
        else:
            current += char
    if current:
        words.append(current)
    return words


def center(text: str, width: int) -> str:
    pad = max(width - display_width(text), 0)
    return " " * (pad // 2) + text
