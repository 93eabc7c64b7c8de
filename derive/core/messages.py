"""The command line's language: which one (--lang, the exercise's `lang`, the locale), and what it says in
it. Every sentence lives in report.i18n's bilingual table; an error raised in English is matched against
the English side of the `err_*` entries (their {placeholders} match any text) and said in Spanish."""
from __future__ import annotations

import os
import re
from functools import lru_cache

from .i18n import LANGS, TEXT, t

_LANG_LINE = re.compile(r'^\s*lang\s*=\s*["\'](en|es)["\']', re.M)


def language(asked: str | None = None, text: str | None = None) -> str:
    """--lang when given, else the exercise's `lang` (read with a pattern, even from a file that does not
    parse), else a Spanish locale, else English."""
    if asked in LANGS:
        return asked
    found = _LANG_LINE.search(text or "")
    if found:
        return found.group(1)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "es" if value.lower().startswith("es") else "en"
    return "en"


_MESSAGES = ("message", "problem", "found", "why")      # placeholders that hold a whole message of their own
_REASONS = "reasons"          # a placeholder that holds `variants`' reasons with their counts: "kink 2, saturation 1"
_NESTED = ".*?"
_VALUE = "(?:(?!: ).)*?"        # a name or a value: never across ": ", where one message nests in another


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    """Each err_* entry's English text as a pattern, the one with the most literal text first (the most
    specific wins: "no such file: {name}" before "{op}: {message}")."""
    out = []
    for key, (english, _) in TEXT.items():
        if key.startswith("err_"):
            parts = re.split(r"\{([A-Za-z_]\w*)\}", english)     # {1} and {-z} are LaTeX's braces, not placeholders
            body = "".join(re.escape(p) if i % 2 == 0 else
                           f"(?P<{p}>{_NESTED if p in _MESSAGES or p == _REASONS else _VALUE})"
                           for i, p in enumerate(parts))
            out.append((-len("".join(parts[::2])), re.compile(f"^{body}$", re.S), key))
    return [(pattern, key) for _, pattern, key in sorted(out, key=lambda item: item[0])]


def say(text: str | None, lang: str) -> str | None:
    """An English message or hint in `lang` (unchanged when no entry matches, or in English)."""
    if not text or lang == "en":
        return text
    for pattern, key in _patterns():
        found = pattern.match(text)
        if found:
            parts = {k: say(v, lang) if k in _MESSAGES else reasons(v, lang) if k == _REASONS else v
                     for k, v in found.groupdict().items()}
            return t(lang, key, **parts)
    return text


_COUNTED = re.compile(r"(.+?) (\d+)(?:, |$)")


def reasons(text: str, lang: str) -> str:
    """`variants`' reasons with their counts ("another branch 13, kink 1") in `lang`: each reason its rej_*
    entry ("require <condition>" names a setting and a condition of the file, said as written)."""
    if text == "none":                 # summary() of no rejections
        return t(lang, "rej_none")
    items = _COUNTED.findall(text)
    if lang == "en" or not items or ", ".join(f"{r} {k}" for r, k in items) != text:
        return text
    said = [(t(lang, key) if (key := "rej_" + re.sub(r"[ -]", "_", r)) in TEXT else r, k) for r, k in items]
    return ", ".join(f"{r} {k}" for r, k in said)


def error(e, lang: str) -> str:
    """A DeriveError as the CLI prints it, in `lang`."""
    if lang == "en":
        return str(e)
    from .errors import DeriveError

    try:
        said = DeriveError(say(e.message, lang), e.spot, say(e.hint, lang))
    except Exception:               # a message the table cannot fill: said as raised, never a traceback
        return str(e)
    return said.render(t(lang, "cli_error"), t(lang, "cli_hint"))
