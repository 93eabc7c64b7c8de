"""LaTeX for formulas and derivatives: SymPy's printer, taught the registry's names."""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .ops import op_of

_GREEK = set("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
             "sigma tau upsilon phi chi psi omega".split())


class Printer(LatexPrinter):
    """Registry LaTeX names (\\sigma, relu), max(m, 0) in the order people write it, whole-word names."""

    def _print_Function(self, expr, exp=None):
        op = op_of(expr)
        if op is not None and op.latex:
            args = ", ".join(self._print(a) for a in expr.args)
            text = rf"{op.latex}\left({args}\right)"
            return rf"{text}^{{{exp}}}" if exp else text
        return super()._print_Function(expr, exp)

    def _print_Max(self, expr, exp=None):
        return self._minmax(r"\max", expr, exp)

    def _print_Min(self, expr, exp=None):
        return self._minmax(r"\min", expr, exp)

    def _minmax(self, name, expr, exp):
        args = sorted(expr.args, key=lambda a: bool(a.is_number))
        text = rf"{name}\left({', '.join(self._print(a) for a in args)}\right)"
        return rf"{text}^{{{exp}}}" if exp else text

    def _print_Symbol(self, expr, style="plain"):
        return symbol_tex(expr.name, lambda e: super(Printer, self)._print_Symbol(e, style))


_RISKY = ("scr", "frak", "bm", "bold", "cal", "norm", "avg", "abs", "mag", "prm", "mathring", "ddddot", "dddot")


def symbol_tex(name: str, sympy_default) -> str:
    """A quantity's name in LaTeX that every engine compiles: Greek letters by name (alpha, α), trailing
    digits and _parts as subscripts, other words in italics; never SymPy's suffix modifiers that need
    packages (a name ending in 'scr' would become \\mathscr), never raw non-ASCII letters."""
    if not name.isascii():
        return "".join(_char_tex(ch) for ch in name)
    if re.fullmatch(r"[A-Za-z]{2,}", name) and name.lower() not in _GREEK:
        return rf"\mathit{{{name}}}"
    if any(name.lower().rstrip("0123456789_").endswith(word) for word in _RISKY) and len(name) > 3:
        escaped = name.replace("_", "\\_")
        return rf"\mathit{{{escaped}}}"
    return sympy_default(sp.Symbol(name))


def _char_tex(ch: str) -> str:
    import unicodedata

    if ch.isascii():
        return "\\_" if ch == "_" else ch
    description = unicodedata.name(ch, "")
    if description.startswith("GREEK") and "LETTER" in description:
        word = description.split()[-1].lower()
        word = word.capitalize() if "CAPITAL" in description else word
        if word.lower() in _GREEK:
            return "\\" + word + " "
    return rf"\mathrm{{u{ord(ch):04x}}}"


def latex(expr: sp.Expr) -> str:
    """LaTeX of a SymPy expression, in derive's conventions."""
    return Printer().doprint(expr)


def name(text: str) -> str:
    """LaTeX of a quantity's name."""
    return latex(sp.Symbol(text))
