"""Symbolic local derivatives of scalar formulas: d expr / d name by the registry's rules and the chain
rule, derived once per pattern (a network of identical units derives each rule once)."""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .ops import log_sigmoid, op_of, relu, sigmoid, softplus


def local_grad(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """d expr / d x, where expr is one formula written in its parents' names."""
    if not expr.has(x):
        return sp.Integer(0)
    names = sorted(expr.free_symbols, key=lambda s: s.name)
    dummies = [sp.Symbol(f"_s{i}", real=True) for i in range(len(names))]
    canonical = expr.xreplace(dict(zip(names, dummies)))
    rule = _rule(canonical, names.index(x))
    return rule.xreplace(dict(zip(dummies, names)))


@lru_cache(maxsize=4096)
def _rule(expr: sp.Expr, i: int) -> sp.Expr:
    return _walk(expr, sp.Symbol(f"_s{i}", real=True))


def _walk(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    if not expr.has(x):
        return sp.Integer(0)
    if expr == x:
        return sp.Integer(1)
    op = op_of(expr)
    if op is None or op.partial is None:
        raise TypeError(f"no derivative rule for {expr.func.__name__}")
    args = expr.args
    return sp.Add(*[op.partial(args, i) * _walk(arg, x) for i, arg in enumerate(args) if arg.has(x)])


def rewrite_plain(expr: sp.Expr) -> sp.Expr:
    """The same function in SymPy's own vocabulary (sigmoid, relu, softplus spelled out), for cross-checks."""
    return (expr.replace(sigmoid, lambda u: 1 / (1 + sp.exp(-u))).replace(relu, lambda u: sp.Max(u, 0))
            .replace(softplus, lambda u: sp.log(1 + sp.exp(u))).replace(log_sigmoid, lambda u: -sp.log(1 + sp.exp(-u))))


def recognise(expr: sp.Expr) -> sp.Expr:
    """1/(1 + e^(−u)), however it was typed, as σ(u): the same function under the name whose derivative the
    walkthrough writes as σ(1 − σ). For what is shown only: torch must compute the formula as written (its
    backward through 1/(1 + e^(−z)) keeps e^(−46), through torch.sigmoid it loses it)."""
    def rewrite(e):
        if e.is_Pow and e.exp == -1 and e.base.is_Add and len(e.base.args) == 2 and 1 in e.base.args:
            other = next(a for a in e.base.args if a != 1)
            if isinstance(other, sp.exp) and not other.args[0].is_number:
                return sigmoid(-other.args[0])
        return e

    return expr.replace(lambda e: e.is_Pow and e.exp == -1, rewrite)
