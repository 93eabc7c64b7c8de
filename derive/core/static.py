"""The static arguments of an op, written in the formula and never differentiated or evaluated: an index key
such as [1, :] or [::2], and keyword options such as stride=2, padding=1. Both are SymPy leaves, so they sit
in the expression tree (and its printing and hashing) beside the tensors they act on."""
from __future__ import annotations

import sympy as sp


class Key(sp.Atom):
    """A static index such as [1, :] or [:, 0:2]: a leaf that is never differentiated or evaluated."""

    is_number = False

    def __new__(cls, items: tuple):
        obj = super().__new__(cls)
        obj.items = items
        return obj

    def _hashable_content(self):
        return (repr(self.items),)

    def __getnewargs__(self):
        return (self.items,)

    def index(self):
        return tuple(slice(*i) if isinstance(i, tuple) else i for i in self.items)

    def text(self) -> str:
        return ", ".join(":".join("" if v is None else str(v) for v in i) if isinstance(i, tuple) else str(i)
                         for i in self.items)

    def _sympystr(self, printer):
        return f"[{self.text()}]"


class Options(Key):
    """Keyword options of one call, with every default filled in (so two spellings of one call are one
    expression): items are (name, value) pairs, values whole numbers, decimals (as strings), tuples or words."""

    __iter__ = None          # not a sequence, though it has __getitem__ (SymPy's iterable() would walk it)

    def get(self, name: str, default=None):
        return dict(self.items).get(name, default)

    def __getitem__(self, name: str):
        return dict(self.items)[name]

    def text(self) -> str:
        return ", ".join(f"{k}={_text(v)}" for k, v in self.items)

    def _sympystr(self, printer):
        return self.text()


def _text(value) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(map(str, value)) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str) and not _number(value):
        return repr(value)
    return str(value)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
