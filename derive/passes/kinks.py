"""Kinks (max, min, abs, relu exactly at a tie) and the gradients that pass through them.

The numeric pass reports ties at 300 digits; a tie is a kink when the exact values say so (when they
exist), so 1 and tanh(100) never tie. Through a kink the derivative is undefined: for scalar exercises
the one-sided derivatives are computed by forward mode, with each non-smooth op's directional rule."""
from __future__ import annotations

import mpmath
import sympy as sp

from ..core import arrays
from ..core.budget import CALL_SECONDS, WORKING_DPS, OverTime, Unknown, known, time_limit
from ..core.evaluate import Exact, evaluate
from ..core.ops import close, exactly_zero, op_of, operands
from ..core.i18n import Msg
from ..core.parser import symbol
from ..model.derivation import Diagnostic, Gradient, Kink, plain
from .exact import tidy
from .graph import reach
from .program import instruction


def resolve(d, suspects) -> list:
    """The ties of the numeric pass that are kinks, one Kink per (formula, application, element)."""
    out, seen = [], set()
    for node, step, index in suspects:
        if (node, step, index) in seen:
            continue
        seen.add((node, step, index))
        expr = instruction(d.exercise.formulas[node].expr, step)
        args = _exact_args(d, node, expr, index)
        if args is not None:
            try:
                with time_limit(CALL_SECONDS):
                    if not op_of(expr).kink(args):
                        continue
            except (OverTime, TypeError):
                pass                 # undecided exactly: the 300-digit tie stands
        out.append(Kink(node, expr, index=index, step=step))
    return out


def _exact_args(d, node, expr, index):
    """The exact values of an application's arguments at one element, when they exist."""
    env = {p: d.nodes[p].exact for p in d.graph.predecessors(node)}
    if not env or not all(known(v) for v in env.values()):
        return None
    try:
        with time_limit(CALL_SECONDS):
            args = [evaluate(a, env, Exact()) for a in operands(expr)]
    except (OverTime, TypeError, ValueError):
        return None
    op = op_of(expr)
    if not op.elementwise:
        return args
    return arrays.at(args, index)


def gradients(d, exact: bool) -> dict:
    """The gradient for each input: the adjoint, or, through a kink, undefined with its one-sided values."""
    out = {}
    closed = getattr(d, "closed", {}) or {}
    for x in d.exercise.wrt:
        adj = d.adjoints.get(x)
        shape = d.nodes[x].shape
        if adj is None:                      # x does not reach the target
            zero = arrays.broadcast_to(sp.Integer(0), shape) if shape else sp.Integer(0)
            value = arrays.broadcast_to(mpmath.mpf(0), shape) if shape else mpmath.mpf(0)
            out[x] = Gradient(x, zero, value, sp.Integer(0) if not shape else None)
            continue
        if d.tensor:
            kink = _first_kink(d, x)
            undefined = any(mpmath.isnan(v) for v in arrays.flat(adj.value))
            convention = d.exercise.kink if kink and not undefined and d.exercise.kink != "undefined" else None
            out[x] = Gradient(x, adj.exact if exact else None, adj.value, None, kink if undefined else None,
                              convention)
            continue
        kinks = [k for k in d.kinks if k.node in d.relevant and _reaches(d, x, k.node)]
        if kinks and d.exercise.kink != "undefined":      # numbers by a convention, said where they show
            out[x] = Gradient(x, _tidied(d, adj.exact) if exact else None, adj.value, None,
                              convention=d.exercise.kink)
            continue
        if kinks:
            with mpmath.workdps(WORKING_DPS):
                left, right = (_one_sided(d, x, side, kinks) for side in (-1, 1))
            if any(sp.sympify(side).has(sp.nan) for side in (left, right)):     # a jump: no one-sided values
                out[x] = Gradient(x, Unknown("kink"), None, closed.get(x), Kink(kinks[0].node, kinks[0].expr))
                continue
            if any(sp.sympify(side).has(sp.zoo, sp.oo, -sp.oo) for side in (left, right)):
                from ..core.errors import DeriveError

                raise DeriveError(Msg("err_kink_side_infinite", target=f'{d.target!r}', x=f'{x!r}', expr=plain(kinks[0].expr)),
                                  d.exercise.source.spot("formulas", kinks[0].node),
                                  Msg("err_finite_fix"))
            if left != right and not _equal(left, right):
                out[x] = Gradient(x, Unknown("kink"), None, closed.get(x), Kink(kinks[0].node, kinks[0].expr, left, right))
                continue
            d.warnings.append(Diagnostic("kink-passed", kinks[0].node, Msg("err_kink_passed", target=d.target, x=x, expr=plain(kinks[0].expr)), {"wrt": x}))
            out[x] = Gradient(x, _tidied(d, left), _to_mp(left), closed.get(x))
            continue
        out[x] = Gradient(x, _tidied(d, adj.exact) if exact else None, adj.value, closed.get(x))
    return out


def _tidied(d, expr):
    """The exact form simplified within the exact pass's time budget; as it is when the budget is spent."""
    if d.clock is None or not known(expr):
        return expr
    done = d.clock.run(tidy, expr)
    return done if known(done) else expr


def _equal(left: sp.Expr, right: sp.Expr) -> bool:
    """Whether two one-sided derivatives are equal, decided exactly within a time slice; undecided counts as
    different, so the gradient is called undefined rather than given a value that may be wrong. (No
    simplify: its logcombine raises 10^308 to the power 10^308 in C, where no alarm can stop it.)"""
    try:
        with time_limit(CALL_SECONDS):
            return exactly_zero(left - right)
    except OverTime:
        return False


def _reaches(d, x, node) -> bool:
    reached = d.memo.setdefault("reach", {})
    if x not in reached:
        reached[x] = reach(d.graph, [x])
    return node in reached[x]


def _first_kink(d, x):
    """The first kink on a path from x to the target (a kink in a formula the target does not use is not one)."""
    return next((k for k in d.kinks if _reaches(d, x, k.node) and k.node in d.relevant), None)


def _to_mp(value: sp.Expr):
    with mpmath.workdps(50):
        return +mpmath.mpf(str(sp.N(value, 50)))


def _one_sided(d, x: str, side: int, kinks) -> sp.Expr:
    """The one-sided derivative of the target along input x (side=+1 right, -1 left), by forward mode."""
    g = d.graph
    at_kink = {(k.node, k.expr) for k in kinks}
    values = {n: node.value for n, node in d.nodes.items()}
    numbers = {symbol(n): node.exact if known(node.exact) else sp.Float(str(node.value), 40)
               for n, node in d.nodes.items()}
    tangent = {x: sp.Integer(1)}
    for n in d.order:
        if n in d.adjoints and n != x and any(p in tangent for p in g.predecessors(n)):
            tangent[n] = _tangent(n, d.nodes[n].expr, values, numbers, tangent, side, at_kink)
    return tangent.get(d.target, sp.Integer(0))


def _selected(e, walk, values, side):
    """where(u < v, a, b) with u = v at the point: the branch its condition takes on this side (decided by
    the tangents of u and v), where a = b there; a jump (a != b) or a tie of the tangents too has no
    one-sided derivative (nan)."""
    cond, a, b = e.args
    relation = op_of(cond)
    holds = relation.side_value([evaluate(x, values) for x in cond.args], [walk(x) for x in cond.args], side)
    if holds is None or not close(evaluate(a, values), evaluate(b, values)):
        return sp.nan
    return walk(a if holds else b)


def _tangent(node, expr, values, numbers, tangent, side, at_kink):
    def walk(e):
        if e.is_Symbol:
            return tangent.get(e.name, sp.Integer(0))
        if e.is_number:
            return sp.Integer(0)
        op = op_of(e)
        if op is not None and op.selects and (node, e.args[0]) in at_kink:
            return _selected(e, walk, values, side)
        tangents = [walk(a) for a in e.args]
        if all(t == 0 for t in tangents):
            return sp.Integer(0)
        if (node, e) in at_kink:
            args = [evaluate(a, values) for a in e.args]
            return op.one_sided(args, tangents, side)
        at = [a.xreplace(numbers) for a in e.args]
        return sp.Add(*[op.partial(at, i) * t for i, t in enumerate(tangents) if t != 0])

    return walk(expr)
