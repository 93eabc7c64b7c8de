"""Generated Python folded to the width of a page: a listing in the PDF cannot scroll sideways (LaTeX's
Verbatim never breaks a line), so long tensor literals break after a comma inside their brackets (where
Python needs no backslash), and long comments become several comment lines. The result is still the same
program; tests run it."""
from __future__ import annotations

import textwrap

WIDTH = 92           # characters of \footnotesize typewriter type across the page's text width


def fit(script: str, width: int = WIDTH) -> str:
    out = []
    for line in script.split("\n"):
        out.extend(_fold(line, width))
    return "\n".join(out)


def _fold(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    code, comment = _split_comment(line)
    if not code.strip():
        return textwrap.wrap(comment, width, initial_indent=indent, subsequent_indent=indent + "# ")
    if comment:                            # a trailing comment goes above its code
        return _fold(indent + comment, width) + _fold(code.rstrip(), width)
    return _break_at_commas(line, width, indent)


def _outside_strings(line: str):
    """(index, character) for each character of a line of Python outside its string literals."""
    quote, i = None, 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        else:
            yield i, ch
        i += 1


def _split_comment(line: str) -> tuple[str, str]:
    """The code and its comment (from '#', outside strings; a marker glued to it, ⟦# …⟧, goes with it)."""
    for i, ch in _outside_strings(line):
        if ch == "#":
            start = i
            while start and not line[start - 1].isspace():
                start -= 1
            return line[:start], line[start:]
    return line, ""


def _break_at_commas(line: str, width: int, indent: str) -> list[str]:
    """Break after ', ' inside brackets (outside strings), each piece as long as fits."""
    cuts, depth = [], 0
    for i, ch in _outside_strings(line):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth >= 1 and line[i + 1:i + 2] == " ":
            cuts.append(i + 1)
    pieces, start, last = [], 0, 0
    prefix = indent + "    "

    def piece(a, b):
        return line[a:b].rstrip() if a == 0 else prefix + line[a:b].strip()

    for cut in cuts + [len(line)]:
        if len(piece(start, cut)) > width and last > start:
            pieces.append(piece(start, last))
            start = last
        last = cut
    pieces.append(piece(start, len(line)))
    return pieces
