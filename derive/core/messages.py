"""The command line's language: which one (--lang, the exercise's `lang`, the locale). What it says comes from the
catalog (i18n): errors, warnings and verdicts carry a Msg, a key and its values, said in the reader's language."""
from __future__ import annotations

import os
import re

from .i18n import SPOKEN

_LANG_LINE = re.compile(r'^\s*lang\s*=\s*["\'](en|es)["\']', re.M)


def language(asked: str | None = None, text: str | None = None) -> str:
    """--lang when given, else the exercise's `lang` (read with a pattern, even from a file that does not
    parse), else a Spanish locale, else English."""
    if asked in SPOKEN:
        return asked
    found = _LANG_LINE.search(text or "")
    if found:
        return found.group(1)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"
