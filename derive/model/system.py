"""Linear systems: equations parsed safely into A x = b, and their exact analysis in SymPy."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import mpmath
import sympy as sp

from ..core.errors import DeriveError, Spot, TooLarge
from ..core.parser import parse, symbol
from ..core.i18n import Listing, Msg
from ..core.evaluate import evaluate

METHODS = ("gradient-descent", "momentum", "nesterov", "conjugate-gradient", "adam")
MAX_EXACT = 40            # unknowns beyond which SymPy's exact analysis is skipped (rational LU is O(n^3) big numbers)


@dataclass
class Equation:
    text: str
    lhs: sp.Expr
    rhs: sp.Expr
    line: int | None = None


@dataclass
class Solver:
    """The [solver] table: method, tolerance on the relative residual, iteration cap, step size."""

    method: str = "gradient-descent"
    tolerance: float = 1e-10
    max_iterations: int = 100_000
    learning_rate: float | None = None    # None: "auto", chosen from the spectrum of A^T A


@dataclass
class System:
    """A x = b with exact (SymPy) entries."""

    unknowns: list[str]
    equations: list[Equation]
    A: sp.Matrix
    b: sp.Matrix
    solver: Solver = field(default_factory=Solver)
    variants: dict = field(default_factory=dict)     # the [variants] table, checked by derive.variants


@dataclass
class Analysis:
    """What exact arithmetic says about A x = b."""

    rank: int
    rank_augmented: int
    classification: str                  # unique | none | infinite
    exact: dict[str, sp.Expr] | None
    least_squares: dict[str, sp.Expr] | None     # when inconsistent: the minimum-norm least-squares solution
    minimum_norm: dict[str, sp.Expr] | None      # when underdetermined: the minimum-norm solution
    free: list[str]                              # unknowns left free (infinite solutions)
    singular_values: list[float]
    condition_number: float                      # of A (2-norm); inf when rank-deficient
    L: float                                     # largest eigenvalue of A^T A
    mu: float                                    # smallest nonzero eigenvalue of A^T A
    float64: str | None = None                   # "numerically-singular": float64 cannot solve it (κ ≥ 1/ε)


# -- reading ---------------------------------------------------------------------------------------

def _where(source, text: str) -> tuple[int | None, int | None, str | None]:
    """Line, column and line text of a quoted string in the file."""
    for number, line in enumerate(source.lines, 1):
        for quote in ('"', "'"):
            at = line.find(quote + text + quote)
            if at >= 0:
                return number, at + 2, line
    return source.spot("", "equations").line, None, None


def _error(source, text: str, message: Msg, column: int | None = None, hint: Msg | None = None):
    line, start, line_text = _where(source, text)
    col = None if column is None else (start + column - 1 if start else column)
    return DeriveError(message, Spot(source.path, line, col, line_text if start else text), hint)


def _equation(text, source) -> Equation:
    if not isinstance(text, str):
        raise DeriveError(Msg("err_string", key='each equation'), source.spot("", "equations"), Msg("err_equation_fix"))
    if text.count("=") != 1:
        column = text.index("=", text.index("=") + 1) + 1 if text.count("=") > 1 else None
        raise _error(source, text, Msg("err_equation_equals", text=repr(text)), column, Msg("err_equation_equals_fix"))
    left, right = text.split("=")
    sides = []
    for part, offset in ((left, 0), (right, len(left) + 1)):
        if not part.strip():
            raise _error(source, text, Msg("err_equation_side", text=repr(text)), offset + 1)
        try:
            sides.append(parse(part).expr)
        except DeriveError as e:
            raise _error(source, text, Msg("err_in_equation", text=repr(text), message=e.message),
                         None if e.spot.column is None else e.spot.column + offset, e.hint) from None
    line, _, _ = _where(source, text)
    return Equation(text, sides[0], sides[1], line)


def _unknowns(data, equations, source) -> list[str]:
    seen = list(dict.fromkeys(s.name for eq in equations
                              for s in sorted((eq.lhs - eq.rhs).free_symbols, key=lambda s: _first(eq.text, s.name))))
    if "unknowns" not in data:
        return seen
    names = data["unknowns"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise DeriveError(Msg("err_unknowns_list"), source.spot("", "unknowns"),
                          Msg("err_unknowns_fix"))
    if len(set(names)) != len(names):
        raise DeriveError(Msg("err_unknown_twice"), source.spot("", "unknowns"))
    for n in names:
        if n not in seen:
            raise DeriveError(Msg("err_unknown_unused", name=f'{n!r}'), source.spot("", "unknowns"),
                              Msg("err_unknown_unused_fix"))
    for n in seen:
        if n not in names:
            eq = next(e for e in equations if symbol(n) in (e.lhs - e.rhs).free_symbols)
            raise _error(source, eq.text, Msg("err_not_unknown", name=repr(n), text=repr(eq.text), names=Listing(names)),
                         _first(eq.text, n) + 1, Msg("err_not_unknown_fix"))
    return names


def _first(text: str, name: str) -> int:
    m = re.search(rf"(?<![\w\\]){re.escape(name)}(?!\w)", text)
    return m.start() if m else len(text)


def matrix_form(equations: list[Equation], unknowns: list[str], source) -> tuple[sp.Matrix, sp.Matrix]:
    """A and b from the equations, refusing any equation that is not linear in the unknowns."""
    xs = [symbol(u) for u in unknowns]
    rows, rhs = [], []
    for eq in equations:
        expr = sp.expand(eq.lhs - eq.rhs)
        row = [sp.diff(expr, x) for x in xs]
        for x, coefficient in zip(xs, row):
            if coefficient.free_symbols:
                raise _error(source, eq.text, Msg("err_not_linear_coefficient", text=repr(eq.text), x=x,
                                                  coefficient=coefficient), _first(eq.text, x.name) + 1,
                             Msg("err_not_linear_fix"))
        constant = expr.subs({x: 0 for x in xs})
        if constant.free_symbols or sp.expand(expr - sum(c * x for c, x in zip(row, xs)) - constant) != 0:
            raise _error(source, eq.text, Msg("err_not_linear", text=repr(eq.text)), None, Msg("err_not_linear_fix"))
        for x, coefficient in [*zip(xs, row), (None, constant)]:
            _check_coefficient(coefficient, x, eq, source)
        rows.append(row)
        rhs.append(-constant)
    return sp.Matrix(rows), sp.Matrix(rhs)


def _check_coefficient(value: sp.Expr, x, eq: Equation, source):
    """A coefficient the float64 solvers can hold: computed under derive's limits, within ±1.8e308."""
    what = Msg("err_coefficient_of", x=x) if x is not None else Msg("err_constant_term")
    try:
        with mpmath.workdps(30):
            number = evaluate(value, {})
    except TooLarge as e:
        raise _error(source, eq.text, Msg("err_coefficient_too_large", text=repr(eq.text), what=what, why=e.message),
                     None, Msg("err_coefficient_range_fix")) from None
    if abs(number) > MAX_COEFFICIENT:
        raise _error(source, eq.text, Msg("err_coefficient_huge", text=repr(eq.text), what=what,
                                          value=mpmath.nstr(number, 4), limit=f"{MAX_COEFFICIENT:.0e}"), None,
                     Msg("err_coefficient_huge_fix"))


MAX_COEFFICIENT = 1e150          # its square, in AᵀA, still fits in float64 (±1.8e308)


def _solver(data: dict, source) -> Solver:
    table = data.get("solver", {})
    if not isinstance(table, dict):
        raise DeriveError(Msg("err_solver_table"), source.spot("", "solver"), Msg("err_solver_table_fix"))
    s = Solver()
    for key, value in table.items():
        spot = source.spot("solver", key)
        if key == "method":
            if value not in METHODS:
                raise DeriveError(Msg("err_method", name=f'{value!r}'), spot, Msg("err_methods_fix", names=', '.join(METHODS)))
            s.method = value
        elif key == "tolerance":
            if not isinstance(value, (int, Decimal)) or not 0 < value < 1:
                raise DeriveError(Msg("err_tolerance"), spot, Msg("err_tolerance_fix"))
            s.tolerance = float(value)
        elif key == "max_iterations":
            if type(value) is not int or not 1 <= value <= 10_000_000:
                raise DeriveError(Msg("err_max_iterations"), spot)
            s.max_iterations = value
        elif key == "learning_rate":
            if value == "auto":
                s.learning_rate = None
            elif isinstance(value, (int, Decimal)) and value > 0:
                s.learning_rate = float(value)
            else:
                raise DeriveError(Msg("err_solver_rate"), spot)
        else:
            raise DeriveError(Msg("err_solver_setting", name=f'{key!r}'), spot,
                              Msg("err_solver_settings_fix"))
    return s


def system_of(data: dict, source) -> System:
    """The `kind = "linear-system"` tables, checked, as a System."""
    texts = data.get("equations")
    if not isinstance(texts, list) or not texts:
        raise DeriveError(Msg("err_no_equations"),
                          source.spot("", "equations") if "equations" in data else Spot(file=source.path),
                          Msg("err_no_equations_fix"))
    equations = [_equation(t, source) for t in texts]
    unknowns = _unknowns(data, equations, source)
    if not unknowns:
        raise DeriveError(Msg("err_no_unknowns"), source.spot("", "equations"))
    A, b = matrix_form(equations, unknowns, source)
    variants = data.get("variants", {})
    if not isinstance(variants, dict):
        raise DeriveError(Msg("err_table", key='variants', key2='variants'), source.spot("", "variants"))
    return System(unknowns, equations, A, b, _solver(data, source), variants)


# -- exact analysis -------------------------------------------------------------------------------

def _spectrum(A: sp.Matrix) -> list[float]:
    """Singular values of A, largest first (mpmath at 30 digits)."""
    with mpmath.workdps(30):
        M = mpmath.matrix([[mpmath.mpf(sp.N(v, 40)) for v in row] for row in A.tolist()])
        s = mpmath.svd_r(M, compute_uv=False)
        return sorted((float(v) for v in s), reverse=True)


def _named(unknowns, vector) -> dict[str, sp.Expr]:
    return {u: sp.nsimplify(v) if v.is_Float else sp.simplify(v) for u, v in zip(unknowns, vector)}


def analyse(system: System) -> Analysis:
    """Ranks, the classification, the exact / least-squares / minimum-norm solution, the conditioning."""
    A, b, names = system.A, system.b, system.unknowns
    rank, rank_aug = A.rank(), A.row_join(b).rank()
    n = len(names)
    if rank < rank_aug:
        kind = "none"
    else:
        kind = "unique" if rank == n else "infinite"
    exact = least = minimum = None
    free: list[str] = []
    if kind == "unique":
        exact = _named(names, (A.T * A).LUsolve(A.T * b) if A.rows > n else A.LUsolve(b))
    else:
        pinv = A.pinv() * b
        if kind == "none":
            least = _named(names, pinv)
        else:
            minimum = _named(names, pinv)
            solution, params = A.gauss_jordan_solve(b)
            free = [names[i] for i in range(n) if solution[i] in set(params)]
    sv = _spectrum(A)
    nonzero = [s for s in sv if s > 1e-12 * sv[0]] if sv and sv[0] > 0 else []
    kappa = sv[0] / sv[-1] if sv and sv[-1] > 1e-12 * sv[0] and len(sv) == n else float("inf")
    L = sv[0] ** 2 if sv else 0.0
    mu = nonzero[-1] ** 2 if nonzero else 0.0
    return Analysis(rank, rank_aug, kind, exact, least, minimum, free, sv, kappa, L, mu,
                    _float64_verdict(A, rank, sv))


EPSILON = 2.0 ** -52            # float64's machine epsilon


def _float64_verdict(A: sp.Matrix, rank: int, sv: list[float]) -> str | None:
    """"numerically-singular" when float64 cannot tell A from a singular matrix: its rank drops once the
    entries are rounded to float64, or κ(A) restricted to its rank reaches 1/ε."""
    import numpy as np

    rounded = np.array([[float(v) for v in row] for row in A.tolist()], dtype=np.float64)
    if rank and np.linalg.matrix_rank(rounded) < rank:
        return "numerically-singular"
    kept = sv[:rank]
    if kept and kept[-1] > 0 and kept[0] / kept[-1] >= 1 / EPSILON:
        return "numerically-singular"
    return None


def residual_text(system: System) -> list[sp.Expr]:
    """The residuals r_i = (A x - b)_i in the unknowns."""
    xs = sp.Matrix([symbol(u) for u in system.unknowns])
    return list(system.A * xs - system.b)
