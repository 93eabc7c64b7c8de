"""TOML as derive writes it (variants, the API's exercise text, starters): strings and keys that every TOML
reader, derive's own loader first, reads back as exactly the text they hold."""
from __future__ import annotations

import re

_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def toml_basic(text: str) -> str:
    """A TOML basic string ("…") holding exactly `text`."""
    return '"' + "".join(_TOML_ESCAPES.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 32 or c == "\x7f" else c)
                         for c in text) + '"'


def comment_text(text: str) -> str:
    """Text for a TOML comment: one printable line (a newline or a control character written as its escape)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def toml_key(name: str) -> str:
    """A TOML key: bare where TOML allows it (ASCII letters, digits, _ and -), quoted otherwise (λ, x y)."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else toml_basic(name)
