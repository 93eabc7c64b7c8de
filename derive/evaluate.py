"""Evaluate a SymPy expression tree numerically, op by op through the registry (mpmath or torch)."""
from __future__ import annotations

import operator

import mpmath
import sympy as sp

from .ops import op_of

COMPARE = {">": operator.gt, "<": operator.lt, ">=": operator.ge, "<=": operator.le,
           "==": operator.eq, "!=": operator.ne}


class MP:
    """mpmath numbers at the current working precision."""

    @staticmethod
    def number(x: sp.Expr):
        if x.is_Rational:
            return mpmath.mpf(int(x.p)) / int(x.q)
        return mpmath.mpf(str(sp.N(x, mpmath.mp.dps + 10)))

    @staticmethod
    def apply(op, args):
        return op.mp(*args)


class Torch:
    """torch tensors of one dtype on one device; `ops` overrides entries (e.g. max as relu)."""

    def __init__(self, dtype, device="cpu", ops=None):
        import torch

        self.torch, self.dtype, self.device, self.ops = torch, dtype, device, ops or {}

    def number(self, x: sp.Expr):
        return self.torch.tensor(float(x), dtype=self.dtype, device=self.device)

    def apply(self, op, args):
        return self.ops.get(op.name, op.torch)(*args)


def evaluate(expr: sp.Expr, env: dict, backend=MP):
    """The value of `expr` with the symbols' values in `env` (name -> number or tensor)."""
    memo: dict = {}

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
            value = backend.apply(op, [walk(a) for a in e.args])
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
