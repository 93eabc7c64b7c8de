"""The one error type users see: a message with file, line, column, caret and hint."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Spot:
    """Where in a file something is: 1-based line and column, and the line's text."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    text: str | None = None


class DeriveError(Exception):
    """Bad input. The CLI prints `str(error)` and exits 1; never a traceback."""

    def __init__(self, message: str, spot: Spot | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.spot = spot or Spot()
        self.hint = hint

    def at(self, **where) -> "DeriveError":
        """Fill in missing location fields (the caller knows the file, the parser the column)."""
        for key, value in where.items():
            if getattr(self.spot, key) is None:
                setattr(self.spot, key, value)
        return self

    def __str__(self) -> str:
        return self.render()

    def render(self, error: str = "error", hint: str = "hint") -> str:
        """The message as the command line prints it, its two labels in the reader's language."""
        s = self.spot
        where = ":".join(str(p) for p in (s.file, s.line, s.column) if p is not None)
        lines = [f"{where}: {error}: {self.message}" if where else f"{error}: {self.message}"]
        if s.text is not None:
            text, column = _window(s.text, s.column)
            lines.append("    " + text)
            if column is not None:
                lines.append("    " + " " * (column - 1) + "^")
        if self.hint:
            lines.append(f"{hint}: {self.hint}")
        return "\n".join(lines)


WIDTH = 76


def _window(text: str, column: int | None) -> tuple[str, int | None]:
    """The part of a long line around the column, control characters made visible."""
    text = "".join("\ufffd" if ord(ch) < 32 or ch == "\x7f" else ch for ch in text)
    if len(text) <= WIDTH:
        return text, column
    start = max(0, min((column or 1) - WIDTH // 2, len(text) - WIDTH))
    piece = text[start:start + WIDTH]
    prefix = "…" if start else ""
    suffix = "…" if start + WIDTH < len(text) else ""
    return prefix + piece + suffix, None if column is None else column - start + len(prefix)


class TooLarge(ArithmeticError):
    """A value beyond about 10^±1,000,000 (or a sin/cos argument too large to reduce): refused."""


class Domain(ArithmeticError):
    """An operation outside its real domain at the point; `index` names the element of a tensor."""

    def __init__(self, message: str, index: tuple = ()):
        super().__init__(message)
        self.message, self.index = message, index
