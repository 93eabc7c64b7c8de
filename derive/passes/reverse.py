"""The numeric reverse pass: every node's value and every adjoint to 30+ digits with mpmath, forward then
backward (linear in the graph), rerun at a higher precision until two runs agree; kinks and domain errors found
here. `precise(lambda: numeric_pass(...))` is the whole ladder."""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
from mpmath.libmp import finf, fninf, fnan, fzero, mpf_sub

from ..core import arrays
from . import program
from .backward import backward
from ..core.budget import DIGITS, MAX_MAGNITUDE_BITS, PRECISIONS
from ..core.errors import DeriveError, Domain, TooLarge
from ..model.derivation import index_text
from ..core.evaluate import MP
from ..core.i18n import Msg
from .conventions import partial as by_convention

DEEP_DPS = 1200           # the last precision tried where terms beyond 10^300 cancel


@dataclass
class Run:
    dps: int
    values: dict
    locals: dict                 # (parent, child) -> d child/d parent (scalar exercises)
    bars: dict                   # node -> adjoint
    suspects: list               # (node, expr, index, op, args) that tie at this precision
    unsettled: set = field(default_factory=set)    # (part, key) still changing at the highest precision


def numeric_pass(ex, g, relevant, kinks=frozenset(), values=None) -> Run:
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
            values[n] = mp_value(ex.values[n]) if n in ex.values else _forward(ex, n, values, A, memos)
    A.watch = None

    def undefined(node):
        def mark(step, op, i, args, partial):
            at = [idx for (k_node, k_step, idx) in kinks if k_node == node and k_step == step]
            return _at_kink(ex.kink, op, i, args, partial, at, ex.tensor) if at else partial
        return mark if kinks and any(k[0] == node for k in kinks) else None

    def contributions(c, bar):
        prog, names = program.program_for(ex.formulas[c].expr)
        if c not in memos:
            memos[c] = program.run(prog, [values[p] for p in names], A)
        bars = _safe_vjp(lambda: program.vjp(prog, memos[c], bar, A, undefined(c)), c, ex)
        return {p: b for p, b in zip(names, bars) if b is not None}

    if not ex.tensor:
        return Run(mpmath.mp.dps, values, *_scalar_locals(ex, g, relevant, memos, values, A, undefined), suspects)
    target_shape = ex.shape(ex.target)
    seed = arrays.broadcast_to(mpmath.mpf(1), target_shape) if target_shape else mpmath.mpf(1)
    bars = backward(g.order, ex.target, seed, lambda c, bar: {} if c in ex.values else contributions(c, bar), relevant)
    return Run(mpmath.mp.dps, values, {}, bars, suspects)


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


def mp_value(exact):
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
        raise DeriveError(Msg("err_value_too_large", name=f'{n!r}', message=e.message), ex.source.spot("formulas", n),
                          Msg("err_too_large_fix")) from None
    except (ZeroDivisionError, ValueError):
        raise _domain_error(ex, n, Msg("err_undefined_value"), (), values, names) from None
    memos[n] = slots
    raw = getattr(value, "_mpf_", None)              # (sign, mantissa, exponent, bits): 0, inf, nan have no mantissa
    if not formula.shape and (raw[1] and abs(raw[2] + raw[3]) > MAX_MAGNITUDE_BITS if raw is not None else
                              mpmath.isfinite(value) and value != 0 and abs(mpmath.mag(value)) > MAX_MAGNITUDE_BITS):
        raise DeriveError(Msg("err_value_too_large", name=f'{n!r}', message=Msg("err_number_near", exponent=int(mpmath.mag(value)) * 30103 // 100000)), ex.source.spot("formulas", n))
    return arrays.broadcast_to(value, formula.shape) if formula.shape else value


def _safe_vjp(compute, node, ex):
    try:
        return compute()
    except (Domain, TooLarge, ZeroDivisionError) as e:
        raise _vjp_error(e, node, ex) from None


def _vjp_error(e, node, ex) -> DeriveError:
    """The located error of a derivative that cannot be computed at the point."""
    if isinstance(e, Domain):
        return DeriveError(Msg("err_in_formula", name=f'{node!r}', message=e.message), ex.source.spot("formulas", node),
                           Msg("err_real_derivative_fix"))
    if isinstance(e, TooLarge):
        return DeriveError(Msg("err_derivative_too_large", name=f'{node!r}', message=e.message),
                           ex.source.spot("formulas", node))
    return DeriveError(Msg("err_derivative_not_finite", name=f'{node!r}'),
                       ex.source.spot("formulas", node), Msg("err_singularity_fix"))


def _at_kink(convention, op, i, args, partial, indices, tensor=False):
    """The partial with its elements at a kink replaced: nan (undefined) or the convention's number."""
    def at(index):
        if convention == "undefined":
            # a comparison's boundary in a tensor exercise: a jump, which no zero adjoint cancels (arrays.times);
            # a scalar exercise takes each side's branch instead (kinks.py)
            return mpmath.inf if op.side_value and tensor else mpmath.nan
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
    at = Msg("err_at_element", index=index_text(index)) if index else ""
    error = DeriveError(Msg("err_domain", name=f'{n!r}', problem=problem, at=at, expr=expr, where=where),
                        ex.source.spot("formulas", n), Msg("err_defined"))
    error.precision_bound = True         # may be round-off: 1 - σ(200) is exactly 0 up to 60 digits (precise)
    return error


def _show(value) -> str:
    if isinstance(value, arrays.np.ndarray):
        return "[" + ", ".join(mpmath.nstr(v, 6) for v in value.flat[:6]) + (", …]" if value.size > 6 else "]")
    return mpmath.nstr(value, 12)


def precise(compute) -> Run:
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


def _runs_agree(a: Run, b: Run) -> bool:
    for part in ("values", "locals", "bars"):
        x, y = getattr(a, part), getattr(b, part)
        for key, u in x.items():
            v = y[key]
            if isinstance(u, arrays.np.ndarray):
                if not all(agree(p, q) for p, q in zip(u.flat, v.flat)):
                    return False
            elif not agree(u, v):
                return False
    return True


def _disagreeing(a: Run, b: Run) -> set:
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
            if all(agree(p, q) for p, q in pairs):
                continue
            noise = meaningful and all(agree(p, q) or (abs(p) <= floors[0] and abs(q) <= floors[1])
                                       for p, q in pairs)
            out.add((part, key, "vanishing" if noise else "unsettled", floors[1]))
    return out


AGREE_BITS = int((DIGITS + 2) * 3.3219) + 1       # two runs agree to DIGITS + 2 significant digits


_SPECIAL = (fnan, finf, fninf)


def agree(a, b) -> bool:
    """|a - b| <= |b| 10^-(DIGITS + 2), on mpmath's raw (sign, mantissa, exponent, bits) tuples: this runs for
    every value of the graph, so it avoids mpmath's object arithmetic."""
    A, B = a._mpf_, b._mpf_
    if A == B:
        return True
    if A in _SPECIAL or B in _SPECIAL:       # NaN, or an infinity unequal to the other (their raw tuples
        return False                          # carry small placeholder exponents: never "tiny")
    d = mpf_sub(A, B, 64)
    if d == fzero:
        return True
    if B == fzero:
        return False
    return d[2] + d[3] <= B[2] + B[3] - AGREE_BITS
