"""LaTeX for formulas and derivatives: SymPy's printer, taught the registry's names."""
from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .i18n import t
from .ops import RELATIONS, op_of, operands, options_shown, params_of, shape_of_expr

_GREEK = set("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
             "sigma tau upsilon phi chi psi omega".split())


class Printer(LatexPrinter):
    """Registry LaTeX names (\\sigma, relu), max(m, 0) in the order people write it, whole-word names; with
    `shapes` (name -> shape), tensor formulas in matrix notation: W x, u \\cdot v, X^\\top, a \\odot b."""

    def __init__(self, settings=None, shapes: dict | None = None, lang: str = "en"):
        super().__init__(settings)
        self.shapes = shapes or {}
        self.lang = lang

    def _print_Piecewise(self, expr):
        """Cases with the reader's word for "if" (SymPy writes "for"), the form ReportPrinter shares."""
        rows = [rf"{self._print(e)} & \text{{{t(self.lang, 'math_if')} }} {self._print(c)}" for e, c in expr.args]
        return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"

    def _shape(self, expr) -> tuple:
        try:
            return shape_of_expr(expr, self.shapes)
        except Exception:          # a shape the parser would have refused: print it as a scalar
            return ()

    def _operand(self, expr) -> str:
        text = self._print(expr)
        return text if expr.is_Atom or op_of(expr) is not None and op_of(expr).function else rf"\left({text}\right)"

    def _print_Rational(self, expr):
        """A small constant such as ε = 1e-5 as 10^{-5} (or 3 \\cdot 10^{-5}), never \\frac{1}{100000}."""
        p, q = int(expr.p), int(expr.q)
        n = len(str(q)) - 1
        if q == 10 ** n and n >= 4 and abs(p) < 1000:
            power = f"10^{{-{n}}}"
            return power if p == 1 else f"-{power}" if p == -1 else rf"{p} \cdot {power}"
        return super()._print_Rational(expr)

    def _print_matmul(self, expr, exp=None):
        a, b = expr.args
        if len(self._shape(a)) == 1 and len(self._shape(b)) == 1:
            return rf"{self._operand(a)} \cdot {self._operand(b)}"
        return rf"{self._operand(a)} \, {self._operand(b)}"

    def _print_transpose(self, expr, exp=None):
        return rf"{self._operand(expr.args[0])}^{{\top}}"

    def _print_getitem(self, expr, exp=None):
        x, key = expr.args
        return rf"{self._operand(x)}_{{{key.text().replace(' ', '')}}}"

    def _print_Key(self, expr):
        return expr.text()

    def _print_Mul(self, expr):
        if self.shapes:
            tensors = [f for f in expr.args if self._shape(f)]
            if len(tensors) >= 2:           # an element-wise product of tensors: a ⊙ b, never a b (a matrix product)
                scalars = [f for f in expr.args if not self._shape(f)]
                head = self._print(sp.Mul(*scalars)) + " " if scalars else ""
                return head + r" \odot ".join(self._operand(f) if not f.is_Pow else self._print(f) for f in tensors)
        return super()._print_Mul(expr)

    def _print_Function(self, expr, exp=None):
        op = op_of(expr)
        if op is not None and op.name in RELATIONS:
            a, b = expr.args
            return rf"\mathbb{{1}}\left[{self._print(a)} {RELATIONS[op.name][1]} {self._print(b)}\right]"
        kept = _keepdim(expr, op, self._shape)
        if kept is not None:                  # sum(X, dim=1, keepdim=True), stored as a reshape of sum(X, 1)
            inner, axis = kept
            text = (rf"{op_of(inner).latex}\left({self._print(inner.args[0])}, \mathrm{{dim}}={axis}, "
                    rf"\mathrm{{keepdim}}=\mathrm{{True}}\right)")
            return rf"{text}^{{{exp}}}" if exp else text
        if op is not None and op.keywords:
            shown = [self._print(a) for a in operands(expr, op)]
            shown += [rf"\mathrm{{{key.replace('_', chr(92) + '_')}}}={_option_tex(value)}"
                      for key, value in options_shown(op, params_of(expr, op)[0])]
            text = rf"{op.latex}\left({', '.join(shown)}\right)"
            return rf"{text}^{{{exp}}}" if exp else text
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


def _keepdim(expr, op, shape_of):
    """(the reduction, its axis) when expr is a reshape that only puts back, with length 1, the axis a sum or a
    mean took away (how the parser stores keepdim=True); None for anything else."""
    if op is None or op.name != "reshape":
        return None
    inner = expr.args[0]
    inner_op = op_of(inner)
    if inner_op is None or inner_op.name not in ("sum", "mean") or len(inner.args) != 2:
        return None
    shape = shape_of(inner.args[0])
    if not shape:
        return None
    axis = int(inner.args[1]) % len(shape)
    kept = tuple(1 if i == axis else n for i, n in enumerate(shape))
    return (inner, int(inner.args[1])) if tuple(params_of(expr, op)[0]["shape"]) == kept else None


def _option_tex(value) -> str:
    if isinstance(value, str):
        return rf"\text{{'{value}'}}"
    if isinstance(value, tuple):
        return r"\left(" + ", ".join(map(str, value)) + (r",\right)" if len(value) == 1 else r"\right)")
    return Printer().doprint(value) if isinstance(value, sp.Basic) else str(value)


def symbol_tex(name: str, sympy_default) -> str:
    """A quantity's name in LaTeX that every engine compiles: Greek letters by name (alpha, α), trailing
    digits and _parts as subscripts, other words in italics; never SymPy's suffix modifiers that need
    packages (a name ending in 'scr' would become \\mathscr), never raw non-ASCII letters."""
    if not name.isascii():
        found = re.fullmatch(r"(.+?)(?:_?(\d+)|_([^\W_]+))", name)       # α1 and θ_0 subscript as w1 and w_0 do
        if found:
            base, sub = found.group(1), found.group(2) or found.group(3)
            return "".join(_char_tex(ch) for ch in base) + "_{" + "".join(_char_tex(ch) for ch in sub) + "}"
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
        word = {"lamda": "lambda"}.get(word, word)          # Unicode spells it LAMDA; LaTeX, \lambda
        word = word.capitalize() if "CAPITAL" in description else word
        if word.lower() in _GREEK:
            return "\\" + word + " "
    base, *marks = unicodedata.normalize("NFD", ch)
    if base.isascii() and base.isalpha() and len(marks) == 1 and marks[0] in _ACCENTS:
        return rf"{_ACCENTS[marks[0]]}{{{base}}}"                # ŷ is \hat{y}, x̄ is \bar{x}
    return rf"\mathrm{{u{ord(ch):04x}}}"


_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0303": r"\tilde", "\u0307": r"\dot", "\u0308": r"\ddot",
            "\u0301": r"\acute", "\u0300": r"\grave", "\u030c": r"\check"}


def latex(expr, shapes: dict | None = None) -> str:
    """LaTeX of a SymPy expression, in derive's conventions; a tensor's value as a matrix."""
    import numpy as np

    if isinstance(expr, np.ndarray):
        return matrix(expr, lambda v: Printer().doprint(v))
    return Printer(shapes=shapes).doprint(expr)


def matrix(value, element) -> str:
    """A vector as a transposed row (v_1, v_2)^\\top, a matrix as a pmatrix of rows, a tensor of rank 3 or more
    as a bracketed list of its matrices (an image batch N x C x H x W: N lists of C matrices)."""
    if value.ndim > 2:
        return r"\left[" + r",\; ".join(matrix(part, element) for part in value) + r"\right]"
    if value.ndim == 1:
        return r"\begin{pmatrix} " + r" & ".join(element(v) for v in value) + r" \end{pmatrix}^{\top}"
    rows = [" & ".join(element(v) for v in row) for row in value]
    return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"


def name(text: str) -> str:
    """LaTeX of a quantity's name."""
    return latex(sp.Symbol(text))
