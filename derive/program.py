"""Formulas compiled once into straight-line programs, so the numeric pass (run at two or three precisions)
walks no SymPy tree: each instruction is one registry op on slots, inputs first. The same program runs
forward (values) and backward (vector-Jacobian products); element-wise partial derivatives are the
registry's SymPy rules compiled the same way, once per op and arity.

Scalars take a fast path (the op's mpmath function directly); tensors go through the backend's array
algebra, as evaluate() does."""
from __future__ import annotations

import operator
from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from . import arrays
from .backward import accumulate
from .evaluate import COMPARE, GUARDS, MP
from .ops import Key, op_of, operands, params_of

_LOGIC = {sp.And: all, sp.Or: any}


class Program:
    """code: (kind, op or function, argument slots, params, expr) per instruction; slot i < len(names) is
    the input names[i], then the constants, then one slot per instruction."""

    __slots__ = ("names", "consts", "code", "varying", "size")

    def __init__(self, names, consts, code, varying):
        self.names, self.consts, self.code, self.varying = names, consts, code, varying
        self.size = len(names) + len(consts) + len(code)


def _constant(e) -> bool:
    return (e.is_number and not e.has(sp.Function)) or e in (sp.true, sp.false)


def _children(e):
    if e.is_Symbol or _constant(e):
        return ()
    if isinstance(e, sp.Piecewise):
        return [x for pair in e.args for x in pair]
    if isinstance(e, sp.core.relational.Relational):
        return (e.lhs, e.rhs)
    if type(e) in _LOGIC:
        return e.args
    op = op_of(e)
    if op is None:
        raise TypeError(f"no registry entry for {e.func.__name__}")
    return operands(e, op)


@lru_cache(maxsize=65_536)
def compile_expr(expr: sp.Expr) -> Program:
    names = sorted({s.name for s in expr.free_symbols})
    slot: dict = {sp.Symbol(n, real=True): i for i, n in enumerate(names)}
    consts: list = []
    stack, seen = [expr], set()
    while stack:                               # constants first, so instruction slots are final
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if _constant(e):
            slot[e] = len(names) + len(consts)
            consts.append(e)
        else:
            stack.extend(_children(e))
    code: list = []

    def visit(e):
        if e in slot:
            return slot[e]
        args = tuple(visit(a) for a in _children(e))
        if isinstance(e, sp.Piecewise):
            code.append(("piecewise", None, args, (), e))
        elif isinstance(e, sp.core.relational.Relational):
            code.append(("compare", COMPARE[e.rel_op], args, (), e))
        elif type(e) in _LOGIC:
            code.append(("logic", _LOGIC[type(e)], args, (), e))
        else:
            op = op_of(e)
            code.append(("op", op, args, params_of(e, op), e))
        slot[e] = len(names) + len(consts) + len(code) - 1
        return slot[e]

    visit(expr)
    varying = [True] * len(names) + [False] * len(consts)
    for kind, f, args, params, e in code:
        varying.append(any(varying[a] for a in args))
    return Program(names, consts, code, varying)


def run(prog: Program, env: dict, backend, watch=None) -> list:
    """Every slot's value: the inputs from env, the constants in the backend's numbers, then each instruction."""
    slots = [env[n] for n in prog.names] + [backend.number(c) for c in prog.consts]
    scalar_mp = isinstance(backend, MP)
    for kind, f, args, params, e in prog.code:
        values = [slots[a] for a in args]
        if kind == "op":
            if watch is not None and (f.kink or f.domain):
                watch(f, values, e)
            if scalar_mp and f.partial is not None and not any(type(v) is np.ndarray for v in values):
                guard = GUARDS.get(f.name)
                if guard is not None:
                    guard(values)
                slots.append(f.mp(*values))
            else:
                slots.append(backend.apply(f, values, params, e))
        elif kind == "compare":
            slots.append(f(*values))
        elif kind == "logic":
            slots.append(f(bool(v) for v in values))
        else:                                   # piecewise: the first branch whose condition holds
            pairs = list(zip(values[0::2], values[1::2]))
            slots.append(next((v for v, c in pairs if c is True or c is sp.true or c == True), mpmath.nan))  # noqa: E712
    return slots


def vjp(prog: Program, slots: list, bar, backend, undefined=None) -> dict:
    """The adjoint of each input name, given the result's adjoint `bar` (undefined(expr, partial) may mark
    partials at a kink)."""
    n = len(prog.names) + len(prog.consts)
    bars: list = [None] * prog.size
    bars[-1] = arrays.unbroadcast(bar, arrays.shape_of(slots[-1])) if prog.code else bar
    if not prog.code:
        return {prog.names[0]: bar} if prog.names else {}
    for k in range(len(prog.code) - 1, -1, -1):
        b = bars[n + k]
        kind, op, args, params, e = prog.code[k]
        if b is None or kind != "op" or not prog.varying[n + k]:
            continue
        values = [slots[a] for a in args]
        if op.vjp is not None:
            grads = op.vjp(backend, b, values, slots[n + k], params)
        else:
            grads = _elementwise_vjp(op, b, values, slots[n + k], backend, undefined, e)
        for a, g in zip(args, grads):
            if g is not None and prog.varying[a]:
                bars[a] = g if bars[a] is None else accumulate(bars[a], g)
    return {name: bars[i] for i, name in enumerate(prog.names) if bars[i] is not None}


def _elementwise_vjp(op, bar, values, out, backend, undefined, expr):
    scalar = not any(isinstance(v, np.ndarray) for v in values) and not isinstance(bar, np.ndarray)
    grads = []
    for i in range(len(values)):
        if i in op.index_args:
            grads.append(None)
            continue
        if scalar and isinstance(backend, MP):
            partial = partial_mp(op.name, len(values), i)(values)
        else:
            partial = backend.partial(op, i, values, out)
        if undefined is not None:
            partial = undefined(expr, partial)
        if scalar:
            grads.append(bar * partial)
        else:
            grads.append(arrays.unbroadcast(arrays.elementwise(operator.mul, bar, partial), arrays.shape_of(values[i])))
    return grads


@lru_cache(maxsize=None)
def partial_mp(name: str, arity: int, i: int):
    """d op / d args[i] on mpmath numbers: the registry's SymPy rule, compiled once per op and arity."""
    from .ops import OPS

    dummies = [sp.Symbol(f"_a{k:02d}", real=True) for k in range(arity)]
    prog = compile_expr(OPS[name].partial(dummies, i))
    backend = MP()
    order = [int(n[2:]) for n in prog.names]

    def f(values):
        return run(prog, {f"_a{k:02d}": values[k] for k in order}, backend)[-1] if prog.code else \
            (backend.number(prog.consts[0]) if prog.consts else values[order[0]])
    return f


__all__ = ["Program", "compile_expr", "run", "vjp", "partial_mp", "Key"]
