"""Derivatives by reverse mode on the graph, the way a student does it by hand, in two passes.

numeric: every node's value and every adjoint to 30+ digits with mpmath, forward then backward (linear in
         the graph), rerun at a higher precision until two runs agree; kinks and domain errors found here.
exact:   exact values, local derivatives, adjoints and closed forms (SymPy), each under the budget
         (budget.py); what does not fit is Unknown, never zero, and what fits must agree with the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
from mpmath.libmp import fnan, fzero, mpf_sub, to_str
import sympy as sp

from . import arrays
from . import graph as graphs
from . import program
from .backward import backward
from .budget import DIGITS, MAX_MAGNITUDE_BITS, PRECISIONS, WORKING_DPS, Unknown, known
from .errors import DeriveError
from .evaluate import MP, Domain, TooLarge
from .exercise import GradientExercise


@dataclass
class Node:
    name: str
    kind: str                    # "input" or "formula"
    expr: sp.Expr                # the formula in its parents' names (inputs: the value)
    layer: int
    line: int | None
    exact: object                # value at the point (SymPy, or an object array); Unknown when not computed
    value: object                # the same to working precision (mpmath number or object array)
    shape: tuple = ()


@dataclass
class Edge:
    parent: str
    child: str
    local: sp.Expr | None        # d child / d parent, in the child's parents' names (scalars; None: not derived)
    exact: object                # at the point; Unknown when undefined (a kink) or not computed
    value: object                # nan when undefined (scalars; tensors: None)


@dataclass
class Adjoint:
    node: str
    children: list[str]          # d target/d node = sum over these of their vector-Jacobian products
    exact: object
    value: object                # nan where undefined (a kink downstream)


@dataclass
class Kink:
    node: str                    # the formula holding the non-smooth function
    expr: sp.Expr                # the function application sitting on its kink
    left: sp.Expr | None = None  # one-sided derivatives of the target, for a given input (scalars)
    right: sp.Expr | None = None
    index: tuple = ()            # the element of a tensor that sits on the kink
    step: int = -1               # which instruction of the formula's program applies the function


@dataclass
class Gradient:
    wrt: str
    exact: object                # Unknown when undefined (kink) or too large
    value: object                # None when undefined (scalars); tensors: nan elements
    expression: sp.Expr | None   # closed form in the inputs (scalars); None when too large
    kink: Kink | None = None     # set when the derivative is undefined at a kink
    convention: str | None = None    # set when a kink's convention (exercise.kink) gave these numbers


@dataclass
class Diagnostic:
    code: str
    node: str | None
    message: str
    data: dict = field(default_factory=dict)     # the numbers in the message, for renderers


@dataclass
class Derivation:
    """Everything the two passes found; renderers read only this."""

    exercise: GradientExercise
    graph: graphs.Dag
    order: list[str]
    nodes: dict[str, Node]
    edges: dict[tuple[str, str], Edge]
    adjoints: dict[str, Adjoint]
    gradients: dict[str, Gradient]
    kinks: list[Kink]
    warnings: list[Diagnostic] = field(default_factory=list)
    relevant: set = field(default_factory=set)
    closed: dict = field(default_factory=dict)       # input -> closed form of the gradient (scalar exercises)
    composed: dict = field(default_factory=dict)     # node -> closed form in the inputs, where small
    clock: object = None                             # the exact pass's time budget
    training: list | None = None                     # training.Point per step, when the exercise asks for steps
    hessian: object = None                           # hessian.Hessian, when the exercise asks for order >= 2

    @property
    def target(self) -> str:
        return self.exercise.target

    @property
    def tensor(self) -> bool:
        return self.exercise.tensor


def derive(ex: GradientExercise, exact: bool = True) -> Derivation:
    """The numeric pass, then (unless exact=False) the exact pass, for one exercise."""
    from . import exact as exact_pass
    from .conventions import describe
    from .kinks import gradients, resolve

    g = graphs.build(ex)
    relevant = graphs.relevant(g.dag, ex.target, ex.wrt)
    run = _precise(lambda: _numeric(ex, g, relevant))
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
            run = _numeric(ex, g, relevant, {(k.node, k.step, k.index) for k in d.kinks}, run.values)
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
        d.warnings.append(Diagnostic("kink", k.node, f"{plain(k.expr)}{_element(k.index)} in formula {k.node!r} "
                                     f"sits exactly on its kink at this point: derivatives through it are {through}",
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
    if ex.order > 1:
        from .hessian import hessian

        d.hessian = hessian(d)
    return d


DEEP_DPS = 1200


def _deeper(d, g, relevant):
    """The numeric pass again at DEEP_DPS digits (kinks kept undefined): values, adjoints and gradients."""
    kinks = {(k.node, k.step, k.index) for k in d.kinks}
    with mpmath.workdps(DEEP_DPS):
        run = _numeric(d.exercise, g, relevant, kinks) if not kinks else \
            _numeric(d.exercise, g, relevant, kinks, _numeric(d.exercise, g, relevant).values)
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
    from .exact import evaluated

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
                d.warnings.append(Diagnostic("vanishing", None, f"{label} is 0 to within round-off at "
                                             f"{PRECISIONS[-1]} digits of its largest terms; its exact form was not "
                                             "computed, so it is not proven exactly 0", data))
        else:
            raise DeriveError(f"{label} cancels beyond what {PRECISIONS[-1]} digits resolve (terms far larger "
                              "than the result), and no exact form gives its digits",
                              ex.source.spot("formulas", ex.target), "choose values of similar sizes")


def _cancelled_zeros(d):
    """A decimal exactly 0 whose exact form is not 0 lost every digit to cancellation alike at every precision
    (1 - σ(200): σ(200) rounds to 1 at 45 and at 60 digits, so the runs agree on 0). Its digits come from the
    exact form by SymPy's adaptive evalf; where that cannot evaluate it, an unproven-zero warning says so."""
    from .exact import evaluated

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
            d.warnings.append(Diagnostic("unproven-zero", name, f"{label} came out exactly 0 at every working "
                                         "precision, and its exact form could not be evaluated to check it: it is "
                                         "not proven to be 0", {"name": name, "gradient": gradient}))


def _finite(ex, g, run, kinks=()):
    """Refuse an infinite derivative (the cube root's at 0): located at the first formula, from the target
    back, whose local derivative or adjoint is infinite."""
    kinked = {k[0] for k in kinks}
    for (p, c), local in run.locals.items():
        if mpmath.isinf(local) or (mpmath.isnan(local) and c not in kinked):
            raise DeriveError(f"the derivative of formula {c!r} with respect to {p!r} is "
                              f"{'infinite' if mpmath.isinf(local) else 'not defined'} at the point",
                              ex.source.spot("formulas", c), "choose values where every derivative is finite")
    for n in reversed(g.order):
        if n in run.bars and any(mpmath.isinf(v) for v in arrays.flat(run.bars[n])):
            where = next((c for c in g.dag.successors(n) if c in ex.formulas), ex.target)
            raise DeriveError(f"the derivative of {ex.target!r} with respect to {n!r} is infinite at the point",
                              ex.source.spot("formulas", where), "choose values where every derivative is finite")


def _element(index: tuple) -> str:
    return "" if not index else "[" + ", ".join(map(str, index)) + "]"


# -- the numeric pass ------------------------------------------------------------------------------

@dataclass
class _Run:
    dps: int
    values: dict
    locals: dict                 # (parent, child) -> d child/d parent (scalar exercises)
    bars: dict                   # node -> adjoint
    suspects: list               # (node, expr, index, op, args) that tie at this precision
    unsettled: set = field(default_factory=set)    # (part, key) still changing at the highest precision


def _numeric(ex, g, relevant, kinks=frozenset(), values=None) -> _Run:
    """Forward values, local derivatives and adjoints at the current mpmath precision; with `kinks`
    (node, step, index) and earlier `values`, only the backward pass, with those partials undefined."""
    state = {"node": None}
    suspects = []

    def watch(op, args, step):
        _watch(op, args, step, state["node"], suspects)

    A = MP(watch)
    memos: dict[str, list] = {}
    if values is None:
        values = {}
        for n in g.order:
            state["node"] = n
            values[n] = _mp_value(ex.values[n]) if n in ex.values else _forward(ex, n, values, A, memos)
    A.watch = None

    def undefined(node):
        def mark(step, op, i, args, partial):
            at = [idx for (k_node, k_step, idx) in kinks if k_node == node and k_step == step]
            return _at_kink(ex.kink, op, i, args, partial, at) if at else partial
        return mark if kinks and any(k[0] == node for k in kinks) else None

    def contributions(c, bar):
        prog, names = program.program_for(ex.formulas[c].expr)
        if c not in memos:
            memos[c] = program.run(prog, [values[p] for p in names], A)
        bars = _safe_vjp(lambda: program.vjp(prog, memos[c], bar, A, undefined(c)), c, ex)
        return {p: b for p, b in zip(names, bars) if b is not None}

    if not ex.tensor:
        return _Run(mpmath.mp.dps, values, *_scalar_locals(ex, g, relevant, memos, values, A, undefined), suspects)
    target_shape = ex.shape(ex.target)
    seed = arrays.broadcast_to(mpmath.mpf(1), target_shape) if target_shape else mpmath.mpf(1)
    bars = backward(g.order, ex.target, seed, lambda c, bar: {} if c in ex.values else contributions(c, bar), relevant)
    return _Run(mpmath.mp.dps, values, {}, bars, suspects)


def _scalar_locals(ex, g, relevant, memos, values, A, undefined) -> tuple[dict, dict]:
    """A scalar exercise's local derivatives d child/d parent, one formula at a time, then the adjoints."""
    locals_: dict[tuple[str, str], object] = {}
    into: dict[str, list] = {}                       # child -> [(parent, d child/d parent)]
    zero = mpmath.mpf(0)
    c = None
    try:
        for c in g.order:
            if c in ex.formulas and c in relevant:
                formula = ex.formulas[c]
                prog, names = program.program_for(formula.expr)
                slots = memos.get(c) or program.run(prog, [values[p] for p in names], A)
                arrows = into[c] = []
                for p, partial in zip(names, program.local_partials(prog, slots, A, undefined(c))):
                    if p in relevant:
                        arrows.append((p, zero if partial is None else partial))
                if len(formula.uses) > len(names):       # a name SymPy cancelled (a - a + b): its arrow is 0
                    arrows += [(p, zero) for p in formula.uses if p in relevant and p not in names]
                for p, local in arrows:
                    locals_[p, c] = local
    except (Domain, TooLarge, ZeroDivisionError) as e:
        raise _vjp_error(e, c, ex) from None
    return locals_, _scalar_backward(g.order, ex.target, into, relevant)


def _scalar_backward(order, target, into, relevant) -> dict:
    """backward() for scalar exercises, where each arrow's vector-Jacobian product is a multiplication by
    its local derivative: the same loop without a call per node (it runs for every node of a large graph)."""
    bars = {target: mpmath.mpf(1)}
    for c in reversed(order):
        bar = bars.get(c)
        if bar is None or c not in relevant:
            continue
        for p, local in into.get(c, ()):
            term = bar * local
            bars[p] = term if p not in bars else bars[p] + term
    return bars


def _mp_value(exact):
    return arrays.elementwise(MP.number, exact)


def _forward(ex, n, values, A, memos):
    formula = ex.formulas[n]
    prog, names = program.program_for(formula.expr)
    try:
        slots = program.run(prog, [values[p] for p in names], A, A.watch)
        value = slots[-1]
    except Domain as e:
        raise _domain_error(ex, n, e.message, e.index, values, names) from None
    except TooLarge as e:
        raise DeriveError(f"in formula {n!r}: {e} at the point, beyond what derive computes (about "
                          "10^±1,000,000)", ex.source.spot("formulas", n),
                          "choose smaller values, or fewer nested exponentials and powers") from None
    except (ZeroDivisionError, ValueError) as e:
        raise _domain_error(ex, n, f"undefined ({e})", (), values, names) from None
    memos[n] = slots
    raw = getattr(value, "_mpf_", None)              # (sign, mantissa, exponent, bits): 0, inf, nan have no mantissa
    if not formula.shape and (raw[1] and abs(raw[2] + raw[3]) > MAX_MAGNITUDE_BITS if raw is not None else
                              mpmath.isfinite(value) and value != 0 and abs(mpmath.mag(value)) > MAX_MAGNITUDE_BITS):
        raise DeriveError(f"in formula {n!r}: a number near 10^{int(mpmath.mag(value)) * 30103 // 100000} at the point, "
                          "beyond what derive computes (about 10^±1,000,000)", ex.source.spot("formulas", n))
    return arrays.broadcast_to(value, formula.shape) if formula.shape else value


def _safe_vjp(compute, node, ex):
    try:
        return compute()
    except (Domain, TooLarge, ZeroDivisionError) as e:
        raise _vjp_error(e, node, ex) from None


def _vjp_error(e, node, ex) -> DeriveError:
    """The located error of a derivative that cannot be computed at the point."""
    if isinstance(e, Domain):
        return DeriveError(f"in formula {node!r}: {e.message}", ex.source.spot("formulas", node),
                           "choose values where every derivative is real (a negative base with a variable "
                           "exponent has none)")
    if isinstance(e, TooLarge):
        return DeriveError(f"the derivative of formula {node!r}: {e}, beyond what derive computes",
                           ex.source.spot("formulas", node))
    return DeriveError(f"the derivative of formula {node!r} is not finite at the point",
                       ex.source.spot("formulas", node), "choose values away from this singularity")


def _at_kink(convention, op, i, args, partial, indices):
    """The partial with its elements at a kink replaced: nan (undefined) or the convention's number."""
    from .conventions import partial as by_convention

    def at(index):
        if convention == "undefined":
            return mpmath.nan
        return MP.number(by_convention(convention, op, i, arrays.at(args, index)))

    if not isinstance(partial, arrays.np.ndarray):
        return at(())
    partial = partial.copy()
    for index in indices:
        partial[index] = at(index)
    return partial


def _watch(op, args, step, node, suspects):
    """Refuse a domain error at once; record a possible kink (a tie at this precision) for later."""
    if not op.elementwise:
        if op.domain and (problem := op.domain(args)):
            raise Domain(problem)
        if op.kink and op.kink(args):
            suspects.append((node, step, ()))
        return
    shape = op_shape(args)
    for index in arrays.indices(shape):
        values = arrays.at(args, index)
        if op.domain and (problem := op.domain(values)):
            raise Domain(problem, index)
        if op.kink and op.kink(values):
            suspects.append((node, step, index))


def op_shape(args) -> tuple:
    shapes = [arrays.shape_of(a) for a in args]
    return tuple(arrays.np.broadcast_shapes(*shapes)) if any(shapes) else ()


def _domain_error(ex, n, problem, index, values, names) -> DeriveError:
    where = ", ".join(f"{p} = {_show(values[p])}" for p in names)
    expr = ex.formulas[n].text
    at = f" (element {_element(index)})" if index else ""
    error = DeriveError(f"in formula {n!r}: {problem} at the point{at}: {expr} with {where}",
                        ex.source.spot("formulas", n), "choose values where every formula is defined")
    error.precision_bound = True         # may be round-off: 1 - σ(200) is exactly 0 up to 60 digits (_precise)
    return error


def _show(value) -> str:
    if isinstance(value, arrays.np.ndarray):
        return "[" + ", ".join(mpmath.nstr(v, 6) for v in value.flat[:6]) + (", …]" if value.size > 6 else "]")
    return mpmath.nstr(value, 12)


def _precise(compute) -> _Run:
    """Run `compute` at rising precision until two runs agree to DIGITS + 2 digits everywhere; when ties
    (possible kinks) remain, once more at the highest precision, where a true tie stays a tie."""
    previous = before = None
    for dps in PRECISIONS:
        with mpmath.workdps(dps):
            try:
                result = compute()
            except DeriveError as e:         # a domain error that more digits may undo (log(1 - σ(200)): 1 - σ(200)
                if getattr(e, "precision_bound", False) and dps != PRECISIONS[-1]:     # rounds to 0 up to 60 digits,
                    continue                 # 1.4e-87 from 120): refused only at the highest precision
                raise
        if previous is not None and _runs_agree(previous, result):
            break
        before, previous = previous, result
    else:
        if before is None:                   # only the highest precision computed: one deeper run to compare
            with mpmath.workdps(DEEP_DPS):
                deeper = compute()
            if not _runs_agree(result, deeper):
                deeper.unsettled = _disagreeing(result, deeper)
            result = deeper
        else:                                # cancellation beyond the highest precision: say where
            result.unsettled = _disagreeing(before, result)
    if result.suspects and result.dps < PRECISIONS[-1]:
        with mpmath.workdps(PRECISIONS[-1]):
            result = compute()
    return result


def _runs_agree(a: _Run, b: _Run) -> bool:
    for part in ("values", "locals", "bars"):
        x, y = getattr(a, part), getattr(b, part)
        for key, u in x.items():
            v = y[key]
            if isinstance(u, arrays.np.ndarray):
                if not all(_agree(p, q) for p, q in zip(u.flat, v.flat)):
                    return False
            elif not _agree(u, v):
                return False
    return True


def _disagreeing(a: _Run, b: _Run) -> set:
    """(part, key) of the values that still changed between the last two precisions, and were not merely
    round-off around zero (below 10^-(a.dps - 20) of the largest value or adjoint: sum(softmax(x)) - 1)."""
    terms = [abs(v) for part in (b.values, b.bars) for value in part.values() for v in arrays.flat(value)
             if mpmath.isfinite(v)]
    largest = max(terms, default=mpmath.mpf(1))
    floors = (largest * mpmath.mpf(10) ** -(a.dps - 20), largest * mpmath.mpf(10) ** -(b.dps - 20))
    meaningful = floors[1] <= mpmath.mpf(10) ** -(2 * DIGITS)      # a bound that says "0", not "unknown"
    out = set()
    for part in ("values", "locals", "bars"):
        x, y = getattr(a, part), getattr(b, part)
        for key, u in x.items():
            pairs = list(zip(arrays.flat(u), arrays.flat(y[key])))
            if all(_agree(p, q) for p, q in pairs):
                continue
            noise = meaningful and all(_agree(p, q) or (abs(p) <= floors[0] and abs(q) <= floors[1])
                                       for p, q in pairs)
            out.add((part, key, "vanishing" if noise else "unsettled", floors[1]))
    return out


AGREE_BITS = int((DIGITS + 2) * 3.3219) + 1       # two runs agree to DIGITS + 2 significant digits


def _agree(a, b) -> bool:
    """|a - b| <= |b| 10^-(DIGITS + 2), on mpmath's raw (sign, mantissa, exponent, bits) tuples: this runs for
    every value of the graph, so it avoids mpmath's object arithmetic."""
    A, B = a._mpf_, b._mpf_
    if A == B:
        return True
    if A == fnan or B == fnan:
        return False
    d = mpf_sub(A, B, 64)
    if d == fzero:
        return True
    if B == fzero:
        return False
    return d[2] + d[3] <= B[2] + B[3] - AGREE_BITS


def decimal(value) -> str | None:
    """A value to DIGITS significant digits, or None when undefined (mpmath's own formatter, called
    directly: the JSON of a large graph writes one per node, adjoint and gradient)."""
    if value is None:
        return None
    raw = value._mpf_ if hasattr(value, "_mpf_") else mpmath.mpf(value)._mpf_
    if raw == fnan:
        return None
    return to_str(raw, DIGITS, strip_zeros=False, min_fixed=-4, max_fixed=DIGITS)


def plain(expr) -> str:
    """A formula as people write it: max, min, abs in lower case."""
    return str(expr).replace("Max", "max").replace("Min", "min").replace("Abs", "abs")


__all__ = ["Adjoint", "Derivation", "Diagnostic", "Edge", "Gradient", "Kink", "Node", "decimal", "derive",
           "known", "plain", "WORKING_DPS"]
