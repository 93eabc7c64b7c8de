"""LaTeX for the report: derive's printer in the reader's language, values substituted, decimals."""
from __future__ import annotations

import math
from functools import lru_cache

import mpmath
import sympy as sp

from sympy.printing.precedence import precedence_traditional

from ...core.budget import DIGITS, known, size
from ...core.latex import Printer
from ...core.numbers import SHORT, terminating_decimal

EXACT_SIZE = 60          # exact values longer than this many LaTeX characters are shown by their decimal
EXACT_TREE = 30          # ... and those of more tree nodes than this are not even printed to find out
BIG = 120                # tree nodes beyond which an expression is printed in its stored order


class ReportPrinter(Printer):
    """Piecewise cases say "if"/"si"; `values` (name -> (LaTeX, SymPy value)) are printed in place of
    symbols, in parentheses where the value's own precedence needs them, and always when negative."""

    def __init__(self, lang: str = "en", values: dict[str, tuple[str, object]] | None = None, written: bool = False):
        super().__init__({"order": "none"} if written else None, lang=lang)
        self.values = values or {}

    def parenthesize(self, item, level, is_neg=False, strict=False) -> str:
        if isinstance(item, sp.Symbol) and item.name in self.values:
            text, value = self.values[item.name]
            if value is None or text.startswith(r"\left(") or text.startswith("-"):
                return text if text.startswith(r"\left(") else self._add_parens(text)
            prec = precedence_traditional(value)
            return self._add_parens(text) if prec < level or (not strict and prec <= level) else text
        return super().parenthesize(item, level, is_neg, strict)

    bare: frozenset = frozenset()        # substituted symbols printed without parentheses (a function's
                                         # own arguments: tanh(−1), never tanh((−1)))

    def _print(self, expr, **kwargs):
        if self.values and isinstance(expr, sp.Basic) and _calls(expr):
            saved, self.bare = self.bare, frozenset(a for a in expr.args if isinstance(a, sp.Symbol))
            try:
                return super()._print(expr, **kwargs)
            finally:
                self.bare = saved
        return super()._print(expr, **kwargs)

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.values:
            text, _ = self.values[expr.name]
            return self._add_parens(text) if text.startswith("-") and expr not in self.bare else text
        return super()._print_Symbol(expr, style)


def _calls(expr) -> bool:
    """A function application whose arguments sit inside its own parentheses or braces."""
    return isinstance(expr, (sp.Function, sp.Abs, sp.Max, sp.Min)) or expr.func in (sp.exp, sp.log)


@lru_cache(maxsize=20_000)
def tex(expr, lang: str = "en", written: bool = False) -> str:
    """LaTeX in the reader's language; `written`: terms in the order given (a formula as the teacher wrote
    it). Large expressions keep their stored order: SymPy's sorting evaluates every term numerically."""
    return ReportPrinter(lang, written=written or size(expr, BIG) > BIG).doprint(expr)


def substituted(expr, values: dict[str, tuple[str, object]], lang: str = "en", written: bool = False) -> str:
    """The expression with each symbol replaced by its value: name -> (LaTeX, SymPy value or None)."""
    return ReportPrinter(lang, values, written).doprint(expr)


def number(value, digits: int = DIGITS) -> str:
    """A decimal in LaTeX with all `digits` significant digits (zeros kept: they are significant);
    integers without a point; -4.2122... \\times 10^{-20} for small and large values."""
    if value is None:
        return r"\text{---}"
    if isinstance(value, float):
        if value != value:
            return r"\text{NaN}"
        if value in (float("inf"), float("-inf")):
            return r"\infty" if value > 0 else r"-\infty"
        return sci(f"{value:.{digits}g}")
    if mpmath.isint(value) and abs(value) < mpmath.mpf(10) ** digits:
        return str(int(value))
    near = _beside_integer(value, digits)
    if near is not None:
        return near
    with mpmath.workdps(digits + 10):
        return sci(mpmath.nstr(value, digits, strip_zeros=False, min_fixed=-4, max_fixed=digits), strip=False)


TRUSTED = 28        # digits of every value that derive's numeric pass guarantees (30 shown, two kept in reserve)


def _beside_integer(value, digits: int) -> str | None:
    """A value the shown digits would round to an integer although it is not one, written as the integer and
    its difference: σ(46)'s reciprocal 1 + e^{-46} is 1 + 1.05 \times 10^{-20}, not 1.00000000000000 (the digits
    that rounding loses are the lesson there). None where the difference is beyond the digits derive trusts,
    or where the shown digits already tell the value from the integer."""
    if not mpmath.isfinite(value):
        return None
    whole = mpmath.nint(value)
    if whole == 0 or abs(whole) >= mpmath.mpf(10) ** digits:
        return None
    gap = value - whole
    if gap == 0 or abs(gap) >= abs(whole) * mpmath.mpf(10) ** -(digits - 1) \
            or abs(gap) < abs(whole) * mpmath.mpf(10) ** -TRUSTED:
        return None
    sign = "+" if gap > 0 else "-"
    return f"{int(whole)} {sign} {sci(mpmath.nstr(abs(gap), 3, min_fixed=1, max_fixed=0))}"


def sci(text: str, strip: bool = True) -> str:
    """'1.5e-20' -> LaTeX 1.5 \\times 10^{-20}; strips trailing zeros of the mantissa."""
    mantissa, _, exponent = text.lower().partition("e")
    if "." in mantissa and strip:
        mantissa = mantissa.rstrip("0").rstrip(".")
    if mantissa in ("-0", ""):
        mantissa = "0"
    if not exponent or int(exponent) == 0:
        return mantissa
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def short(value, digits: int = 6) -> str:
    """A value with a few significant digits (float or mpf), in LaTeX."""
    if value is None:
        return r"\text{---}"
    if isinstance(value, float):
        if value != value:
            return r"\text{NaN}"
        return sci(f"{value:.{digits}g}")
    return sci(mpmath.nstr(value, digits, min_fixed=-4, max_fixed=7, strip_zeros=False))


ROUNDOFF = 1e-12         # float64 results below this are round-off: their digits differ between BLAS builds


def floored(value: float, digits: int = 2) -> str:
    """A float64 residual or error, written as `< 10^{-12}` once it is down at round-off level."""
    return rf"< 10^{{{round(math.log10(ROUNDOFF))}}}" if 0 <= value < ROUNDOFF else short(value, digits)


def value_tex(exact, value, lang: str = "en") -> tuple[str, object]:
    """How a value is substituted into a formula: (LaTeX, SymPy value), exact when short (2, 0.35, 3/2),
    else the decimal (whose SymPy value is then None, so it is parenthesised wherever it is not alone)."""
    rational = rational_tex(exact)
    if rational is not None:
        return rational, exact
    text = tex(exact, lang) if known(exact) and size(exact, EXACT_TREE) <= EXACT_TREE else None
    if text is None or len(text) > EXACT_SIZE:
        return short(value, 8), None
    return text, exact


def rational_tex(exact) -> str | None:
    """A short exact rational as a person writes it: 2, 0.35 (a decimal that ends), \\frac{3}{2}."""
    if not known(exact) or not isinstance(exact, sp.Basic) or not exact.is_Rational:
        return None
    if exact.is_Integer:
        return str(int(exact)) if abs(exact) < 10**15 else None
    decimal = terminating_decimal(exact)
    if decimal is not None and len(decimal) <= SHORT:
        return decimal
    if len(f"{exact.p}/{exact.q}") <= SHORT:
        sign = "-" if exact < 0 else ""
        return rf"{sign}\frac{{{abs(exact.p)}}}{{{exact.q}}}"
    return None


def is_exact_text(pair: tuple[str, object]) -> bool:
    """Whether a value_tex pair is exact (a chain of equalities may go on) or a decimal (≈ from there on)."""
    return pair[1] is not None


def factor(pair: tuple[str, object]) -> str:
    """A substituted value as a factor in a product: parenthesised unless a plain number or atom."""
    text, value = pair
    if value is not None and (value.is_Atom or isinstance(value, sp.Function)) and not text.startswith("-"):
        return text
    return rf"\left({text}\right)"


def exact_eq(exact, value, lang: str = "en", digits: int = DIGITS) -> str:
    """`exact ≈ decimal`; a short rational alone (exact, so no ≈ and no padded digits: 3/2, not
    3/2 ≈ 1.5000…); just the decimal when the exact form is missing."""
    dec = number(value, digits)
    rational = rational_tex(exact)
    if rational is not None:
        return rational
    if not known(exact):
        return rf"\approx {dec}"
    text = tex(exact, lang)
    if text == dec:
        return text
    return rf"{text} \approx {dec}"


def name(text: str) -> str:
    return tex(sp.Symbol(text))


def partial(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {name(top)}}}{{\partial {name(bottom)}}}"


def bar(node: str) -> str:
    return rf"\overline{{{name(node)}}}"
