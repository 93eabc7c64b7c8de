"""The catalog: every sentence derive says, one table per language (`locale/en.toml`, `locale/es.toml`, the same
keys and {placeholders} in each), and `Msg`, a sentence named by its key with its values, said in a language only
when it is shown. `qps` is a pseudo-language for the tests: English with every sentence wrapped in ⟦…⟧, so text
that reaches a reader without going through the catalog shows up outside the brackets."""
from __future__ import annotations

import re
import tomllib
from importlib.resources import files

LANGS = ("en", "es")
PSEUDO = "qps"
SPOKEN = LANGS + (PSEUDO,)


def _catalog(lang: str) -> dict[str, str]:
    return tomllib.loads((files(__package__) / "locale" / f"{lang}.toml").read_text(encoding="utf-8"))


CATALOGS: dict[str, dict[str, str]] = {lang: _catalog(lang) for lang in LANGS}


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(text: str) -> set[str]:
    """The {names} a catalog sentence is filled in with."""
    return set(_PLACEHOLDER.findall(text))


def t(lang: str, key: str, /, **values) -> str:
    """The sentence `key` in `lang`, with its {placeholders} filled in (other braces are LaTeX's). A value that is a
    Msg or a Listing is said in `lang` too."""
    text = CATALOGS["en" if lang == PSEUDO else lang][key]
    filled = _PLACEHOLDER.sub(lambda m: said(values[m.group(1)], lang) if m.group(1) in values else m.group(0), text)
    return f"⟦{filled}⟧" if lang == PSEUDO else filled


def columns(lang: str, key: str) -> list[str]:
    """A catalog entry of column headings, one a word ("input exact autograd_f64 …"), each said on its own."""
    words = CATALOGS["en" if lang == PSEUDO else lang][key].split()
    return [f"⟦{w}⟧" for w in words] if lang == PSEUDO else words


def said(value, lang: str) -> str:
    """A placeholder's value as shown: a Msg or Listing in `lang`, anything else (a name, a number) as it is."""
    return value.say(lang) if isinstance(value, (Msg, Listing)) else str(value)


class Msg:
    """A sentence by its catalog key, with its values: raised in errors, kept in warnings and verdicts, and said in
    the reader's language only where it is shown. A value may itself be a Msg (a message inside a message)."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values):
        if key not in CATALOGS["en"]:
            raise KeyError(f"no catalog entry {key!r}")
        self.key, self.values = key, values

    def say(self, lang: str) -> str:
        return t(lang, self.key, **self.values)

    def __str__(self) -> str:
        return self.say("en")

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, **{self.values!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Msg) and (self.key, self.values) == (other.key, other.values)

    def __hash__(self) -> int:
        return hash(self.key)


class Listing:
    """Several values or sentences shown together, joined by the catalog's `join` entry (", " or " and ")."""

    __slots__ = ("items", "join")

    def __init__(self, items, join: str = "list_comma"):
        self.items, self.join = tuple(items), join

    def say(self, lang: str) -> str:
        return t(lang, self.join).join(said(item, lang) for item in self.items)

    def __str__(self) -> str:
        return self.say("en")

    def __eq__(self, other) -> bool:
        return isinstance(other, Listing) and (self.items, self.join) == (other.items, other.join)

    def __hash__(self) -> int:
        return hash(self.items)
