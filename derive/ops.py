"""The op registry: for every operation, its SymPy form, derivative rule, torch and mpmath
counterparts, kink, domain and LaTeX name. Parser, engine, torch builder and printer read it."""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Callable

import mpmath
import sympy as sp


class sigmoid(sp.Function):
    """The logistic function 1/(1 + e^-x), kept whole so formulas print as a student writes them."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number:
            return 1 / (1 + sp.exp(-x))

    def fdiff(self, argindex=1):
        return OPS["sigmoid"].partial(self.args, argindex - 1)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))


class relu(sp.Function):
    """max(x, 0) under the name neural-network courses use."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number:
            return sp.Max(x, 0)

    def fdiff(self, argindex=1):
        return OPS["relu"].partial(self.args, argindex - 1)

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(x, 0)


def _step(u, up, down):
    """A derivative that is `up` where u > 0, `down` where u < 0 and undefined at u = 0."""
    return sp.Piecewise((up, u > 0), (down, u < 0))


def _max_partial(args, i, sign=1):
    """d max(args)/d args[i] (sign=-1: min): 1 where args[i] wins strictly, 0 where it loses."""
    others = [a for j, a in enumerate(args) if j != i]
    wins = sp.And(*[sign * (args[i] - o) > 0 for o in others])
    loses = sp.Or(*[sign * (args[i] - o) < 0 for o in others])
    return sp.Piecewise((1, wins), (0, loses))


def _mul_partial(args, i):
    return sp.Mul(*[a for j, a in enumerate(args) if j != i])


def _pow_partial(args, i):
    base, exponent = args
    return exponent * base ** (exponent - 1) if i == 0 else base**exponent * sp.log(base)


def close(u, v) -> bool:
    """Two 50-digit values are tied when they agree to 35 significant digits."""
    scale = max(1, abs(u), abs(v))
    return abs(u - v) <= scale * mpmath.mpf("1e-35")


def _max_kink(values, sign=1) -> bool:
    top = max(values, key=lambda v: sign * v)
    return sum(close(v, top) for v in values) >= 2


def _max_one_sided(values, tangents, side, sign=1):
    """Directional derivative of max (sign=-1: min) at a tie: the best tangent among the tied."""
    top = max(values, key=lambda v: sign * v)
    tied = [t for v, t in zip(values, tangents) if close(v, top)]
    pick = max if side * sign > 0 else min
    return pick(tied)


def _pow_domain(values):
    base, exponent = values
    if close(base, 0) and exponent < 0:
        return "division by zero"
    if base < 0 and not mpmath.isint(exponent):
        if close(exponent, mpmath.mpf(1) / 2):
            return "square root of a negative number"
        return "a non-integer power of a negative number"
    return None


def _torch():
    import torch

    return torch


@dataclass(frozen=True)
class Op:
    """One operation. `partial(args, i)` is d op(args) / d args[i] as a SymPy expression."""

    name: str
    cls: type | None                      # SymPy class that represents it (None: sugar for another op)
    build: Callable                       # what the parser calls with the SymPy arguments
    partial: Callable | None = None
    torch: Callable | None = None         # on tensors
    mp: Callable | None = None            # on mpmath numbers
    arity: int | None = 1                 # None: two or more
    aliases: tuple[str, ...] = ()         # other spellings accepted by the parser (LaTeX included)
    latex: str | None = None              # LaTeX operator name where SymPy has none
    kink: Callable | None = None          # values -> True when the point sits on a kink
    one_sided: Callable | None = None     # (values, tangents, side=+1/-1) -> directional derivative
    domain: Callable | None = None        # values -> a message when outside the real domain
    function: bool = True                 # False for arithmetic (+, *, ^), which has no spelled name
    code: str | None = None               # the torch function's name in generated Python (reduced pairwise)


REGISTRY: list[Op] = [
    Op("add", sp.Add, sp.Add, lambda a, i: sp.Integer(1), lambda *x: reduce(lambda p, q: p + q, x),
       lambda *x: mpmath.fsum(x), arity=None, function=False),
    Op("mul", sp.Mul, sp.Mul, _mul_partial, lambda *x: reduce(lambda p, q: p * q, x),
       lambda *x: mpmath.fprod(x), arity=None, function=False),
    Op("pow", sp.Pow, sp.Pow, _pow_partial, lambda b, e: b**e, mpmath.power, arity=2,
       domain=_pow_domain, function=False),
    Op("exp", sp.exp, sp.exp, lambda a, i: sp.exp(a[0]), lambda x: _torch().exp(x), mpmath.exp,
       aliases=(r"\exp",), code="torch.exp"),
    Op("log", sp.log, sp.log, lambda a, i: 1 / a[0], lambda x: _torch().log(x), mpmath.log,
       aliases=("ln", r"\log", r"\ln"),
       domain=lambda v: "logarithm of a non-positive number" if v[0] <= 0 else None, code="torch.log"),
    Op("sqrt", None, sp.sqrt, aliases=(r"\sqrt",)),
    Op("abs", sp.Abs, sp.Abs, lambda a, i: _step(a[0], 1, -1), lambda x: _torch().abs(x), mpmath.fabs,
       kink=lambda v: close(v[0], 0), one_sided=lambda v, t, side: side * abs(t[0]), code="torch.abs"),
    Op("max", sp.Max, sp.Max, _max_partial, lambda *x: reduce(_torch().maximum, x), max,
       arity=None, aliases=(r"\max",), kink=_max_kink, one_sided=_max_one_sided, code="torch.maximum"),
    Op("min", sp.Min, sp.Min, lambda a, i: _max_partial(a, i, -1), lambda *x: reduce(_torch().minimum, x),
       min, arity=None, aliases=(r"\min",), kink=lambda v: _max_kink(v, -1),
       one_sided=lambda v, t, side: _max_one_sided(v, t, side, -1), code="torch.minimum"),
    Op("relu", relu, relu, lambda a, i: _step(a[0], 1, 0), lambda x: _torch().relu(x),
       lambda x: max(x, 0), latex=r"\operatorname{relu}", kink=lambda v: close(v[0], 0),
       one_sided=lambda v, t, side: side * max(side * t[0], 0), code="torch.relu"),
    Op("sigmoid", sigmoid, sigmoid, lambda a, i: sigmoid(a[0]) * (1 - sigmoid(a[0])),
       lambda x: _torch().sigmoid(x), lambda x: 1 / (1 + mpmath.exp(-x)),
       aliases=(r"\sigma",), latex=r"\sigma", code="torch.sigmoid"),
    Op("tanh", sp.tanh, sp.tanh, lambda a, i: 1 - sp.tanh(a[0]) ** 2, lambda x: _torch().tanh(x),
       mpmath.tanh, aliases=(r"\tanh",), code="torch.tanh"),
    Op("sin", sp.sin, sp.sin, lambda a, i: sp.cos(a[0]), lambda x: _torch().sin(x), mpmath.sin,
       aliases=(r"\sin",), code="torch.sin"),
    Op("cos", sp.cos, sp.cos, lambda a, i: -sp.sin(a[0]), lambda x: _torch().cos(x), mpmath.cos,
       aliases=(r"\cos",), code="torch.cos"),
]

OPS: dict[str, Op] = {op.name: op for op in REGISTRY}
BY_CLASS: dict[type, Op] = {op.cls: op for op in REGISTRY if op.cls is not None}
FUNCTIONS: dict[str, Op] = {
    spelling: op for op in REGISTRY if op.function for spelling in (op.name, *op.aliases)
}


def op_of(expr: sp.Basic) -> Op | None:
    """The registry entry of an expression's head, or None for leaves."""
    return BY_CLASS.get(expr.func)


def check_arity(op: Op, count: int) -> str | None:
    """A message when `op` cannot take `count` arguments."""
    if op.arity is None and count < 2:
        return f"{op.name} takes two or more arguments, got {count}"
    if op.arity is not None and count != op.arity:
        plural = "argument" if op.arity == 1 else "arguments"
        return f"{op.name} takes {op.arity} {plural}, got {count}"
    return None

