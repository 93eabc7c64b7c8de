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
        name = expr.name
        if re.fullmatch(r"[A-Za-z]{2,}", name) and name.lower() not in _GREEK:
            return rf"\mathit{{{name}}}"
        return super()._print_Symbol(expr, style)


def latex(expr: sp.Expr) -> str:
    """LaTeX of a SymPy expression, in derive's conventions."""
    return Printer().doprint(expr)


def name(text: str) -> str:
    """LaTeX of a quantity's name."""
    return latex(sp.Symbol(text))
