"""Local derivatives: d expr / d name, applying the registry's rules with the chain rule."""
from __future__ import annotations

import sympy as sp

from .ops import op_of


def local_grad(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """d expr / d x, where expr is one formula written in its parents' names."""
    if not expr.has(x):
        return sp.Integer(0)
    if expr == x:
        return sp.Integer(1)
    op = op_of(expr)
    if op is None:
        raise TypeError(f"no derivative rule for {expr.func.__name__}")
    args = expr.args
    return sp.Add(*[op.partial(args, i) * local_grad(arg, x) for i, arg in enumerate(args) if arg.has(x)])


def rewrite_plain(expr: sp.Expr) -> sp.Expr:
    """The same function in SymPy's own vocabulary (sigmoid and relu spelled out), for cross-checks."""
    from .ops import relu, sigmoid

    return expr.replace(sigmoid, lambda u: 1 / (1 + sp.exp(-u))).replace(relu, lambda u: sp.Max(u, 0))
