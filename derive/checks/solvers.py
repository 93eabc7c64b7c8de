"""Iterative solvers for A x = b in torch: minimise f(x) = ½‖Ax − b‖² by its gradient Aᵀ(Ax − b)."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from ..core.parser import symbol
from ..engine import derive
from ..model.exercise import Formula, GradientExercise, Source
from ..model.system import METHODS, residual_text
from .numeric import TOL, check_gradients

ADAM_RATE = 0.1           # Adam's default-style step for this problem size (a teaching comparison, not tuned)
HISTORY_CAP = 2000        # residuals kept for the plot (evenly thinned, first and last kept)


@dataclass
class Step:
    """The step size and momentum a method uses, and the reason for them."""

    rate: float
    beta: float | None
    rule: str                    # why this step: report.i18n's cli_reason_<rule> says it
    rho: float | None            # the theoretical contraction factor per iteration, when known
    bound: int | None            # iterations the theory guarantees for the tolerance (gradient descent)
    estimate: int | None = None  # iterations the asymptotic rate suggests (momentum, Nesterov): no guarantee


@dataclass
class Run:
    """One method's solve: the answer, how many iterations, whether it met the tolerance, its history."""

    method: str
    solution: list[float]
    iterations: int
    converged: bool
    residual: float                       # final relative residual ‖Ax − b‖ / ‖b‖
    step: Step
    history: list[tuple[int, float]] = field(default_factory=list)   # (iteration, relative residual)
    seconds: float = 0.0
    diverged: bool = False
    criterion: str = "residual"           # what `residual` measures: "residual" or "gradient" (least squares)


def _bound(rho: float | None, tol: float, spread: float) -> int | None:
    """Iterations after which the stopping measure is at most tol, when it is at most spread · ρ^k:
    the relative residual ‖Ax_k − b‖/‖b‖ ≤ κ(A) ρ^k from x_0 = 0; the relative gradient
    ‖Aᵀ(Ax_k − b)‖/‖Aᵀb‖ ≤ κ(A)² ρ^k."""
    if rho is None or not 0 < rho < 1 or not math.isfinite(spread):
        return None
    return max(0, math.ceil(math.log(tol / spread) / math.log(rho)))


def step_for(method: str, L: float, mu: float, kappa_A: float, tol: float, rate: float | None = None) -> Step:
    """The step size (and momentum) from the spectrum of AᵀA, L = λmax and μ = λmin, with its reason.
    `kappa_A` is the spread of the stopping measure for the bound (see _bound)."""
    kappa = L / mu if mu > 0 else math.inf
    q = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1) if mu > 0 else None
    if rate is not None:
        rho = max(abs(1 - rate * L), abs(1 - rate * mu)) if method == "gradient-descent" else None
        return Step(rate, None, "file", rho, _bound(rho, tol, kappa_A))
    if method == "gradient-descent":
        if mu > 0:
            rho = (kappa - 1) / (kappa + 1)
            return Step(2 / (L + mu), None, "optimal", rho,
                        _bound(rho, tol, kappa_A))
        return Step(1 / L, None, "singular", None, None)
    if method == "momentum":
        if mu > 0:
            return Step(4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, q * q, "heavy-ball", q, None, _bound(q, tol, kappa_A))
        return Step(1 / L, 0.9, "heavy-ball-singular", None, None)
    if method == "nesterov":
        rho = math.sqrt(1 - 1 / math.sqrt(kappa)) if mu > 0 else None
        return Step(1 / L, q if q is not None else 0.9, "nesterov", rho,
                    None, _bound(rho, tol, kappa_A))
    if method == "conjugate-gradient":
        return Step(math.nan, None, "cg", None, None)
    if method == "adam":
        return Step(ADAM_RATE, 0.9, "adam", None, None)
    raise ValueError(method)


def _thin(history: list, cap: int = HISTORY_CAP) -> list:
    if len(history) <= cap:
        return history
    step = len(history) / (cap - 1)
    kept = [history[round(i * step)] for i in range(cap - 1)]
    return kept + [history[-1]] if kept[-1] != history[-1] else kept


def solve(method: str, A, b, step: Step, tol: float, max_iterations: int, criterion: str = "residual") -> Run:
    """Run one method from x = 0 until ‖Ax − b‖/‖b‖ ≤ tol (or, for a system without solution, where the
    residual cannot vanish, ‖Aᵀ(Ax − b)‖/‖Aᵀb‖ ≤ tol), or max_iterations, or divergence."""
    import torch

    def measure(r):
        v = A.T @ r if criterion == "gradient" else r
        return float(torch.linalg.vector_norm(v)) / scale

    x = torch.zeros(A.shape[1], dtype=A.dtype)
    scale = float(torch.linalg.vector_norm(A.T @ b if criterion == "gradient" else b)) or 1.0
    r = A @ x - b
    rel = measure(r)
    history = [(0, rel)]
    start = time.perf_counter()
    state = _init(method, A, b, x, r)
    k = 0
    diverged = False
    while rel > tol and k < max_iterations:
        x, r = _update(method, A, b, x, r, step, state, k)
        k += 1
        rel = measure(r)
        history.append((k, rel))
        if not math.isfinite(rel) or rel > 1e12:
            diverged = True
            break
    seconds = time.perf_counter() - start
    return Run(method, [float(v) for v in x], k, rel <= tol, rel, step, _thin(history), seconds, diverged, criterion)


def _init(method, A, b, x, r):
    import torch

    if method == "conjugate-gradient":
        g = A.T @ r                      # CG on the normal equations AᵀA x = Aᵀb (CGNR)
        return {"g": g, "d": -g, "gg": float(g @ g)}
    if method == "adam":
        return {"m": torch.zeros_like(x), "v": torch.zeros_like(x)}
    return {"previous": x.clone()}


def _update(method, A, b, x, r, step: Step, state, k):
    """One iteration; returns the new x and its residual Ax − b."""
    import torch

    if method == "gradient-descent":
        x = x - step.rate * (A.T @ r)
    elif method == "momentum":
        x, state["previous"] = x - step.rate * (A.T @ r) + step.beta * (x - state["previous"]), x
    elif method == "nesterov":
        y = x + step.beta * (x - state["previous"])
        state["previous"] = x
        x = y - step.rate * (A.T @ (A @ y - b))
    elif method == "conjugate-gradient":
        d, g = state["d"], state["g"]
        Ad = A @ d
        dAAd = float(Ad @ Ad)
        if dAAd == 0.0:
            return x, r
        alpha = state["gg"] / dAAd
        x = x + alpha * d
        r = r + alpha * Ad
        g = A.T @ r
        gg = float(g @ g)
        state.update(g=g, d=-g + (gg / state["gg"]) * d if state["gg"] else -g, gg=gg)
        return x, r
    elif method == "adam":
        g = A.T @ r
        state["m"] = 0.9 * state["m"] + 0.1 * g
        state["v"] = 0.999 * state["v"] + 0.001 * g * g
        m_hat = state["m"] / (1 - 0.9 ** (k + 1))
        v_hat = state["v"] / (1 - 0.999 ** (k + 1))
        x = x - step.rate * m_hat / (torch.sqrt(v_hat) + 1e-12)
    return x, A @ x - b


# -- the whole study of one system ----------------------------------------------------------------

GRADIENT_CHECK_MAX = 12   # unknowns up to which the engine derives ∇f symbolically


@dataclass
class GradientCheck:
    """∇f derived by derive's engine, compared with Aᵀ(Ax − b) exactly and with autograd."""

    point: dict[str, int]
    engine: dict[str, object]            # unknown -> closed form from the engine
    matches_formula: bool                # engine == Aᵀ(Ax − b), symbolically
    autograd_agrees: bool


@dataclass
class Study:
    """Every method on one system, the gradient check, and what a too-large step does."""

    runs: dict[str, Run]
    divergence: Run | None
    gradient: GradientCheck | None
    dtype: str = "float64"
    skipped: str | None = None            # why no iterative method ran ("numerically-singular")


def objective_exercise(system, point: dict[str, int]):
    """f(x) = ½ Σ r_i², r_i = (Ax − b)_i, as a gradient exercise the engine can differentiate."""
    import sympy as sp

    taken = set(system.unknowns)
    prefix = next(p for p in ("r", "res", "residual_") if not any(n.startswith(p) for n in taken))
    f_name = next(n for n in ("f", "objective", "f_objective") if n not in taken)
    formulas = {}
    for i, r in enumerate(residual_text(system), 1):
        name = f"{prefix}{i}"
        formulas[name] = Formula(name, str(r), r, {u: 1 for u in system.unknowns}, None)
    total = sp.Rational(1, 2) * sp.Add(*[symbol(n) ** 2 for n in formulas])
    formulas[f_name] = Formula(f_name, str(total), total, {n: 1 for n in formulas}, None)
    values = {u: sp.Integer(point[u]) for u in system.unknowns}
    return GradientExercise("<objective>", None, None, values, formulas, f_name, list(system.unknowns),
                            Source("<objective>", ""))


def check_gradient(system) -> GradientCheck:
    """Differentiate f with the engine; compare with Aᵀ(Ax − b) symbolically and with torch autograd."""
    import sympy as sp

    point = {u: i + 1 for i, u in enumerate(system.unknowns)}
    d = derive(objective_exercise(system, point))
    xs = sp.Matrix([symbol(u) for u in system.unknowns])
    formula = system.A.T * (system.A * xs - system.b)
    engine = {u: d.gradients[u].expression for u in system.unknowns}
    matches = all(e is not None and sp.expand(e - formula[i]) == 0 for i, e in enumerate(engine.values()))
    checks = check_gradients(d)
    agrees = all(c.errors["float64"] is not None and c.errors["float64"] <= TOL["float64"]
                 for c in checks.checks.values())
    return GradientCheck(point, engine, matches, agrees)


def study(system, analysis, methods=None, with_gradient=True) -> Study:
    """Solve with every method in float64 and show a step past 2/L diverging."""
    import torch

    gradient = check_gradient(system) if with_gradient and len(system.unknowns) <= GRADIENT_CHECK_MAX else None
    if analysis.float64 is not None:       # float64 cannot tell A from a singular matrix: any answer is noise
        return Study({}, None, gradient, skipped=analysis.float64)
    A = torch.tensor([[float(v) for v in row] for row in system.A.tolist()], dtype=torch.float64)
    b = torch.tensor([float(v) for v in system.b], dtype=torch.float64)
    criterion = "gradient" if analysis.classification == "none" else "residual"
    return study_tensors(A, b, analysis.L, analysis.mu, analysis.condition_number, system.solver,
                         methods or METHODS, gradient, criterion)


def study_tensors(A, b, L, mu, kappa_A, solver, methods, gradient=None, criterion="residual") -> Study:
    runs = {}
    for method in methods:
        rate = solver.learning_rate if method == solver.method else None
        spread = kappa_A if criterion == "residual" else kappa_A**2
        step = step_for(method, L, mu, spread, solver.tolerance, rate)
        runs[method] = solve(method, A, b, step, solver.tolerance, solver.max_iterations, criterion)
    divergence = None
    if L > 0:
        too_big = Step(2.1 / L, None, "too-big", 1.1, None)     # |1 − 2.1| along the top eigenvector
        divergence = solve("gradient-descent", A, b, too_big, solver.tolerance, 60, criterion)
    return Study(runs, divergence, gradient)


# -- random systems -------------------------------------------------------------------------------

def random_system(n: int, seed: int = 0):
    """A strictly diagonally dominant integer matrix (so invertible and well conditioned, κ ≤ 3),
    an integer solution in [−9, 9], and b = A x: (A, b, x) as float64 tensors."""
    import torch

    g = torch.Generator().manual_seed(seed)
    R = torch.randint(-1, 2, (n, n), generator=g).to(torch.float64)
    R.fill_diagonal_(0)
    A = R + torch.diag(torch.full((n,), 2.0 * n))
    x = torch.randint(-9, 10, (n,), generator=g).to(torch.float64)
    return A, A @ x, x


def study_random(n: int, seed: int, solver, methods):
    """Every method on a random n × n system; its spectrum from torch (the exact answer is known)."""
    import torch

    A, b, x = random_system(n, seed)
    s = torch.linalg.svdvals(A)
    L, mu = float(s[0]) ** 2, float(s[-1]) ** 2
    kappa = float(s[0] / s[-1])
    return A, x, kappa, L, mu, study_tensors(A, b, L, mu, kappa, solver, methods)
