"""How a number is written, in one place for every renderer: exact when it is exact and short (3, −3/2,
0.35), never "≈" beside an exact value; otherwise a stated number of significant digits, in scientific
notation as ×10ⁿ (1.0531·10⁻²⁰ in plain text, 1.0531 \\times 10^{-20} in LaTeX)."""
from __future__ import annotations

from decimal import Decimal, localcontext

import mpmath
import sympy as sp

from .budget import known

SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
MINUS = "−"
SHORT = 9                 # characters of an exact rational written as such (12345/678 is, 1/3000001 is not)
PLAIN_SCI = 5             # exponents from ±5 on are written as ·10ⁿ


def exact_text(exact) -> str | None:
    """A short exact rational as a person writes it (3, −3/2, 0.35), or None."""
    if not known(exact) or not isinstance(exact, sp.Basic) or not exact.is_Rational:
        return None
    if exact.is_Integer:
        text = str(int(exact))
        return text.replace("-", MINUS) if len(text) <= 12 else None
    terminating = terminating_decimal(exact)
    if terminating is not None and len(terminating) <= SHORT:
        return terminating.replace("-", MINUS)
    text = f"{exact.p}/{exact.q}"
    return text.replace("-", MINUS) if len(text) <= SHORT else None


def terminating_decimal(q: sp.Rational) -> str | None:
    """7/20 as "0.35"; None when the decimal expansion does not end (1/3)."""
    d = int(q.q)
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        text = format(Decimal(int(q.p)) / Decimal(int(q.q)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def decimal_parts(value, digits: int) -> tuple[str, int]:
    """(mantissa, exponent) of a value rounded to `digits` significant digits, mantissa in [1, 10)."""
    with mpmath.workdps(digits + 10):
        text = mpmath.nstr(mpmath.mpf(value), digits, min_fixed=1, max_fixed=0, strip_zeros=True)
    mantissa, _, exponent = text.lower().partition("e")
    return mantissa, int(exponent or 0)


def plain(exact, value, digits: int = 5) -> str:
    """For figures and diagrams: exact when short, else `digits` significant digits (·10ⁿ for large or
    small magnitudes); a dash when undefined."""
    text = exact_text(exact)
    if text is not None:
        return text
    if value is None or (isinstance(value, (float, mpmath.mpf)) and mpmath.isnan(value)):
        return "—"
    if value == 0:
        return "0"
    mantissa, exponent = decimal_parts(value, digits)
    if abs(exponent) < PLAIN_SCI:
        with mpmath.workdps(digits + 10):
            text = mpmath.nstr(mpmath.mpf(value), digits, min_fixed=-PLAIN_SCI, max_fixed=PLAIN_SCI, strip_zeros=True)
        return text.replace("-", MINUS)
    return f"{mantissa}·10{str(exponent).translate(SUPER)}".replace("-", MINUS)


def is_exact_shown(exact) -> bool:
    """Whether `plain`/`tex` write this value exactly (so no ≈ goes beside it)."""
    return exact_text(exact) is not None
