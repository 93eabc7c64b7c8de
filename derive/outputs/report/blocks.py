"""The pieces every section of a worked solution is built from, public so each section module imports them
from here: names as math, aligned derivations broken before the margin, tensors written as vectors and
matrices (exact where short, else rounded), and where the graph's own files sit beside a report."""
from __future__ import annotations

import math

import re

import mpmath
import numpy as np
import sympy as sp

from ...core import arrays
from ...core.budget import known, size
from ...core.latex import Printer, matrix
from ...core.ops import shape_text
from .doc import Math, Para, Report, rich
from ...core.i18n import t
from ...passes.graph import stopped
from .mathtex import name, short

MAX_ROWS = 60               # rows of one derivation block before the rest is left to `gradients --json`
LINE = 150                  # LaTeX characters of one row of a derivation before it is broken in two
SHOWN = 36                 # elements of a tensor written out in full; larger ones by their shape and a corner
LINE_CHARS = 64            # characters of digits a tensor written out in full may take across the page (every
                           # matrix of a rank-3 or 4 tensor side by side); wider ones by their shape and a corner
DIGITS = 6                 # significant digits of the numbers in matrices (30 are in `gradients --json`)

BESIDE = ("md", "tex", "ipynb")      # the formats written beside the graph's DOT, TikZ and Mermaid files


def math_name(node: str) -> str:
    return f"${name(node)}$"


def aligned(r: Report, rows: list[str], lang: str, wide: bool = False):
    """Rows as one aligned display; past MAX_ROWS, the first ones and a note on where the rest are."""
    r.add(Math(r"\begin{aligned} " + r" \\ ".join(rows[:MAX_ROWS]) + r" \end{aligned}", wide=wide))
    if len(rows) > MAX_ROWS:
        r.add(Para(rich(t(lang, "g_more", more=len(rows) - MAX_ROWS))))


def broken(line: str) -> list[str]:
    """A derivation row longer than LINE characters, continued on the next rows at its = and ≈ signs, and
    a single expression still too long at its outermost + and − signs, so nothing runs into the margin."""
    if len(line) <= LINE:
        return [line]
    head, _, rest = line.partition("&= ")
    pieces = re.split(r" (?=(?:=|\\approx) )", rest)
    rows, current = [], f"{head}&= {pieces[0]}"
    for piece in pieces[1:]:
        if len(current) + len(piece) > LINE:
            rows.append(current)
            current = f"&{piece}"
        else:
            current += f" {piece}"
    rows.append(current)
    return [part for row in rows for part in terms(row)]


def terms(row: str) -> list[str]:
    """A row cut at the + and − between its outermost terms, the continuations indented: & \\quad + …"""
    if len(row) <= LINE:
        return [row]
    cuts, depth, i = [], 0, 0
    while i < len(row):
        ch = row[i]
        if row.startswith(r"\left", i):
            depth += 1
        elif row.startswith(r"\right", i):
            depth -= 1
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch in "+-" and depth == 0 and row[i - 1:i] == " " and row[i + 1:i + 2] == " " and i > 20:
            cuts.append(i)
        i += 1
    out, start = [], 0
    for cut in cuts:
        if cut - start > LINE * 0.8:
            out.append(row[start:cut].rstrip())
            start = cut
    out.append(row[start:])
    return [out[0]] + [rf"& \quad {piece}" for piece in out[1:]]


def element_tex(exact, value, lang: str = "en") -> str:
    """One element: exact when short (2, 0.35, -3/2), else DIGITS significant digits; undefined at a kink."""
    if value is not None and mpmath.isnan(value) or exact is sp.nan:
        return r"\text{" + t(lang, "m_undefined_short") + "}"
    if known(exact) and exact.is_Rational and _terminating(exact):
        return decimal_text(exact)
    if known(exact) and size(exact, 8) <= 8:
        text = Printer().doprint(exact)
        if len(text) <= 14:
            return text
    return short(value, DIGITS)


def _terminating(q: sp.Rational) -> bool:
    """A rational whose decimal expansion ends within 8 significant digits (7/20 = 0.35; 1/3 does not)."""
    d = int(q.q)
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1 and len(decimal_text(q).replace("-", "").replace(".", "").lstrip("0")) <= 8


def decimal_text(q: sp.Rational) -> str:
    """An exact terminating rational as the decimal a teacher writes: 0.35, -1.5, 12."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 60
        text = format(Decimal(int(q.p)) / Decimal(int(q.q)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def relation(exact, value) -> str:
    """= when every element is written exactly, ≈ when any is a rounded decimal."""
    exact = exact if isinstance(exact, np.ndarray) or not isinstance(value, np.ndarray) else None
    pairs = zip(arrays.flat(exact), arrays.flat(value)) if exact is not None else [(None, v) for v in arrays.flat(value)]
    return "=" if all(_exactly(e, v) for e, v in pairs) else r"\approx"


def _exactly(exact, value) -> bool:
    if value is not None and mpmath.isnan(value):
        return True
    return known(exact) and (exact.is_Rational and _terminating(exact) or size(exact, 8) <= 8
                             and len(Printer().doprint(exact)) <= 14)


def value_tex(exact, value, lang: str = "en") -> str:
    """A value as LaTeX: a number, a vector (…)ᵀ or a matrix, cut to a corner when large."""
    if not isinstance(value, np.ndarray):
        return element_tex(exact, value, lang)
    exact = exact if isinstance(exact, np.ndarray) else np.full(value.shape, None, dtype=object)
    if value.size <= SHOWN:
        cells = np.empty(value.shape, dtype=object)
        for index in np.ndindex(value.shape):
            cells[index] = element_tex(exact[index], value[index], lang)
        if _line_width(cells) <= LINE_CHARS:
            return matrix(cells, str)
    lead = value.shape[:-2]
    part = value[(0,) * len(lead) + tuple(slice(0, 4) for _ in value.shape[len(lead):])]
    undefined = r"\text{" + t(lang, "m_undefined_short") + "}"
    cells = np.array([undefined if mpmath.isnan(v) else short(v, 4) for v in part.flat],
                     dtype=object).reshape(part.shape)
    text = matrix(cells, str)
    if part.shape[-1] < value.shape[-1] or part.ndim == 1 and part.shape[0] < value.shape[0]:
        text = text.replace(r"\end{pmatrix}", r" & \cdots \end{pmatrix}", 1)
    for n in reversed(lead):                      # an image batch: the first matrix of the first example, then …
        text = r"\left[" + text + (r",\; \cdots" if n > 1 else "") + r"\right]"
    return text + rf"\;\text{{{shape_text(value.shape)}}}"


def _line_width(cells: np.ndarray) -> int:
    """About how many characters one line of a tensor's LaTeX takes: the widest row of each matrix, all of a
    tensor's matrices side by side (a vector is one row)."""
    rows = cells.reshape(-1, cells.shape[-1]) if cells.ndim > 1 else cells.reshape(1, -1)
    widest = max(sum(len(_plain(c)) + 2 for c in row) for row in rows)
    return widest * (math.prod(cells.shape[:-2]) if cells.ndim > 2 else 1)


def _plain(cell: str) -> str:
    """A cell's LaTeX as its visible characters, roughly (1.5 \\times 10^{-4} is 11)."""
    return re.sub(r"\\[a-z]+|[{}^_ ]", "", cell)


def stopped_note(d, lang: str) -> str:
    """The graph caption's note that dashed arrows are stopped by detach, where any is."""
    return " " + t(lang, "graph_stopped") if any(stopped(d.exercise, p, c) for p, c in d.graph.edges) else ""
