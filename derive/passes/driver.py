"""Derivatives by reverse mode on the graph, the way a student does it by hand, in two passes (this module drives
them; derivation.py holds what they find, reverse.py is the numeric pass, exact.py the exact one, and engine.py
adds what the exercise asks after the gradient).

numeric: every node's value and every adjoint to 30+ digits with mpmath, forward then backward (linear in
         the graph), rerun at a higher precision until two runs agree; kinks and domain errors found here.
exact:   exact values, local derivatives, adjoints and closed forms (SymPy), each under the budget
         (budget.py); what does not fit is Unknown, never zero, and what fits must agree with the numbers.
"""
from __future__ import annotations


import mpmath

from ..core import arrays
from . import exact as exact_pass, graph as graphs
from ..core.budget import PRECISIONS, WORKING_DPS, Unknown, known
from ..model.derivation import Adjoint, Derivation, Diagnostic, Edge, Gradient, Node, index_text, plain
from ..core.errors import DeriveError
from ..model.exercise import GradientExercise
from .reverse import DEEP_DPS, numeric_pass, precise
from ..core.i18n import Msg
from .conventions import describe
from .exact import evaluated
from .kinks import gradients, resolve


def gradient(ex: GradientExercise, exact: bool = True) -> Derivation:
    """The numeric pass, then (unless exact=False) the exact pass, for one exercise: its values, local
    derivatives, adjoints and gradient (the Hessian, a step, the checks are the layers above: engine.derive)."""
    g = graphs.build(ex)
    relevant = graphs.relevant(g.dag, ex.target, ex.wrt)
    run = precise(lambda: numeric_pass(ex, g, relevant))
    nodes = {n: Node(n, "input" if n in ex.values else "formula",
                     ex.values[n] if n in ex.values else ex.formulas[n].expr, g.layer[n],
                     ex.source.spot("values", n).line if n in ex.values else ex.formulas[n].line,
                     Unknown("parent") if exact else None, run.values[n], ex.shape(n)) for n in g.order}
    d = Derivation(ex, g.dag, g.order, nodes, {}, {}, {}, [], relevant=relevant)
    if exact:
        exact_pass.values(d)
    d.kinks = resolve(d, run.suspects)
    unsettled = run.unsettled
    if d.kinks:
        with mpmath.workdps(run.dps):
            run = numeric_pass(ex, g, relevant, {(k.node, k.step, k.index) for k in d.kinks}, run.values)
    _finite(ex, g, run, {(k.node, k.step, k.index) for k in d.kinks})
    d.edges = {(p, c): Edge(p, c, None, Unknown("parent") if exact else None, run.locals[p, c])
               for p, c in g.dag.edges if (p, c) in run.locals}
    d.adjoints = {n: Adjoint(n, [c for c in g.dag.successors(n) if c in relevant], None, run.bars[n])
                  for n in reversed(g.order) if n in relevant and n in run.bars}
    if exact:
        exact_pass.derivatives(d)
    for i, k in enumerate(d.kinks):
        through = "undefined" if ex.kink == "undefined" else \
            f"given by {describe(ex.kink)} (a convention, not the derivative)"
        d.warnings.append(Diagnostic("kink", k.node, Msg("err_kink_warning", expr=f'{plain(k.expr)}{index_text(k.index)}', name=f'{k.node!r}', through=through),
                                     {"kink": i}))
    d.gradients = gradients(d, exact)
    if unsettled:
        _settle(d, unsettled)
    if exact:
        try:
            exact_pass.check_agreement(d)
        except AssertionError:               # the decimals may have lost digits both runs lost alike (2(a - 1) - 2a
            _deeper(d, g, relevant)           # at a = 1e308): again at DEEP_DPS digits, then checked once more
            exact_pass.check_agreement(d)
        _cancelled_zeros(d)
    return d


def _deeper(d, g, relevant):
    """The numeric pass again at DEEP_DPS digits (kinks kept undefined): values, adjoints and gradients."""
    kinks = {(k.node, k.step, k.index) for k in d.kinks}
    with mpmath.workdps(DEEP_DPS):
        run = numeric_pass(d.exercise, g, relevant, kinks) if not kinks else \
            numeric_pass(d.exercise, g, relevant, kinks, numeric_pass(d.exercise, g, relevant).values)
    with mpmath.workdps(WORKING_DPS):
        for n, node in d.nodes.items():
            node.value = arrays.elementwise(lambda v: +v, run.values[n])
        for n, adj in d.adjoints.items():
            if n in run.bars:
                adj.value = arrays.elementwise(lambda v: +v, run.bars[n])
        for (p, c), e in d.edges.items():
            if (p, c) in run.locals:
                e.value = +run.locals[p, c]
        for x, grad in d.gradients.items():
            if grad.value is not None and x in run.bars and not grad.kink:
                grad.value = arrays.elementwise(lambda v: +v, run.bars[x])


def _settle(d, unsettled: set):
    """Values and gradients whose digits still changed at the highest precision (terms beyond 10^300 that
    cancel): their exact form, evaluated by SymPy's adaptive evalf, gives the digits. Without one, a value
    that was round-off around zero at both precisions is 0 with a warning that says so; any other, a
    located error, never a number that may be wrong."""
    ex = d.exercise
    found = [(f"the value of {key!r}", d.nodes[key], kind, floor, {"name": key, "gradient": False})
             for part, key, kind, floor in unsettled if part == "values"]
    found += [(f"d {ex.target}/d {key}", what, kind, floor, {"name": key, "gradient": True})
              for part, key, kind, floor in unsettled if part == "bars"
              for what in (d.gradients.get(key), d.adjoints.get(key)) if what is not None]
    kinked = {k.node for k in d.kinks}
    found += [(f"d {key[1]}/d {key[0]}", d.edges[key], kind, floor, {"name": key[0], "gradient": False})
              for part, key, kind, floor in unsettled if part == "locals" and key in d.edges and key[1] not in kinked]
    for label, what, kind, floor, data in found:
        if what.value is None or any(mpmath.isnan(v) for v in arrays.flat(what.value)):
            continue                               # undefined at a kink: no digits to settle
        number = evaluated(what.exact) if what.exact is not None and known(what.exact) else None
        if number is not None:
            what.value = number
        elif kind == "vanishing":                  # the elements at round-off level, not the settled ones
            what.value = arrays.elementwise(lambda v: mpmath.mpf(0) if abs(v) <= floor else v, what.value)
            if isinstance(what, Gradient) or isinstance(what, Node):
                d.warnings.append(Diagnostic("vanishing", None, Msg("err_vanishing", label=label, digits=PRECISIONS[-1]), data))
        else:
            raise DeriveError(Msg("err_cancels", what=label, digits=PRECISIONS[-1]),
                              ex.source.spot("formulas", ex.target), Msg("err_similar_sizes_fix"))


def _cancelled_zeros(d):
    """A decimal exactly 0 whose exact form is not 0 lost every digit to cancellation alike at every precision
    (1 - σ(200): σ(200) rounds to 1 at 45 and at 60 digits, so the runs agree on 0). Its digits come from the
    exact form by SymPy's adaptive evalf; where that cannot evaluate it, an unproven-zero warning says so."""
    said = {(w.data.get("name"), w.data.get("gradient")) for w in d.warnings if w.code == "vanishing"}
    shown = [(f"the value of {n!r}", n, False, node) for n, node in d.nodes.items()]
    shown += [(f"d {d.target}/d {x}", x, True, g) for x, g in d.gradients.items()]
    shown += [(None, None, False, what) for what in (*d.adjoints.values(), *d.edges.values())]
    for label, name, gradient, what in shown:
        if (name, gradient) in said or what.value is None or not known(what.exact) or not any(
                v == 0 and e != 0 for v, e in zip(arrays.flat(what.value), arrays.flat(what.exact))):
            continue
        lost = []

        def digits(v, e):
            if v != 0 or e == 0:
                return v
            number = evaluated(e)
            if number is None:
                lost.append(e)
            return v if number is None else number
        what.value = arrays.elementwise(digits, what.value, what.exact)
        if lost and label is not None:
            d.warnings.append(Diagnostic("unproven-zero", name, Msg("err_unproven_zero", label=label), {"name": name, "gradient": gradient}))


def _finite(ex, g, run, kinks=()):
    """Refuse an infinite derivative (the cube root's at 0): located at the first formula, from the target
    back, whose local derivative or adjoint is infinite."""
    kinked = {k[0] for k in kinks}
    for (p, c), local in run.locals.items():
        if mpmath.isinf(local) or (mpmath.isnan(local) and c not in kinked):
            raise DeriveError(Msg("err_local_infinite" if mpmath.isinf(local) else "err_local_undefined",
                                  name=repr(c), x=repr(p)),
                              ex.source.spot("formulas", c), Msg("err_finite_fix"))
    for n in reversed(g.order):
        if n in run.bars and any(mpmath.isinf(v) for v in arrays.flat(run.bars[n])):
            where = next((c for c in g.dag.successors(n) if c in ex.formulas), ex.target)
            raise DeriveError(Msg("err_infinite", target=f'{ex.target!r}', name=f'{n!r}'),
                              ex.source.spot("formulas", where), Msg("err_finite_fix"))



__all__ = ["gradient"]
