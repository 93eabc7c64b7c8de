"""Formulas compiled once into straight-line programs, so the numeric pass (run at two or three precisions)
walks no SymPy tree: each instruction is one registry op on slots, inputs first. The same program runs
forward (values) and backward (vector-Jacobian products); element-wise partial derivatives are the
registry's SymPy rules compiled the same way, once per op and arity.

Formulas of the same shape share one program (w * x and b * a, a network's thousand units): inputs are
positional, in order of first appearance, and `program_for` returns each formula's own names for them.
Scalars take a fast path (the op's mpmath function directly); tensors go through the backend's array
algebra, as evaluate() does."""
from __future__ import annotations

from functools import lru_cache

import mpmath
import numpy as np
import sympy as sp

from ..core import arrays
from .backward import accumulate
from ..core.errors import Domain
from ..core.evaluate import COMPARE, GUARDS, MP, guarded_mp
from ..core.ops import OPS, op_of, operands, params_of
from ..core.i18n import Msg

_LOGIC = {sp.And: all, sp.Or: any}


class Program:
    """code: (kind, op or function, argument slots, params) per instruction; slot i < inputs is input i, then
    the constants, then one slot per instruction."""

    __slots__ = ("inputs", "consts", "code", "varying", "size", "_mp_consts")

    def __init__(self, inputs, consts, code, varying):
        self.inputs, self.consts, self.code, self.varying = inputs, consts, code, varying
        self.size = inputs + len(consts) + len(code)
        self._mp_consts: dict = {}

    def constants(self, backend) -> list:
        """The constants in the backend's numbers; mpmath's remembered per precision (a network's formulas
        share one program, run at every node)."""
        if type(backend) is not MP:
            return [backend.number(c) for c in self.consts]
        numbers = self._mp_consts.get(mpmath.mp.prec)
        if numbers is None:
            numbers = self._mp_consts[mpmath.mp.prec] = [backend.number(c) for c in self.consts]
        return numbers


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


def signature(expr) -> tuple[object, list[str]]:
    """A key equal for formulas of the same shape (names replaced by their order of first appearance), and
    this formula's names in that order."""
    names: list[str] = []
    index: dict = {}

    def walk(e):
        if e.is_Symbol:
            if e not in index:
                index[e] = len(names)
                names.append(e.name)
            return ("input", index[e])
        if _constant(e) or not e.args:
            return ("constant", type(e), e)
        return (e.func, tuple(walk(a) for a in e.args))

    return walk(expr), names


_SHARED: dict = {}


@lru_cache(maxsize=200_000)
def program_for(expr) -> tuple[Program, list[str]]:
    """The program of a formula (shared with every formula of its shape) and its input names in order."""
    key, names = signature(expr)
    prog = _SHARED.get(key)
    if prog is None:
        prog = _SHARED[key] = compile_expr(expr)
    return prog, names


@lru_cache(maxsize=4096)
def compile_expr(expr: sp.Expr) -> Program:
    """The program of one expression; its inputs in order of first appearance (as `signature` lists them)."""
    _, names = signature(expr)
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
            code.append(("piecewise", None, args, ()))
        elif isinstance(e, sp.core.relational.Relational):
            code.append(("compare", COMPARE[e.rel_op], args, ()))
        elif type(e) in _LOGIC:
            code.append(("logic", _LOGIC[type(e)], args, ()))
        else:
            op = op_of(e)
            code.append(("op", op, args, params_of(e, op)))
        slot[e] = len(names) + len(consts) + len(code) - 1
        return slot[e]

    visit(expr)
    varying = [True] * len(names) + [False] * len(consts)
    for kind, f, args, params in code:
        varying.append(any(varying[a] for a in args))
    return Program(len(names), consts, code, varying)


def instruction(expr, k: int) -> sp.Expr:
    """The sub-expression of `expr` that instruction k of its program computes (for messages and kinks)."""
    _, names = signature(expr)
    slot: dict = {sp.Symbol(n, real=True) for n in names}
    seen: set = set()
    order: list = []

    def visit(e):
        if e in slot or e in seen or _constant(e):
            return
        for a in _children(e):
            visit(a)
        seen.add(e)
        order.append(e)

    visit(expr)
    return order[k]


def run(prog: Program, inputs: list, backend, watch=None) -> list:
    """Every slot's value: the inputs (in the program's order), the constants in the backend's numbers, then
    each instruction. watch(op, values, k) sees every application of an op with a kink or a domain."""
    slots = list(inputs) + prog.constants(backend) if prog.consts else list(inputs)
    scalar_mp = type(backend) is MP
    for k, (kind, f, args, params) in enumerate(prog.code):
        values = [slots[a] for a in args]
        if kind == "op":
            if watch is not None and (f.kink or f.domain):
                watch(f, values, k)
            if scalar_mp and f.partial is not None and np.ndarray not in map(type, values):
                guard = GUARDS.get(f.name)
                if guard is not None:
                    guard(values)
                slots.append(f.mp(*values))
            else:
                slots.append(backend.apply(f, values, params))
        elif kind == "compare":
            slots.append(f(*values))
        elif kind == "logic":
            slots.append(f(bool(v) for v in values))
        else:                                   # piecewise: the first branch whose condition holds
            pairs = list(zip(values[0::2], values[1::2]))
            slots.append(next((v for v, c in pairs if c is True or c is sp.true or c == True), mpmath.nan))  # noqa: E712
    return slots


def vjp(prog: Program, slots: list, bar, backend, undefined=None) -> list:
    """The adjoint of each input (None where it receives none), given the result's adjoint `bar`;
    undefined(k, op, i, values, partial) may replace the partials of instruction k at a kink."""
    if not prog.code:
        return [bar] + [None] * (prog.inputs - 1) if prog.inputs else []
    n = prog.inputs + len(prog.consts)
    bars: list = [None] * prog.size
    bars[-1] = arrays.unbroadcast(bar, arrays.shape_of(slots[-1])) if type(bar) is np.ndarray \
        or type(slots[-1]) is np.ndarray else bar
    for k in range(len(prog.code) - 1, -1, -1):
        b = bars[n + k]
        kind, op, args, params = prog.code[k]
        if b is None or kind != "op" or not prog.varying[n + k]:
            continue
        values = [slots[a] for a in args]
        if op.vjp is not None:
            grads = op.vjp(backend, b, values, slots[n + k], params)
        else:
            hook = None if undefined is None else \
                (lambda partial, i, values, k=k, op=op: undefined(k, op, i, values, partial))
            grads = _elementwise_vjp(op, b, values, slots[n + k], backend, hook, [prog.varying[a] for a in args])
        for a, g in zip(args, grads):
            if g is not None and prog.varying[a]:
                bars[a] = g if bars[a] is None else accumulate(bars[a], g)
    return bars[:prog.inputs]


def local_partials(prog: Program, slots: list, backend, undefined=None) -> list:
    """d result / d input for each input of a scalar program (None where it has none): vjp() with adjoint 1.
    A program of one element-wise op on its inputs (w x, s + p, tanh(s): most formulas of a network) takes
    each partial directly, without the adjoint's multiplications by 1."""
    if len(prog.code) == 1 and undefined is None and type(backend) is MP:
        kind, op, args, _ = prog.code[0]
        values = [slots[a] for a in args]
        if kind == "op" and op.vjp is None and np.ndarray not in map(type, values):
            partials = [None] * prog.inputs
            for i, a in enumerate(args):
                if a < prog.inputs and i not in op.index_args:
                    p = partial_mp(op.name, len(args), i)(values, slots[-1])
                    partials[a] = p if partials[a] is None else partials[a] + p
            return partials
    return vjp(prog, slots, MP.one, backend, undefined)


def _elementwise_vjp(op, bar, values, out, backend, hook, varying):
    """Only the arguments that vary get a partial: x² of a negative x has no real d/d(exponent), and needs
    none (a constant exponent receives no adjoint)."""
    scalar = type(bar) is not np.ndarray and not any(type(v) is np.ndarray for v in values)
    if scalar and hook is None and type(backend) is MP:      # the common case of a scalar graph
        return [bar * partial_mp(op.name, len(values), i)(values, out) if varying[i] else None
                for i in range(len(values))]
    grads = []
    for i in range(len(values)):
        if i in op.index_args or not varying[i]:
            grads.append(None)
            continue
        if scalar and isinstance(backend, MP):
            partial = partial_mp(op.name, len(values), i)(values, out)
        else:
            partial = backend.partial(op, i, values, out)
        if hook is not None:
            partial = hook(partial, i, values)
        if scalar:
            grads.append(arrays.times(bar, partial))
        else:
            grads.append(arrays.unbroadcast(arrays.times(bar, partial), arrays.shape_of(values[i])))
    return grads


@lru_cache(maxsize=None)
def partial_mp(name: str, arity: int, i: int):
    """d op / d args[i] on mpmath numbers, as f(values, out=None): the registry's `mp_partial` where it has one,
    else its SymPy rule, compiled once per op and arity. Where the rule contains the op itself (exp(a) in exp's),
    that is read from `out`, the op's value already computed forward, as a hand-written reverse pass does
    (computed here, guarded as run() guards it, when not given)."""
    op = OPS[name]
    if op.mp_partial is not None:                # the registry's own numerically stable form
        return lambda values, out=None: op.mp_partial(values, out, i)
    dummies = [sp.Symbol(f"_a{k:02d}", real=True) for k in range(arity)]
    itself = sp.Symbol("_out", real=True)
    expr = op.partial(dummies, i)
    try:
        expr = expr.xreplace({op.build(*dummies): itself})
    except (TypeError, ValueError):          # an op SymPy cannot build on bare symbols: the rule as written
        pass
    prog = compile_expr(expr)
    order = [-1 if n == "_out" else int(n[2:]) for n in signature(expr)[1]]
    backend = MP()

    def itself_at(values):                   # the op's own value, guarded as run() guards it
        return guarded_mp(op, values)

    if not prog.code:
        if prog.consts and prog.consts[0].is_Integer:      # exact at every precision: made once
            constant = mpmath.mpf(int(prog.consts[0]))
            return lambda values, out=None: constant
        if prog.consts:
            return lambda values, out=None: prog.constants(backend)[0]
        position = order[0]
        if position < 0:
            return lambda values, out=None: itself_at(values) if out is None else out
        return lambda values, out=None: values[position]

    def f(values, out=None):
        if out is None and -1 in order:
            out = itself_at(values)
        result = run(prog, [out if k < 0 else values[k] for k in order], backend)[-1]
        if type(result) is mpmath.mpc:           # log of a negative base: d b^x / d x is not real there
            raise Domain(Msg("err_partial_not_real", name=name))
        return result
    return f


MP.compiled = staticmethod(partial_mp)      # the MP backend's partials are these compiled rules
