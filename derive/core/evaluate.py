"""Evaluate a formula's expression tree through the op registry, with one of three backends:

Exact  SymPy numbers (object arrays for tensors): the exact pass, under the budget;
MP     mpmath numbers at the working precision: every decimal derive prints;
Torch  torch tensors of one dtype: the autograd and finite-difference cross-checks.

Exact and MP share the array algebra (NumPy over object arrays), so a structural op's value and
vector-Jacobian product are written once for both.
"""
from __future__ import annotations

import operator
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from . import arrays
from .budget import MAX_MAGNITUDE_BITS
from .errors import TooLarge
from .ops import Key, Op, op_of, operands, params_of
from .i18n import Msg

COMPARE = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le,
           "==": operator.eq, "!=": operator.ne}


class Arrays:
    """Element-wise maps and the few functions structural ops need, over scalars and object arrays."""

    zero = one = None

    def map(self, f, *args):
        return arrays.elementwise(f, *args)

    def exp(self, x):
        return self.map(self._fn("exp"), x)

    def log(self, x):
        return self.map(self._fn("log"), x)

    def sqrt(self, x):
        return self.map(self._fn("sqrt"), x)

    def apply(self, op: Op, args: list, params: tuple = (), expr=None):
        if op.elementwise:
            return self.elementwise(op, args)
        return op.value(self, args, params)


class MP(Arrays):
    """mpmath numbers at the current working precision. `watch(op, args, expr)`, when set, sees every
    application of an op with a kink or a domain (the engine records kinks and refuses domain errors)."""

    zero, one, undefined = mpmath.mpf(0), mpmath.mpf(1), mpmath.nan
    _functions = {"exp": mpmath.exp, "log": mpmath.log, "sqrt": mpmath.sqrt}

    def __init__(self, watch=None):
        self.watch = watch

    def _fn(self, name):
        return self._functions[name]

    @staticmethod
    def number(x: sp.Expr):
        return _mp_number(x, mpmath.mp.prec)

    def elementwise(self, op, args):
        return self.map(lambda *xs: guarded_mp(op, xs), *args)

    compiled = None     # (op name, arity, i) -> f(values, out): the compiler (program.partial_mp) registers here

    def partial(self, op: Op, i: int, args: list, out):
        f = MP.compiled(op.name, len(args), i)
        return self.map(lambda *xs: f(xs), *args)


class Exact(Arrays):
    """SymPy numbers: exact values, local derivatives and adjoints (callers bound the time and size)."""

    zero, one, undefined = sp.Integer(0), sp.Integer(1), sp.nan
    _functions = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt}

    def _fn(self, name):
        return self._functions[name]

    @staticmethod
    def number(x: sp.Expr):
        return x

    def elementwise(self, op, args):
        return self.map(op.number, *args)

    def partial(self, op: Op, i: int, args: list, out):
        return self.map(lambda *xs: op.partial(xs, i), *args)


class Torch:
    """torch tensors of one dtype on one device; `ops` overrides entries (e.g. max as relu)."""

    def __init__(self, dtype, device="cpu", ops=None):
        import torch

        self.torch, self.dtype, self.device, self.ops = torch, dtype, device, ops or {}
        self.cache: dict = {}            # constants made once per backend

    def number(self, x: sp.Expr):
        cached = self.cache.get(x)
        if cached is None:
            cached = self.cache[x] = self.torch.tensor(float(x), dtype=self.dtype, device=self.device)
        return cached

    def apply(self, op, args, params=(), expr=None):
        return self.ops.get(op.name, op.torch)(*args, *params)


@lru_cache(maxsize=100_000)
def _mp_number(x: sp.Expr, prec: int):
    """An exact SymPy number as an mpmath number at the working precision (remembered per precision)."""
    if x.is_Rational:
        return mpmath.mpf(int(x.p)) / int(x.q)
    value = sp.N(x, mpmath.mp.dps + 10)
    if isinstance(value, sp.Float):                 # its raw mpmath tuple, rounded: no trip through a decimal
        return +mpmath.mpf(value._mpf_)              # string (slow for 9^-9^9^π, whose exponent has 947 digits)
    return mpmath.mpf(str(value))


def _exp_guard(xs):
    if xs[0] > 0 and mpmath.mag(xs[0]) > 21 and xs[0] > MAX_MAGNITUDE_BITS * 0.69:
        raise TooLarge(Msg("err_exp_of", value=mpmath.nstr(xs[0], 6)))


def _pow_guard(xs):
    base, exponent = xs
    if base == 0 or not mpmath.isfinite(exponent) or abs(exponent) < 2:
        return
    if mpmath.isfinite(base) and abs(exponent) * (abs(mpmath.mag(base)) + 1) <= MAX_MAGNITUDE_BITS:
        return                                     # |log2 |b|| <= |mag b| + 1: far inside, no logarithm needed
    with mpmath.workdps(15):                       # the result's size in bits, |e| log2 |b|, roughly
        bits = abs(exponent) * abs(mpmath.log(abs(base), 2))
    if bits > MAX_MAGNITUDE_BITS:
        raise TooLarge(Msg("err_power_of", base=mpmath.nstr(base, 6), exponent=mpmath.nstr(exponent, 6)))


def _trig_guard(xs):
    if mpmath.mag(xs[0]) > 20_000:
        raise TooLarge(Msg("err_trig_of", value=mpmath.nstr(xs[0], 6)))


GUARDS = {"exp": _exp_guard, "pow": _pow_guard, "sin": _trig_guard, "cos": _trig_guard}


def guarded_mp(op: Op, xs):
    """op.mp on numbers, refusing arguments of exp, pow, sin and cos too large to compute (the engine checks
    each formula's result against the same bound)."""
    guard = GUARDS.get(op.name)
    if guard is not None:
        guard(xs)
    return op.mp(*xs)


def evaluate(expr: sp.Expr, env: dict, backend=None, memo: dict | None = None):
    """The value of `expr` with the symbols' values in `env` (name -> number, array or tensor)."""
    backend = backend or MP()
    memo = {} if memo is None else memo

    def walk(e):
        if e in memo:
            return memo[e]
        if e.is_Symbol:
            value = env[e.name]
        elif e.is_number and not e.has(sp.Function):
            value = backend.number(e)
        elif isinstance(e, sp.Piecewise):
            value = next((walk(v) for v, c in e.args if truth(c)), mpmath.nan)
        else:
            op = op_of(e)
            if op is None:
                raise TypeError(f"no registry entry for {e.func.__name__}")
            value = backend.apply(op, [walk(a) for a in operands(e, op)], params_of(e, op), e)
        memo[e] = value
        return value

    def truth(c):
        if c in (sp.true, True):
            return True
        if c in (sp.false, False):
            return False
        if isinstance(c, sp.And):
            return all(truth(a) for a in c.args)
        if isinstance(c, sp.Or):
            return any(truth(a) for a in c.args)
        return COMPARE[c.rel_op](walk(c.lhs), walk(c.rhs))

    return walk(expr)


def subexpressions(expr: sp.Expr) -> list[sp.Expr]:
    """Every distinct sub-expression that carries a value, children before parents (static keys left out)."""
    out, seen = [], set()

    def visit(e):
        if e in seen or isinstance(e, Key):
            return
        seen.add(e)
        op = op_of(e)
        for a in (operands(e, op) if op else ()):
            visit(a)
        out.append(e)

    visit(expr)
    return out


def is_array(value) -> bool:
    return isinstance(value, np.ndarray)
