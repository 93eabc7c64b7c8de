"""The one error type users see: a message with file, line, column, caret and hint."""
from __future__ import annotations

import errno
from dataclasses import dataclass

from .i18n import Msg, said, t


@dataclass
class Spot:
    """Where in a file something is: 1-based line and column, and the line's text."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    text: str | None = None


class DeriveError(Exception):
    """Bad input. The CLI prints `str(error)` and exits 1; never a traceback."""

    def __init__(self, message: Msg, spot: Spot | None = None, hint: Msg | None = None):
        super().__init__(message)
        self.message = message
        self.spot = spot or Spot()
        self.hint = hint
        self.lang = "en"             # the language str() speaks (the API sets the exercise's)

    def at(self, **where) -> "DeriveError":
        """Fill in missing location fields (the caller knows the file, the parser the column)."""
        for key, value in where.items():
            if getattr(self.spot, key) is None:
                setattr(self.spot, key, value)
        return self

    def __str__(self) -> str:
        return self.render(self.lang)

    def render(self, lang: str = "en") -> str:
        """The message as the command line prints it, in the reader's language."""
        s = self.spot
        where = ":".join(str(p) for p in (s.file, s.line, s.column) if p is not None)
        error, message = t(lang, "cli_error"), said(self.message, lang)
        lines = [f"{where}: {error}: {message}" if where else f"{error}: {message}"]
        if s.text is not None:
            text, column = _window(s.text, s.column)
            lines.append("    " + text)
            if column is not None:
                lines.append("    " + " " * (column - 1) + "^")
        if self.hint:
            lines.append(f"{t(lang, 'cli_hint')}: {said(self.hint, lang)}")
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


class ShapeError(Exception):
    """Shapes that do not fit an operation; the parser turns it into a located error."""

    def __init__(self, message: Msg):
        super().__init__(message)
        self.message = message


class TooLarge(ArithmeticError):
    """A value beyond about 10^±1,000,000 (or a sin/cos argument too large to reduce): refused."""

    def __init__(self, message: Msg):
        super().__init__(message)
        self.message = message


class Domain(ArithmeticError):
    """An operation outside its real domain at the point; `index` names the element of a tensor."""

    def __init__(self, message: Msg, index: tuple = ()):
        super().__init__(message)
        self.message, self.index = message, index


OS_REASONS = {errno.ENOENT: "os_no_such_file", errno.EACCES: "os_permission", errno.EPERM: "os_permission",
              errno.EISDIR: "os_is_folder", errno.ENOTDIR: "os_not_folder", errno.ENOSPC: "os_disk_full",
              errno.EROFS: "os_read_only", errno.EEXIST: "os_exists", errno.ENAMETOOLONG: "os_name_too_long"}


def os_reason(e: OSError) -> Msg | str:
    """Why the system refused a file, as a catalog sentence (the common reasons), else as the system says it."""
    return Msg(OS_REASONS[e.errno]) if e.errno in OS_REASONS else (e.strerror or type(e).__name__)
