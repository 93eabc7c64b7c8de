"""Second and higher derivatives ([gradient] order = 2, 3, …).

order = 2: the Hessian H_ij = ∂²L/∂x_i∂x_j of the target over the elements of `wrt`.
  exact     each closed-form gradient (exact.closed_forms) differentiated once more by SymPy and evaluated at
            the point, under the budget (scalar exercises; Unknown otherwise);
  30 digits forward-over-reverse by differences: the reverse pass run at p = 200 digits at x ± h e_j, with
            h = 10^-(p/4) and again 10^-(p/4 + 10); both agree to far more than 30 digits for a smooth
            function (truncation h², round-off 10^-p/h), which is checked, not assumed; where they do not
            (terms far larger than the result), again at 500 and 1200 digits, then a located error.
order ≥ 3 (one scalar input): the closed form differentiated n times, and mpmath.diff of the target
  (its own adaptive-precision differences) for the digits, at rising precision until two runs agree.
At a kink there are no second derivatives: refused, with the kink named."""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import sympy as sp

from ..core import arrays
from ..core.budget import CALL_SECONDS, DIGITS, OverTime, Unknown, known, time_limit
from ..core.errors import DeriveError, Domain, Spot, TooLarge
from ..model.exercise import HESSIAN_MAX_ELEMENTS, elements
from ..passes.stopgrad import frozen
from ..core.i18n import Msg
from ..core.evaluate import MP
from ..core.parser import symbol
from ..model.derivation import Diagnostic
from ..passes import graph, program
from ..passes.exact import admit, agrees, evaluated, tidy
from ..passes.reverse import mp_value, numeric_pass

HIGHER_PRECISIONS = (60, 150, 400, 1000)
MAX_ELEMENTS = HESSIAN_MAX_ELEMENTS


@dataclass
class Hessian:
    order: int
    elements: list[tuple[str, tuple]]     # (input, element index) per row and column
    exact: object                         # list of rows of SymPy numbers (order 2) or one number; Unknown
    value: object                         # list of rows of mpmath numbers (order 2) or one number
    checks: dict = field(default_factory=dict)    # method -> largest relative error against `value`

    @property
    def names(self) -> list[str]:
        return [arrays.element_name(x, i) for x, i in self.elements]


def hessian(d) -> Hessian:
    """The order-th derivative of the target at the point (d: a Derivation with order >= 2); a located error
    where the differences leave the domain or the magnitudes derive computes (2^(a^b) at a = 1 ± h, b = 1e308)."""
    try:
        return _hessian(d)
    except (TooLarge, Domain, ZeroDivisionError, ValueError, OverflowError) as e:
        raise DeriveError(Msg("err_order_beside", order=d.exercise.order, target=f'{d.target!r}', message=getattr(e, 'message', None) or e), _order_spot(d),
                          Msg("err_order_beside_fix")) from None


def _order_spot(d) -> Spot:
    """The `order =` line of the file (or the file alone where derive itself asked for the derivatives)."""
    spot = d.exercise.source.spot("gradient", "order")
    return spot if spot.line else Spot(file=d.exercise.path)


def _hessian(d) -> Hessian:
    order = d.exercise.order
    if d.kinks:
        k = d.kinks[0]
        raise DeriveError(Msg("err_second_kink", expr=k.expr, name=f'{k.node!r}'),
                          d.exercise.source.spot("formulas", k.node), Msg("err_second_kink_fix"))
    if order >= 3:
        return _higher(d, order)
    els = elements(d.exercise)
    held = frozen(d)                    # differences move the inputs, never what detach stops
    for dps in PRECISIONS:              # more digits where the gradient's terms dwarf the Hessian (cancellation)
        with mpmath.workdps(dps):
            steps = (mpmath.mpf(10) ** -(dps // 4), mpmath.mpf(10) ** -(dps // 4 + 10))
            (coarse, _), (estimate, scale) = (_by_differences(held, els, h) for h in steps)
            spread = max((_relative(a, b) for ra, rb in zip(coarse, estimate) for a, b in zip(ra, rb)), default=0)
            if spread <= mpmath.mpf(10) ** -(DIGITS + 5) and _round_off_covered(estimate, scale, steps[1]):
                break
    else:
        raise _unresolved(d, "the second derivatives")
    n = len(els)                        # H is symmetric: the two differences of each pair agree far past the
    with mpmath.workdps(dps):           # digits shown, and their mean is exactly symmetric
        value = [[(estimate[i][j] + estimate[j][i]) / 2 for j in range(n)] for i in range(n)]
        error = [[max(abs(coarse[i][j] - estimate[i][j]), abs(coarse[j][i] - estimate[j][i]))
                  + mpmath.mpf(10) ** -dps * scale / steps[1] for j in range(n)] for i in range(n)]
    exact = _exact_hessian(d, els, value)
    if known(exact):                    # an entry exactly 0 is shown as 0, not as the differences' error; one
        value = [[_decimal(e, v, err) for e, v, err in zip(er, vr, eg)]        # the differences saw as 0 but
                 for er, vr, eg in zip(exact, value, error)]                   # whose exact form is not, its digits
    else:
        value = _vanishing(d, els, value, error)
    h = Hessian(2, els, exact, value)
    h.checks["step_sizes"] = float(spread)
    return h


PRECISIONS = (200, 500, 1200)           # digits for the differences of the reverse pass


def _decimal(exact, value, error):
    """An entry's decimal beside its exact form: 0 where the form is 0; the form's own digits where the
    differences gave 0 or less than their error (every digit lost alike: σ'(1e308)); else the differences'."""
    if abs(value) > error:
        return value
    if _is_zero(exact):
        return mpmath.mpf(0)

    number = evaluated(exact)
    return value if number is None else number


def _is_zero(e) -> bool:
    """Whether an exact entry is 0, asked of SymPy (which may evaluate it) only within a call's time budget."""
    if e == 0:
        return True
    try:
        with time_limit(CALL_SECONDS):
            return e.is_zero is True
    except OverTime:
        return False


def _vanishing(d, els, value, error):
    """Without exact forms: an entry no larger than the error of the differences that give it (their
    truncation, bounded by the coarser step's, and round-off) is 0 as far as they can tell, so it is shown as 0
    with a warning, never as that error's digits (-4.2e-121 where the exact entry is 0)."""
    n, names = len(els), [arrays.element_name(x, i) for x, i in els]
    small = [(i, j) for i in range(n) for j in range(n) if value[i][j] != 0 and abs(value[i][j]) <= error[i][j]]
    if not small:
        return value
    bound = max(error[i][j] for i, j in small)
    entries = ", ".join(f"({names[i]}, {names[j]})" for i, j in small if i <= j)
    d.warnings.append(Diagnostic("hessian-vanishing", None, Msg("err_hessian_vanishing", entries=entries, bound=mpmath.nstr(bound, 2)),
                                 {"entries": entries, "bound": mpmath.nstr(bound, 2)}))
    return [[mpmath.mpf(0) if (i, j) in small else value[i][j] for j in range(n)] for i in range(n)]


def _unresolved(d, what: str) -> DeriveError:
    return DeriveError(Msg("err_hessian_cancels", what=what, target=f'{d.target!r}', digits=PRECISIONS[-1]), _order_spot(d),
                       Msg("err_hessian_cancels_fix"))


def _relative(a, b):
    return abs(a - b) / max(abs(b), mpmath.mpf(10) ** -(DIGITS + 10))


# -- the 30-digit numbers -----------------------------------------------------------------------------

def _point(d) -> dict:
    return {x: d.nodes[x].value for x in d.exercise.values}


def _forward(d, point: dict, A) -> dict:
    """Every node's value at `point` (inputs' mpmath values) at the current precision."""
    values = dict(point)
    for n in d.order:
        if n in d.exercise.formulas:
            prog, names = program.program_for(d.exercise.formulas[n].expr)
            value = program.run(prog, [values[p] for p in names], A)[-1]
            shape = d.exercise.formulas[n].shape
            values[n] = arrays.broadcast_to(value, shape) if shape and not arrays.shape_of(value) else value
    return values


def _gradient(d, point: dict) -> dict:
    """The reverse pass at `point`, at the current precision."""
    g = graph.build(d.exercise)
    run = numeric_pass(d.exercise, g, d.relevant, frozenset(), _forward(d, point, MP()))
    zero = mpmath.mpf(0)
    grads = {x: run.bars.get(x, arrays.broadcast_to(zero, d.nodes[x].shape) if d.nodes[x].shape else zero)
             for x in d.exercise.wrt}
    terms = [abs(v) for part in (run.values, run.bars) for value in part.values() for v in arrays.flat(value)
             if mpmath.isfinite(v)]
    return grads, max(terms, default=zero)


def _round_off_covered(estimate, scale, h) -> bool:
    """Whether round-off, at most 10^-dps × (the largest value or adjoint of the pass) / h per entry, stays
    below the digits shown of every entry (an entry of 0 against the largest entry, or 10^-60)."""
    noise = mpmath.mpf(10) ** -mpmath.mp.dps * scale / h
    largest = max((abs(v) for row in estimate for v in row), default=0)
    floor = mpmath.mpf(10) ** -(2 * DIGITS) * max(largest, 1)
    return all(noise <= mpmath.mpf(10) ** -(DIGITS + 5) * abs(v) + floor for row in estimate for v in row)


def _moved(point: dict, x: str, index: tuple, h):
    out = dict(point)
    if index:
        out[x] = point[x].copy()
        out[x][index] = point[x][index] + h
    else:
        out[x] = point[x] + h
    return out


def _element(value, index):
    return value[index] if index else value


def _by_differences(d, els, h) -> list[list]:
    """H by central differences of the reverse pass: column j from the gradients at x ± h e_j."""
    point = {x: mp_value(d.exercise.values[x]) for x in d.exercise.values}    # at this precision
    columns, scale = [], mpmath.mpf(0)
    for x, index in els:
        step = h * max(1, abs(_element(point[x], index)))      # relative to the input: 1e308 + h is not 1e308
        (plus, s1), (minus, s2) = (_gradient(d, _moved(point, x, index, sign * step)) for sign in (1, -1))
        scale = max(scale, s1 / step * h, s2 / step * h)
        columns.append([(_element(plus[y], i) - _element(minus[y], i)) / (2 * step) for y, i in els])
    return [[columns[j][i] for j in range(len(els))] for i in range(len(els))], scale      # rows


def _higher(d, order: int) -> Hessian:
    (x,) = d.exercise.wrt
    held = frozen(d)
    point = _point(held)

    def f(t):
        return _forward(held, {**point, x: t}, MP())[d.target]

    scale = max((abs(v) for n in held.order for v in arrays.flat(held.nodes[n].value) if mpmath.isfinite(v)),
                default=mpmath.mpf(1))
    previous = None
    for dps in HIGHER_PRECISIONS:       # mpmath.diff at rising precision until two runs agree, with its error
        with mpmath.workdps(dps):       # (about 10^-dps times the largest value of the graph) below the digits
            value = mpmath.diff(f, +point[x], order)
            covered = mpmath.mpf(10) ** -dps * scale <= mpmath.mpf(10) ** -(DIGITS + 5) * abs(value) \
                + mpmath.mpf(10) ** -(2 * DIGITS)
        if previous is not None and covered and _relative(value, previous) <= mpmath.mpf(10) ** -(DIGITS + 2):
            break
        previous = value
    else:
        raise _unresolved(d, f"the derivative of order {order}")
    exact = _exact_higher(d, x, order, value)
    return Hessian(order, [(x, ())], exact, value)


# -- exact values -------------------------------------------------------------------------------------

def _exact_hessian(d, els, value):
    if d.tensor:
        return Unknown("tensor")
    if any(x not in d.closed for x in d.exercise.wrt):
        return Unknown("size")

    rows = []
    for i, (x, _) in enumerate(els):
        row = []
        for j, (y, _) in enumerate(els):
            if j < i:                                   # symmetric: the upper triangle once
                row.append(rows[j][i])
                continue
            entry = _at_point(d, d.clock.run(sp.diff, d.closed[x], symbol(y)), value[i][j])
            if not known(entry):
                return entry
            row.append(entry)
        rows.append(row)
    return rows


def _exact_higher(d, x, order, value):
    if x not in d.closed:
        return Unknown("size")

    return _at_point(d, d.clock.run(sp.diff, d.closed[x], symbol(x), order - 1), value)


def _at_point(d, expr, value):
    """A closed-form derivative at the point, exact, tidied, and checked against its 30-digit value."""
    if not known(expr):
        return expr
    point = {symbol(n): d.nodes[n].exact for n in d.exercise.values}
    if not all(known(v) for v in point.values()):
        return Unknown("parent")
    exact = admit(d.clock.run(lambda: tidy(expr.xreplace(point))), ())
    if known(exact):
        with mpmath.workdps(DIGITS + 20):
            number = evaluated(exact, DIGITS + 5, maxn=600)
            if number is None:
                return exact                      # too slow or too large to evaluate: nothing to compare, as
            if not agrees(number, value):         # exact.check_agreement does for gradients
                raise DeriveError(Msg("err_order_disagree", order=d.exercise.order, exact=mpmath.nstr(number, 8), numeric=mpmath.nstr(value, 8)), _order_spot(d),
                                  Msg("err_moderate_fix"))
    return exact
