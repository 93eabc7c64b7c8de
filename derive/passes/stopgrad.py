"""Stop-gradient (detach) for the methods that move the inputs: finite differences, and differences of the
gradient for second derivatives. Moving x moves every detach(E) that depends on x, which detach cannot stop;
so they run on the same graph with each detach(E) held at its value at the point, as a new input: the
function whose derivatives autograd and the exact pass compute."""
from __future__ import annotations

from dataclasses import replace

import mpmath
import sympy as sp

from ..core import arrays
from ..core.budget import known
from ..core.evaluate import Exact, MP, evaluate
from ..core.ops import detach
from ..core.parser import symbol
from .driver import gradient as derive


def frozen(d):
    """The Derivation (numeric pass only) of the same graph with every detach(E) held at its value at the
    point (exact where known) as an input of its own; `d` itself when nothing is detached. Made once per
    derivation: finite differences, the Hessian and its torch checks all move the same function."""
    if "frozen" not in d.memo:
        d.memo["frozen"] = _frozen(d)
    return d.memo["frozen"]


def _frozen(d):
    ex = d.exercise
    if not any(f.expr.has(detach) for f in ex.formulas.values()):
        return d
    values, formulas = dict(ex.values), {}
    for n, f in ex.formulas.items():
        held = {}
        for k, app in enumerate(sorted(f.expr.atoms(detach), key=str)):
            parents = d.graph.predecessors(n)
            if all(known(d.nodes[p].exact) for p in parents):
                value = evaluate(app.args[0], {p: d.nodes[p].exact for p in parents}, Exact())
            else:
                value = arrays.elementwise(lambda v: sp.Float(mpmath.nstr(v, 80), 80),
                                           evaluate(app.args[0], {p: d.nodes[p].value for p in parents}, MP()))
            values[f"{n}__held{k}"] = value
            held[app] = symbol(f"{n}__held{k}")
        expr = f.expr.xreplace(held)
        uses = {u: f.uses.get(u) for u in sorted(s.name for s in expr.free_symbols)}
        formulas[n] = replace(f, expr=expr, uses=uses)
    values = {k: v for k, v in values.items() if k in ex.values or any(k in f.uses for f in formulas.values())}
    return derive(replace(ex, values=values, formulas=formulas, order=1, step=None), exact=False)
