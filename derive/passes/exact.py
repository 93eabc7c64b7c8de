"""The exact pass: exact values, local derivatives, adjoints and closed forms, each under the budget.

Everything here is optional in the sense that it may come out Unknown (too large, too slow, a kink),
and then the decimal of the numeric pass stands alone; nothing here may come out wrong: every exact
gradient is checked against the numeric pass to the digits shown.
"""
from __future__ import annotations

from functools import lru_cache

import mpmath
import sympy as sp

from ..core import arrays
from .backward import accumulate, backward, formula_vjp
from ..core.budget import DIGITS, EXACT_MAX_ELEMENTS, MAGNITUDE_CAP, NESTING_CAP, SIZE_CAP, Clock, Unknown, known, nesting, policy, size, time_limit, CALL_SECONDS, OverTime
from ..core.diff import local_grad, recognise
from ..core.errors import DeriveError
from ..core.evaluate import MP, Exact, evaluate
from ..core.parser import symbol
from ..core.i18n import Msg
from ..core.ops import op_of
from .conventions import partial as by_convention


def values(d) -> None:
    """Each node's exact value, bottom up; a node whose parents are not all known is Unknown too."""
    ex, A = d.exercise, Exact()
    d.clock = Clock(len(d.order))
    sizes: dict[str, int] = {}          # tree size and nesting of each known scalar value, to refuse in advance
    depth: dict[str, int] = {}
    for n in d.order:
        node = d.nodes[n]
        if node.kind == "input":
            node.exact = ex.values[n]
            sizes[n], depth[n] = (1, 0)
            continue
        parents = list(d.graph.predecessors(n))
        if not all(known(d.nodes[p].exact) for p in parents):
            node.exact = Unknown("parent")
        elif d.clock.left() <= 0:                   # the pass's time is spent: the rest at once, no checks
            node.exact = Unknown("time")
        elif node.shape and arrays.size_of(node.shape) > EXACT_MAX_ELEMENTS:
            node.exact = Unknown("size")        # tens of thousands of exact elements: never within the budget
        elif not node.shape and size(node.expr) + sum(sizes.get(p, 1) for p in parents) > 2 * SIZE_CAP:
            node.exact = Unknown("size")        # its exact form could only be larger: not built at all
        elif not node.shape and nesting(node.expr) + max((depth.get(p, 0) for p in parents), default=0) > NESTING_CAP:
            node.exact = Unknown("nesting")
        elif not moderate(node.value):
            node.exact = Unknown("magnitude")
        else:
            env = {p: d.nodes[p].exact for p in parents}
            node.exact = admit(d.clock.run(evaluate, node.expr, env, A), node.shape, d, n)
        if known(node.exact) and not node.shape:
            sizes[n], depth[n] = size(node.exact), nesting(node.exact)


def admit(value, shape, d=None, node=None):
    """An exact result as the budget allows it: each element within the size and nesting caps, real
    and finite (an exact 1/0 the numbers missed is a domain error), spread to the node's shape."""
    if isinstance(value, Unknown):
        return value
    for element in arrays.flat(value):
        if isinstance(element, Unknown):
            return element
        if element.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
            if d is None:
                return Unknown("domain")
            raise DeriveError(Msg("err_in_formula", name=f'{node!r}', message=Msg("err_exact_not_real")), d.exercise.source.spot("formulas", node),
                              Msg("err_defined"))
        judged = policy(element)
        if isinstance(judged, Unknown):
            return judged
    return arrays.broadcast_to(value, shape) if shape else value


def moderate(value) -> bool:
    """Whether a value is small enough to write exactly: within 10^±1000 (7^10^9 is not)."""
    for v in arrays.flat(value):
        if mpmath.isfinite(v) and v != 0 and abs(mpmath.mag(v)) > 3 * MAGNITUDE_CAP \
                and abs(mpmath.log10(abs(v))) > MAGNITUDE_CAP:      # 2^3000 < 10^1000: log only past it
            return False
    return True


def derivatives(d) -> None:
    """Symbolic and exact local derivatives (scalar exercises), exact adjoints, closed forms."""
    A, clock, ex = Exact(), d.clock, d.exercise
    kinked = {k.node for k in d.kinks}
    convention = None if ex.kink == "undefined" else _by_convention(ex.kink)
    if not d.tensor:
        into: dict[str, list] = {}
        for (p, child), e in d.edges.items():
            into.setdefault(child, []).append(e)
        for c in d.order:
            if c not in ex.formulas or c not in d.relevant:
                continue
            edges = into.get(c, [])
            if clock.left() <= 0:                   # the pass's time is spent: no rule, no value, at once
                why = "time" if all(known(d.nodes[p].exact) for p in d.graph.predecessors(c)) else "parent"
                for e in edges:
                    e.exact = Unknown("kink") if mpmath.isnan(e.value) else Unknown(why)
                continue
            shown = recognise(ex.formulas[c].expr)         # written with the formula's own name where it
            own = {shown: symbol(c)}                       # reappears: σ′ = σ(1 − σ), tanh′ = 1 − tanh²
            for e in edges:
                local = clock.run(local_grad, shown, symbol(e.parent))
                e.local = local.xreplace(own) if known(local) and not ex.formulas[c].expr.is_Symbol else \
                    (local if known(local) else None)
            env = {p: d.nodes[p].exact for p in d.graph.predecessors(c)}
            if not all(known(v) for v in env.values()):
                ones = {}
            else:
                ones = clock.run(formula_vjp, ex.formulas[c].expr, env, sp.Integer(1), A, None,
                                 convention if c in kinked else None)
            for e in edges:
                if mpmath.isnan(e.value):
                    e.exact = Unknown("kink")
                elif isinstance(ones, Unknown):
                    e.exact = ones
                elif e.parent not in env or not all(known(v) for v in env.values()):
                    e.exact = Unknown("parent")
                else:
                    e.exact = admit(ones.get(e.parent, sp.Integer(0)), ())

    def vjp_node(c, bar):
        parents = [p for p in d.graph.predecessors(c) if p in d.relevant]
        if c in ex.values:
            return {}
        if not d.tensor:
            return {p: _capped(bar * d.edges[p, c].exact) if known(bar) and known(d.edges[p, c].exact)
                    else Unknown("kink" if isinstance(d.edges[p, c].exact, Unknown)
                                 and d.edges[p, c].exact.reason == "kink" else "parent") for p in parents}
        env = {p: d.nodes[p].exact for p in d.graph.predecessors(c)}
        if not known(bar) or not all(known(v) for v in env.values()):
            return dict.fromkeys(parents, Unknown("parent"))
        if c in kinked and convention is None:
            return dict.fromkeys(parents, Unknown("kink"))
        out = clock.run(formula_vjp, ex.formulas[c].expr, env, bar, A, None, convention if c in kinked else None)
        if isinstance(out, Unknown):
            return dict.fromkeys(parents, out)
        return {p: admit(out[p], d.nodes[p].shape) if p in out else Unknown("parent") for p in parents}

    shape = d.nodes[d.target].shape
    seed = arrays.broadcast_to(sp.Integer(1), shape) if shape else sp.Integer(1)
    bars = backward(d.order, d.target, seed, vjp_node, d.relevant)
    for n, adj in d.adjoints.items():
        adj.exact = admit(bars.get(n, Unknown("parent")), d.nodes[n].shape)
    d.closed = closed_forms(d) if not d.tensor else {}


def _by_convention(convention: str):
    """formula_vjp's hook: an exact partial at a kink replaced by the convention's number (every element whose
    arguments sit on the op's kink, decided exactly)."""
    def hook(e, op, args, i, partial):
        if op.kink is None:
            return partial
        if not isinstance(partial, arrays.np.ndarray):
            return by_convention(convention, op, i, args) if op.kink(args) else partial
        partial = partial.copy()
        for index in arrays.indices(partial.shape):
            element = arrays.at(args, index)
            if op.kink(element):
                partial[index] = by_convention(convention, op, i, element)
        return partial
    return hook


def _capped(expr):
    return policy(expr) if not isinstance(expr, Unknown) else expr


# -- closed forms ------------------------------------------------------------------------------------

def composed(d) -> dict:
    """Each node as a closed form in the inputs (all None when the target's would pass the size cap)."""
    tree: dict[str, int] = {}
    g = d.graph
    for n in d.order:                    # an upper bound on each closed form's size, without building it
        tree[n] = min(10 * SIZE_CAP, size(d.nodes[n].expr) + sum(tree[p] for p in g.predecessors(n)))
    if tree[d.target] > 4 * SIZE_CAP:
        return dict.fromkeys(d.order)
    result: dict[str, sp.Expr | None] = {}
    sizes: dict[str, int] = {}
    depth: dict[str, int] = {}
    for n in d.order:
        parents = list(g.predecessors(n))
        expr = symbol(n) if d.nodes[n].kind == "input" else d.nodes[n].expr
        if any(result[p] is None for p in parents) \
                or size(expr) + sum(sizes[p] for p in parents) > SIZE_CAP \
                or nesting(expr) + max((depth[p] for p in parents), default=0) > NESTING_CAP:
            result[n] = None
            continue
        value = expr.xreplace({symbol(p): result[p] for p in parents}) if parents else expr
        result[n] = value if size(value) <= SIZE_CAP else None
        if result[n] is not None:
            sizes[n], depth[n] = size(value), nesting(value)
    return result


def closed_forms(d) -> dict:
    """d target / d input as closed forms in the inputs: one reverse pass over closed-form locals."""
    forms = d.clock.run(composed, d)
    if isinstance(forms, Unknown) or forms.get(d.target) is None:
        return {}
    d.composed = forms
    g = d.graph

    def vjp_node(c, bar):
        if d.nodes[c].kind == "input":
            return {}
        out = {}
        for p in g.predecessors(c):
            if p not in d.relevant:
                continue
            e = d.edges[p, c]
            parents = {symbol(q): forms[q] for q in [*g.predecessors(c), c]}
            if e.local is None or None in parents.values() or not known(bar):
                out[p] = Unknown("parent")
                continue
            out[p] = _capped(bar * e.local.xreplace(parents))
        return out

    bars = d.clock.run(backward, d.order, d.target, sp.Integer(1), vjp_node, d.relevant)
    if isinstance(bars, Unknown):
        return {}
    zero = sp.Integer(0)                        # an input that does not reach the target: identically 0
    return {x: bars.get(x, zero) for x in d.exercise.wrt if x not in bars or known(bars[x])}


TIDY_SIZE = 60             # expressions larger than this are shown as they are (simplify costs too much)


def tidy(expr):
    """The shortest of a few equal forms of a small exact value, each found within a time slice: as it is,
    cancelled (-4*exp(-46)/(1 + exp(-46)) -> -4/(1 + exp(46))), simplified (log(1 - 1/(1 + e)) + log(1 + e)
    -> 1), over one denominator (exp(46)/(1 + exp(46))**2). The value unchanged when nothing shorter fits the
    budget."""
    if not known(expr) or isinstance(expr, arrays.np.ndarray) or expr.is_Rational or size(expr, TIDY_SIZE) > TIDY_SIZE:
        return expr
    coefficient, rest = expr.as_coeff_Mul()
    if coefficient.is_Rational and coefficient not in (1, -1) and not rest.is_Rational:
        # gradients that differ by a rational factor (-4 x, 3 x, 6 x) share one tidying of x
        return coefficient * _tidy(rest)
    return _tidy(expr)


SIMPLIFY_SIZE = 25         # simplify (slow: tens of milliseconds) only for the smallest expressions
SIMPLIFY_SECONDS = 0.1


@lru_cache(maxsize=10_000)
def _tidy(expr):
    best = expr
    # simplify only where cancelling cannot do it all: a function other than exp (log, tanh, a root)
    small = size(expr, SIMPLIFY_SIZE) <= SIMPLIFY_SIZE and _beyond_exp(expr)
    for transform, seconds in ((sp.together, CALL_SECONDS), (sp.cancel, CALL_SECONDS),
                               (sp.simplify, SIMPLIFY_SECONDS if small else 0)):
        if not seconds:
            continue
        try:
            with time_limit(seconds):
                candidate = transform(expr)
        except OverTime:
            continue
        except Exception:                  # a transform SymPy cannot apply here: keep the others
            continue
        if _shorter(candidate, best) and _familiar(candidate):
            best = candidate
    return best


def _beyond_exp(expr) -> bool:
    """Whether expr holds a function other than exp, or a power that is not a whole number: what together and
    cancel, which treat exp(46) as a symbol, may leave unsimplified."""
    return any(not isinstance(f, sp.exp) for f in expr.atoms(sp.Function)) or \
        any(not p.exp.is_Integer for p in expr.atoms(sp.Pow))


def _familiar(expr) -> bool:
    """Only the functions a student wrote or derive defines (simplify may answer with cosh or re)."""
    return all(op_of(f) is not None for f in expr.atoms(sp.Function)) and not expr.has(sp.I)


def _shorter(a, b) -> bool:
    return (sp.count_ops(a), size(a)) < (sp.count_ops(b), size(b))


# -- the two passes must agree -----------------------------------------------------------------------

def evaluated(exact, digits: int = DIGITS + 10, maxn: int = 4000):
    """An exact value (or array) to `digits` by SymPy's adaptive evalf (which works with up to `maxn` digits where
    terms cancel), each element within a call's time budget; None when it cannot."""
    def one(e):
        with time_limit(CALL_SECONDS):
            return mpmath.mpf(str(sp.N(e, digits, maxn=maxn)))
    try:
        with mpmath.workdps(DIGITS + 20):
            return arrays.elementwise(one, exact)
    except (OverTime, ArithmeticError, ValueError, TypeError):
        return None


def check_agreement(d) -> None:
    """Every exact gradient evaluated numerically equals the numeric pass's to the digits shown: a
    mismatch is a bug in derive, raised, never printed. Each exact form is first evaluated by derive's own
    mpmath evaluator at 50 digits (shared sub-expressions once); only where that does not agree, by SymPy's
    adaptive evalf, which raises its precision where digits cancel (and is a hundred times slower)."""
    memo: dict = {}
    for x, g in d.gradients.items():
        if not known(g.exact) or g.value is None:
            continue
        with mpmath.workdps(DIGITS + 20):
            for exact, value in zip(arrays.flat(g.exact), arrays.flat(g.value)):
                if mpmath.isnan(value) or agrees(_quick(exact, memo), value):
                    continue
                number = evaluated(exact, DIGITS + 5, maxn=600)
                if number is None:
                    continue                  # too slow or too large to evaluate: nothing to compare
                if not agrees(number, value):
                    raise AssertionError(f"derive's exact and numeric passes disagree on d{d.target}/d{x}: "
                                         f"{exact} = {mpmath.nstr(number, 20)} against {mpmath.nstr(value, 20)}")


def _quick(exact, memo):
    try:
        return evaluate(exact, {}, MP(), memo)
    except (ArithmeticError, ValueError, TypeError, KeyError):
        return None


def agrees(number, value) -> bool:
    if number is None or not mpmath.isfinite(number):
        return False
    return abs(number - value) <= max(abs(value), mpmath.mpf(10) ** -(DIGITS + 10)) * mpmath.mpf(10) ** -(DIGITS - 2)


__all__ = ["values", "derivatives", "tidy", "composed", "check_agreement", "accumulate", "admit", "moderate"]
