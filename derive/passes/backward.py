"""Reverse mode, knowing no particular op: the vector-Jacobian product of one formula over its expression
tree, and the loop over the graph. The rules are the registry's; the numbers are the backend's (exact
SymPy or mpmath), so the same two loops give the exact adjoints and the 30-digit ones."""
from __future__ import annotations

import operator

from ..core import arrays
from ..core.budget import Unknown
from ..core.evaluate import evaluate, subexpressions
from ..core.ops import Op, op_of, operands, params_of


def accumulate(total, term):
    """total + term, where a missing total is zero and Unknown absorbs everything (never dropped)."""
    if total is None:
        return term
    if isinstance(total, Unknown) or isinstance(term, Unknown):
        return Unknown("parent")
    return arrays.elementwise(operator.add, total, term)


def op_vjp(A, op: Op, bar, args: list, out, params: tuple, undefined=None, wanted=None) -> list:
    """The adjoints of an op's arguments given its output's adjoint `bar`. Element-wise ops multiply by
    their partial derivatives (summed over broadcast axes); structural ops have their own rule.
    `undefined(op, args, i, partial)`, when given, replaces partials at a kink (nan, or a convention);
    `wanted[i]` False skips argument i
    (a constant receives no adjoint, and x² of a negative x has no real partial in its exponent)."""
    if op.vjp is not None:
        return op.vjp(A, bar, args, out, params)
    grads = []
    for i, arg in enumerate(args):
        if i in op.index_args or (wanted is not None and not wanted[i]):
            grads.append(None)
            continue
        partial = A.partial(op, i, args, out)
        if undefined is not None:
            partial = undefined(op, args, i, partial)
        grads.append(arrays.unbroadcast(arrays.times(bar, partial), arrays.shape_of(arg)))
    return grads


def formula_vjp(expr, env: dict, bar, A, memo: dict | None = None, undefined=None) -> dict:
    """d(bar · formula)/d(each name it uses): reverse mode over the formula's own expression tree."""
    bars, subs, _ = formula_steps(expr, env, bar, A, memo, undefined)
    return {e.name: bars[e] for e in subs if e.is_Symbol and e in bars}


def formula_steps(expr, env: dict, bar, A, memo: dict | None = None, undefined=None, steps=None):
    """The adjoint of every sub-expression of one formula (`bars`), its sub-expressions children first, and
    `memo` of their values; with `steps` (a list), also each (application, argument, contribution) in the
    order reverse mode makes them, for the walkthrough."""
    memo = {} if memo is None else memo
    root = evaluate(expr, env, A, memo)
    subs = subexpressions(expr)
    varying = set()
    for e in subs:
        if e.is_Symbol or any(a in varying for a in operands(e)):
            varying.add(e)
    bars = {expr: arrays.unbroadcast(bar, arrays.shape_of(root))}   # a formula SymPy simplified to a constant
    for e in reversed(subs):
        if e.is_Symbol or e not in bars or e not in varying:
            continue
        op = op_of(e)
        args = operands(e, op)
        hook = None if undefined is None else (lambda op, args, i, partial, e=e: undefined(e, op, args, i, partial))
        grads = op_vjp(A, op, bars[e], [memo[a] for a in args], memo[e], params_of(e, op), hook,
                       [a in varying for a in args])
        for a, g in zip(args, grads):
            if g is not None and a in varying:
                bars[a] = accumulate(bars.get(a), g)
                if steps is not None:
                    steps.append((e, a, g))
    return bars, subs, memo


def backward(order: list[str], target: str, seed, vjp_node, keep=None) -> dict:
    """Adjoints of every node: start at the target, then in reverse topological order give each node's
    parents its vector-Jacobian product, summed over fan-out. `keep`: the nodes worth visiting."""
    bars = {target: seed}
    for n in reversed(order):
        if n not in bars or (keep is not None and n not in keep):
            continue
        for parent, g in vjp_node(n, bars[n]).items():
            if keep is None or parent in keep:
                bars[parent] = accumulate(bars.get(parent), g)
    return bars
