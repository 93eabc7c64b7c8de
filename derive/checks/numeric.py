"""Numeric checks beside the exact derivatives: torch autograd (float32, float64) and finite differences.

Tolerances (documented in docs/commands.md): autograd float64 agrees when its relative error against the exact
value is <= 1e-10, float32 when <= 1e-4; the best central difference agrees when <= 1e-6. Relative
errors become absolute when |exact| < 1e-300.

A scalar graph of element-wise ops runs level by level (derive.levels: one torch call per shape and
depth, all nodes held as one matrix); anything else runs formula by formula, where finite differences
evaluate only the nodes downstream of the inputs they perturb and free each node's values once nothing
needs them. Either way they run in chunks whose memory is bounded (budget.FD_MAX_MEMORY). Past
budget.FD_MAX_INPUTS inputs (elements of tensors count one each), a seeded sample is checked one by one
and the whole gradient is checked along budget.FD_DIRECTIONS random directions, as gradcheck's fast mode.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import reduce

import mpmath
import numpy as np
import sympy as sp

from ..core import arrays
from ..passes import levels
from ..core.budget import FD_DIRECTIONS, FD_MAX_INPUTS, FD_MAX_MEMORY
from ..model.derivation import Derivation, Diagnostic
from ..core.evaluate import Torch, evaluate
from ..passes.program import program_for, run
from ..passes.stopgrad import frozen
from ..core.ops import op_of, sigmoid
from ..core.i18n import Listing, Msg, columns, said, t
from ..passes.graph import reach
from .diagnose import node_diagnostics, underflow

STEPS = [10.0 ** -k for k in range(1, 13)]
TOL = {"float64": 1e-10, "float32": 1e-4, "finite_differences": 1e-6}
CONVENTIONS = ("relu", "clamp", "maximum")


@dataclass
class FiniteDifferences:
    steps: list[float]
    forward: list[float]              # float64 estimates, one per step
    central: list[float]
    central32: list[float]            # float32 central differences
    richardson: float | None          # extrapolated from central steps above the round-off floor
    best_forward: tuple[float, float] | None = None   # (step, value) closest to the exact value
    best_central: tuple[float, float] | None = None


@dataclass
class Check:
    """One input's (or one element's) derivative four ways, with errors against the exact value and a verdict."""

    wrt: str
    exact: float | None               # None when undefined (a kink)
    autograd: dict[str, float]        # dtype -> value
    fd: FiniteDifferences | None      # None when the element was not in the finite-difference sample
    errors: dict[str, float | None]   # method -> relative error (absolute near zero)
    verdict: Msg | Listing
    conventions: dict[str, float] | None = None    # at a kink: gradient per torch formulation
    element: tuple = ()               # the element of a tensor input
    beyond: str | None = None         # an exact value past float64's range, in scientific form (`exact` is ±inf)


@dataclass
class Directional:
    """The whole gradient checked along one random direction u: the central difference of f(x + h u)
    against the exact ⟨∇f, u⟩."""

    seed: int
    exact: float
    central: list[float]
    best: tuple[float, float] | None
    error: float | None


@dataclass
class Checks:
    checks: dict[str, Check]                       # name (tensors: name[i, j]) -> check
    values: dict[str, float]                       # dtype -> target value
    warnings: list[Diagnostic] = field(default_factory=list)
    nodes: dict[str, dict[str, object]] = field(default_factory=dict)   # dtype -> node -> value in torch
    autograd: dict[str, dict[str, object]] = field(default_factory=dict)  # dtype -> input -> gradient (arrays)
    directional: list[Directional] = field(default_factory=list)
    sampled: bool = False                          # True when only a sample was checked one by one
    elements: int = 0                              # how many scalar inputs the gradient has
    held: int = 0                                  # most float elements one finite-difference chunk held
    hessian: dict = field(default_factory=dict)    # method -> largest relative error of second derivatives

    def table(self, lang: str = "en") -> str:
        """Exact, autograd and finite differences side by side (in `lang`; the JSON keeps English verdicts)."""
        head = [h.replace("_", " ") for h in columns(lang, "cli_g_header")]
        rows = [f"{head[0]:<10} {head[1]:>24} {head[2]:>24} {head[3]:>14} {head[4]:>14}  {head[5]}"]
        for key, c in self.checks.items():
            exact = t(lang, "cli_g_undefined") if c.exact is None else c.beyond or f"{c.exact:.16e}"
            central = "-" if c.fd is None or c.fd.best_central is None else f"{c.fd.best_central[1]:.6e}"
            verdict = said(c.verdict, lang)
            rows.append(f"{key:<10} {exact:>24} {c.autograd['float64']:>24.16e} {c.autograd['float32']:>14.6e} "
                        f"{central:>14}  {verdict}")
        for r in self.directional:
            rows.append(t(lang, "cli_g_direction", seed=r.seed, exact=f"{r.exact:.16e}", error=r.error,
                          central="-" if r.best is None else f"{r.best[1]:.6e}"))
        return "\n".join(rows)

    def assert_agree(self, float64: float = TOL["float64"], fd: float = TOL["finite_differences"]):
        """Raise AssertionError, showing the whole table, unless autograd and central differences agree."""
        bad = [k for k, c in self.checks.items()
               if c.exact is not None and not (_ok(c.errors["float64"], float64)
                                               and (c.fd is None or _ok(c.errors["central"], fd)))]
        bad += [f"direction {r.seed}" for r in self.directional if not _ok(r.error, fd)]
        if bad:
            raise AssertionError(f"gradients disagree for {', '.join(bad)}:\n{self.table()}")


def _ok(error, tol) -> bool:
    return error is not None and error <= tol


def relative_error(value: float | None, exact: float | None) -> float | None:
    """|value - exact| / |exact|, absolute when |exact| < 1e-300; None when either is missing."""
    if value is None or exact is None:
        return None
    if not math.isfinite(value):
        return math.inf
    return abs(value - exact) if abs(exact) < 1e-300 else abs(value - exact) / abs(exact)


# -- torch ---------------------------------------------------------------------------------------

def _as_float(value):
    return float(value) if not isinstance(value, np.ndarray) else np.array([float(v) for v in value.flat]).reshape(value.shape)


def _point(d: Derivation, dtype, device="cpu") -> dict:
    import torch

    return {n: torch.tensor(_as_float(node.value), dtype=dtype, device=device)
            for n, node in d.nodes.items() if node.kind == "input"}


def run_graph(d: Derivation, inputs: dict, backend, only: set | None = None, base: dict | None = None,
              free: bool = False, count=None) -> dict:
    """Every node's tensor, evaluated node by node through the registry. `only`: evaluate just these
    formulas, taking the others from `base`; `free`: drop a node's tensor once every user has run
    (the target stays); `count(elements)` sees how many elements are held after each node."""
    values = dict(inputs)
    last_use = _last_use(d) if free else {}
    held = sum(t.numel() for t in values.values()) if count else 0
    for i, n in enumerate(d.order):
        node = d.nodes[n]
        if node.kind != "formula" or (only is not None and n not in only):
            continue
        prog, names = program_for(node.expr)
        values[n] = run(prog, [values[p] if p in values else base[p] for p in names], backend)[-1]
        if node.shape and values[n].dim() < len(node.shape):
            values[n] = values[n].expand(*values[n].shape[:values[n].dim() - len(node.shape)], *node.shape)
        if count:
            held += values[n].numel()
        if free:
            for p in d.graph.predecessors(n):
                if last_use.get(p) == i and p != d.target and p in values and (only is None or p in only):
                    if count:
                        held -= values[p].numel()
                    del values[p]
        if count:
            count(held)
    return values


def _last_use(d: Derivation) -> dict[str, int]:
    """Each node's last user in evaluation order (computed once per derivation)."""
    if "last_use" not in d.memo:
        position = {n: i for i, n in enumerate(d.order)}
        d.memo["last_use"] = {n: max((position[c] for c in d.graph.successors(n)), default=-1) for n in d.order}
    return d.memo["last_use"]


def autograd(d: Derivation, dtype, ops=None, device="cpu") -> tuple[dict, dict]:
    """Every node's value and the target's gradient by torch.autograd.grad, in one dtype."""
    import torch

    plan = None if ops else levels.schedule(d)
    if plan is not None:
        return levels.autograd(plan, d, dtype, device)
    inputs = _point(d, dtype, device)
    for x in d.exercise.wrt:
        inputs[x].requires_grad_(True)
    nodes = run_graph(d, inputs, Torch(dtype, device, ops))
    values = {n: _numpy(t) for n, t in nodes.items()}
    target = nodes[d.target]
    if target.dim():
        raise ValueError("the target must be a scalar")
    wrt = [inputs[x] for x in d.exercise.wrt]
    if not target.requires_grad:                     # a constant target, e.g. x - x
        return values, {x: _numpy(torch.zeros_like(t)) for x, t in zip(d.exercise.wrt, wrt)}
    grads = torch.autograd.grad(target, wrt, allow_unused=True)
    return values, {x: _numpy(torch.zeros_like(t) if g is None else g) for x, g, t in zip(d.exercise.wrt, grads, wrt)}


def _numpy(t):
    t = t.detach().to("cpu")
    return float(t) if t.dim() == 0 else t.double().numpy()


# -- finite differences ----------------------------------------------------------------------------

def _downstream(d: Derivation, names) -> set[str]:
    return reach(d.graph, list(names))


def _targets(d: Derivation) -> list[tuple[str, tuple]]:
    """Every scalar input of the gradient: (input, element index)."""
    return [(x, index) for x in d.exercise.wrt for index in arrays.indices(d.nodes[x].shape)]


def sample(d: Derivation, seed: int = 0) -> tuple[list[tuple[str, tuple]], bool]:
    """The scalar inputs checked one by one: all of them, or a seeded sample of FD_MAX_INPUTS."""
    every = _targets(d)
    if len(every) <= FD_MAX_INPUTS:
        return every, False
    chosen = sorted(random.Random(seed).sample(range(len(every)), FD_MAX_INPUTS))
    return [every[i] for i in chosen], True


def _elements(d: Derivation, names) -> int:
    return sum(max(1, arrays.size_of(d.nodes[n].shape)) for n in names)


def finite_differences(d: Derivation, dtype, targets=None, counter=None) -> tuple[list[list[float]], list[list[float]]]:
    """Forward and central differences for every (input, element) and step: each chunk of inputs is one
    batched pass over the nodes downstream of it, with at most FD_MAX_MEMORY bytes of rows held."""
    import torch

    targets = targets if targets is not None else sample(d)[0]
    k = len(STEPS)
    plan = levels.schedule(d)
    held = _elements(d, d.order) + (plan.widest if plan else 0)    # per column: all nodes, and one group's rows
    chunk = max(1, min(len(targets), FD_MAX_MEMORY // max(2 * k * 8 * held, 1)))
    if plan is not None:
        base_inputs = levels.point(plan, d, torch.float64)
        f0 = float(levels.evaluate(plan, base_inputs.to(dtype), Torch(dtype))[plan.rows[d.target], 0])
    else:
        base_inputs = _point(d, dtype)
        base = run_graph(d, base_inputs, Torch(dtype))
        f0 = float(base[d.target])
    forward, central = [], []
    for start in range(0, len(targets), chunk):
        part = targets[start:start + chunk]
        f = _level_perturbed(d, plan, part, base_inputs, dtype, counter) if plan is not None else \
            _perturbed(d, part, base_inputs, base, dtype, counter)
        for j in range(len(part)):
            plus, minus = f[2 * k * j: 2 * k * j + k], f[2 * k * j + k: 2 * k * (j + 1)]
            forward.append([(p - f0) / h for p, h in zip(plus, STEPS)])
            central.append([(p - m) / (2 * h) for p, m, h in zip(plus, minus, STEPS)])
    return forward, central


def _perturbed(d, part, base_inputs, base, dtype, counter) -> list[float]:
    """The target at x ± h e for each (input, element) of `part` and each step: one pass, rows batched."""
    import torch

    k = len(STEPS)
    rows = 2 * k * len(part)
    h = torch.tensor(STEPS, dtype=torch.float64)
    moved = {}
    for j, (x, index) in enumerate(part):
        if x not in moved:
            moved[x] = base_inputs[x].to(torch.float64).expand(rows, *base_inputs[x].shape).clone()
        flat = moved[x].reshape(rows, -1)
        column = int(np.ravel_multi_index(index, d.nodes[x].shape)) if index else 0
        flat[2 * k * j: 2 * k * j + k, column] += h
        flat[2 * k * j + k: 2 * k * (j + 1), column] -= h
    moved = {x: t.to(dtype) for x, t in moved.items()}
    return _batched_target(d, moved, base, dtype, rows, counter)


def _level_perturbed(d, plan, part, base_inputs, dtype, counter) -> list[float]:
    """_perturbed for a scalar graph run by levels: one column per (input, sign, step)."""
    import torch

    k = len(STEPS)
    h = torch.tensor(STEPS, dtype=torch.float64)
    moved = base_inputs.expand(-1, 2 * k * len(part)).clone()
    for j, (x, _) in enumerate(part):
        moved[plan.rows[x], 2 * k * j: 2 * k * j + k] += h
        moved[plan.rows[x], 2 * k * j + k: 2 * k * (j + 1)] -= h
    values = levels.evaluate(plan, moved.to(dtype), Torch(dtype), counter)
    return values[plan.rows[d.target]].to(torch.float64).tolist()


def _batched_target(d, moved: dict, base: dict, dtype, rows: int, counter=None) -> list[float]:
    """The target for each row of the moved inputs (the other inputs and nodes fixed at `base`)."""
    import torch

    only = _downstream(d, moved)
    if d.target not in only:            # the target does not depend on these inputs
        return [float(base[d.target])] * rows
    count = counter if counter is not None else None
    if not d.tensor:                    # scalars: rows broadcast through element-wise ops as they are
        out = run_graph(d, moved, Torch(dtype), only, base, free=True, count=count)[d.target]
        out = out.to(torch.float64)
        return (out.expand(rows) if out.dim() == 0 else out).tolist()
    names = list(moved)

    def f(*xs):
        return run_graph(d, dict(zip(names, xs)), Torch(dtype), only, base, free=True)[d.target]

    if count:
        count(rows * _elements(d, only))
    try:
        out = torch.func.vmap(f)(*[moved[n] for n in names]).to(torch.float64)
    except RuntimeError:                # torch refused a moved value (binary_cross_entropy's target outside
        return [_one_row(f, [moved[n][r] for n in names]) for r in range(rows)]   # [0, 1]): row by row
    return out.tolist()


def _one_row(f, xs) -> float:
    """The target at one moved point, NaN where torch refuses the point (a difference there is not defined)."""
    try:
        return float(f(*xs))
    except RuntimeError:
        return math.nan


def _richardson(central: list[float]) -> float | None:
    """(100 D(h/10) - D(h)) / 99 over pairs of steps whose differences sit above the round-off floor
    (a step whose difference changed by less than round-off from the next is dominated by it): the
    estimate of the pair that agrees best with the next pair, and never worse than the central
    difference it starts from when no pair qualifies."""
    usable = _above_floor(central)
    estimates = [(100 * central[i + 1] - central[i]) / 99 for i in range(len(central) - 1)
                 if i in usable and i + 1 in usable]
    pairs = [(abs(p - q), q) for p, q in zip(estimates, estimates[1:]) if math.isfinite(p) and math.isfinite(q)]
    if pairs:
        return min(pairs)[1]
    return estimates[0] if estimates else next((central[i] for i in sorted(usable)), None)


def _above_floor(central: list[float]) -> set[int]:
    """Steps whose central difference is not dominated by round-off: the truncation error falls as h^2,
    so successive differences must shrink by about 100x; once they stop doing so, round-off has won."""
    usable = set()
    for i in range(len(central) - 2):
        a, b, c = central[i], central[i + 1], central[i + 2]
        if not all(math.isfinite(v) for v in (a, b, c)):
            break
        first, second = abs(a - b), abs(b - c)
        usable.add(i)
        if first == 0 or second > first / 10:
            break
        usable.add(i + 1)
    return usable or ({0} if central and math.isfinite(central[0]) else set())


def _best(values: list[float], exact: float | None) -> tuple[float, float] | None:
    if exact is None:
        return None
    candidates = [(relative_error(v, exact), h, v) for h, v in zip(STEPS, values) if math.isfinite(v)]
    return min(candidates)[1:] if candidates else None


def directional(d: Derivation, gradient: dict, count: int = FD_DIRECTIONS, counter=None) -> list[Directional]:
    """Central differences of f(x + h u) along `count` seeded random unit directions u over every input
    element, against the exact directional derivative ⟨∇f, u⟩: the whole gradient checked at the cost of
    2 x steps evaluations per direction, all directions and steps in one batched pass."""
    import torch

    k, wrt = len(STEPS), d.exercise.wrt
    sizes = [max(1, arrays.size_of(d.nodes[x].shape)) for x in wrt]
    total = sum(sizes)
    directions = np.random.default_rng(0).standard_normal((count, total))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    flat = np.concatenate([np.array([float(v) for v in arrays.flat(gradient[x])]) for x in wrt])
    exact = directions @ flat
    steps = np.array(STEPS)
    signs = np.concatenate([steps, -steps])                           # +h then -h, for each direction
    rows = 2 * k * count
    offsets = (directions[:, None, :] * signs[None, :, None]).reshape(rows, total)
    plan = levels.schedule(d)
    if plan is not None:                  # scalars run by levels: one column per direction, sign and step
        moved = levels.point(plan, d, torch.float64).expand(-1, rows).clone()
        moved[[plan.rows[x] for x in wrt]] += torch.from_numpy(offsets.T.copy())
        f = levels.evaluate(plan, moved, Torch(torch.float64), counter)[plan.rows[d.target]].tolist()
    else:
        base_inputs = _point(d, torch.float64)
        base = run_graph(d, base_inputs, Torch(torch.float64))
        moved, start = {}, 0
        for x, size in zip(wrt, sizes):
            shift = torch.from_numpy(offsets[:, start:start + size].copy())
            moved[x] = (base_inputs[x].reshape(1, -1).expand(rows, size) + shift).reshape(rows, *d.nodes[x].shape)
            start += size
        f = _batched_target(d, moved, base, torch.float64, rows, counter)
    out = []
    for j in range(count):
        plus, minus = f[2 * k * j: 2 * k * j + k], f[2 * k * j + k: 2 * k * (j + 1)]
        central = [(p - m) / (2 * h) for p, m, h in zip(plus, minus, STEPS)]
        best = _best(central, float(exact[j]))
        out.append(Directional(j, float(exact[j]), central, best, relative_error(best[1], float(exact[j])) if best else None))
    return out


# -- torch's conventions at a kink ------------------------------------------------------------------

FORMULATED = ("max", "min", "relu", "abs")    # kinks of the ops these conventions rewrite (never a where)

def conventions(d: Derivation) -> dict[str, dict[str, float]]:
    """At a kink: the float64 autograd gradient when max/min are written as users write them in torch:
    torch.relu, torch.clamp(x, min=c) with a number c, torch.maximum(x, y) (measured, never assumed)."""
    import torch

    def varying_first(xs):          # max(m, 0) as relu(m - 0) + 0, not relu(0 - m) + m
        return sorted(xs, key=lambda x: not x.requires_grad)

    def relu_max(*xs):
        xs = varying_first(xs)
        out = xs[0]
        for x in xs[1:]:
            out = torch.relu(out - x) + x
        return out

    def clamp_max(*xs):
        xs = varying_first(xs)
        out = xs[0]
        for x in xs[1:]:
            out = torch.clamp(out, min=float(x)) if not x.requires_grad else torch.clamp(out, min=x)
        return out

    def neg(f):
        return lambda *xs: -f(*[-x for x in xs])

    def maximum_max(*xs):
        return reduce(torch.maximum, xs)

    forms = {"relu": relu_max, "clamp": clamp_max, "maximum": maximum_max}
    out = {}
    for name, form in forms.items():
        ops = {"max": form, "min": neg(form), "relu": lambda x, f=form: f(x, torch.zeros_like(x))}
        out[name] = autograd(d, torch.float64, ops)[1]
    return {x: {name: out[name][x] for name in forms} for x in d.exercise.wrt}


# -- the comparison ------------------------------------------------------------------------------

def check_gradients(d: Derivation) -> Checks:
    """Autograd (float32, float64) and finite differences beside every exact gradient, with diagnostics."""
    import torch

    nodes64, auto64 = autograd(d, torch.float64)
    nodes32, auto32 = autograd(d, torch.float32)
    value64 = nodes64[d.target]
    targets, sampled = sample(d)
    held = [0]

    def counter(elements):
        held[0] = max(held[0], elements)

    moved = frozen(d)                    # finite differences move the inputs, never what detach stops
    fwd, cen = finite_differences(moved, torch.float64, targets, counter)
    _, cen32 = finite_differences(moved, torch.float32, targets)
    at_kink = conventions(d) if not d.tensor and any(g.kink and op_of(g.kink.expr) and op_of(g.kink.expr).name
                                                     in FORMULATED for g in d.gradients.values()) else {}
    exact = {x: d.gradients[x].value for x in d.exercise.wrt}
    checks = {}
    for j, (x, index) in enumerate(targets):
        g = d.gradients[x]
        e, beyond = _exact_float(_element(exact[x], index))
        fd = FiniteDifferences(STEPS, fwd[j], cen[j], cen32[j], _richardson(cen[j]),
                               _best(fwd[j], e), _best(cen[j], e))
        a64, a32 = _element(auto64[x], index), _element(auto32[x], index)
        errors = {"float64": relative_error(a64, e), "float32": relative_error(a32, e),
                  "forward": fd.best_forward and relative_error(fd.best_forward[1], e),
                  "central": fd.best_central and relative_error(fd.best_central[1], e),
                  "richardson": relative_error(fd.richardson, e)}
        key = arrays.element_name(x, index)
        checks[key] = Check(x, e, {"float32": a32, "float64": a64}, fd, errors,
                            _verdict(errors, e, value64, d, convention=g.convention, beyond=beyond),
                            at_kink.get(x) if g.kink and not d.tensor else None, index, beyond)
    for x in d.exercise.wrt:             # elements outside the sample: autograd only
        for index in arrays.indices(d.nodes[x].shape):
            key = arrays.element_name(x, index)
            if key in checks:
                continue
            e, beyond = _exact_float(_element(exact[x], index))
            a64, a32 = _element(auto64[x], index), _element(auto32[x], index)
            errors = {"float64": relative_error(a64, e), "float32": relative_error(a32, e),
                      "forward": None, "central": None, "richardson": None}
            checks[key] = Check(x, e, {"float32": a32, "float64": a64}, None, errors,
                                _verdict(errors, e, value64, d, sampled=True, beyond=beyond), None, index, beyond)
    usable = all(exact[x] is not None and not any(mpmath.isnan(v) for v in arrays.flat(exact[x])) for x in exact)
    directions = directional(moved, exact, counter=counter) if sampled and usable else []
    result = Checks(checks, {"float64": value64, "float32": nodes32[d.target]}, [],
                    {"float64": nodes64, "float32": nodes32}, {"float64": auto64, "float32": auto32},
                    directions, sampled, len(_targets(d)), held[0])
    result.warnings = diagnostics(d, result, nodes64, nodes32)
    if d.hessian is not None:
        result.hessian = torch_checks(d, d.hessian)
    return result


def _element(value, index):
    if value is None:
        return None
    return value[index] if index else value


def _exact_float(value) -> tuple[float | None, str | None]:
    """An exact element as the float the checks compare (None where undefined), and, for a finite value past
    float64's range, its own digits in scientific form (the float is then ±inf: never shown as the value)."""
    if value is None or mpmath.isnan(value):
        return None, None
    number = float(value)
    if math.isinf(number) and mpmath.isfinite(value):
        return number, mpmath.nstr(value, 17, min_fixed=1, max_fixed=0)
    return number, None


def _verdict(errors, exact, value64, d: Derivation, sampled: bool = False, convention=None,
             beyond: str | None = None) -> Msg | Listing:
    """What the comparison says: autograd's part and finite differences', each a catalog sentence."""
    if exact is None:
        return Msg("err_v_kink")
    if beyond is not None:
        return Msg("err_v_overflows")
    auto = Msg("err_v_agrees" if _ok(errors["float64"], TOL["float64"]) else "err_v_disagrees")
    if sampled:
        fd = Msg("err_v_sample")
    elif _ok(errors["central"], TOL["finite_differences"]):
        fd = Msg("err_v_fd_agree")
    elif convention:
        fd = Msg("err_v_straddle")
    elif value64 == 0.0 and float(d.nodes[d.target].value) != 0.0:
        fd = Msg("err_v_rounds", target=d.target)
    else:
        fd = Msg("err_v_resolve")
    return Listing((auto, fd), "list_semicolon")


def autograd_agrees(c: Check) -> bool:
    """Whether the check's verdict says autograd got this element right."""
    return isinstance(c.verdict, Listing) and c.verdict.items[0] == Msg("err_v_agrees")


# -- diagnostics in plain words ------------------------------------------------------------------

def diagnostics(d: Derivation, checks: Checks, v64: dict, v32: dict) -> list[Diagnostic]:
    """Saturation, overflow, rounding to zero, cancellation and float32 underflow (diagnose.py), from the node
    values the float64 and float32 autograd runs computed, and a stable rewrite of log σ(z)."""
    grads32 = {key: c.autograd["float32"] for key, c in checks.checks.items()}
    exact = {key: c.exact for key, c in checks.checks.items()}
    wrt = {key: c.wrt for key, c in checks.checks.items()}
    return node_diagnostics(d, v64, v32) + underflow(d, exact, grads32, wrt) + _stable_rewrites(d)


def _stable_rewrites(d: Derivation) -> list[Diagnostic]:
    """log(sigmoid(z)) written either way: show -softplus(-z), torch's logsigmoid, and its values."""
    import torch

    w = sp.Wild("w")
    out = []
    for n in d.order:
        expr = d.nodes[n].expr
        if not isinstance(expr, sp.log) or d.nodes[n].shape:
            continue
        inner = expr.args[0]
        if inner.is_Symbol and d.nodes.get(inner.name) and d.nodes[inner.name].kind == "formula":
            inner = d.nodes[inner.name].expr
        z = inner.args[0] if isinstance(inner, sigmoid) else (inner.match(1 / (1 + sp.exp(-w))) or {}).get(w)
        if z is None or not z.free_symbols <= {sp.Symbol(k, real=True) for k in d.nodes} \
                or any(d.nodes[s.name].shape for s in z.free_symbols):
            continue
        env = {k: d.nodes[k].value for k in d.nodes}
        zval = float(evaluate(z, env))
        stable = {dt: float(torch.nn.functional.logsigmoid(torch.tensor(zval, dtype=getattr(torch, dt))))
                  for dt in ("float32", "float64")}
        naive = float(torch.log(torch.sigmoid(torch.tensor(zval, dtype=torch.float64))))
        out.append(Diagnostic("stable-rewrite", n, Msg("err_stable", z=z, z2=z, z3=z, at=f'{zval:g}', f64=f"{stable['float64']!r}", f32=f"{stable['float32']!r}", naive=f'{naive!r}'),
                              {"z": z, "at": zval, "float64": stable["float64"], "float32": stable["float32"],
                               "naive": naive}))
    return out


# -- the Hessian: torch's numbers beside derive's ----------------------------------------------------------

def torch_checks(d, h) -> dict:
    """Largest relative errors of torch (float64) against the 30-digit values: torch_hessian
    (torch.autograd.functional.hessian) and autograd_differences (central differences, h = 1e-5, of autograd's
    gradient) for order 2; autograd_repeated (autograd.grad n times, create_graph) for order n >= 3."""
    import torch

    f = _of_flat(d)
    f_held = _of_flat(frozen(d))        # central differences of the gradient hold what detach stops
    base = _point(d, torch.float64)
    flat = torch.cat([base[x].reshape(-1) for x in d.exercise.wrt])
    exact = [[float(v) for v in row] for row in h.value] if h.order == 2 else float(h.value)
    if h.order == 2:
        auto = torch.autograd.functional.hessian(f, flat).tolist()
        step = 1e-5
        fd = []
        for j in range(len(flat)):
            e = torch.zeros_like(flat)
            e[j] = step
            fd.append(((_grad(f_held, flat + e) - _grad(f_held, flat - e)) / (2 * step)).tolist())
        fd = [[fd[j][i] for j in range(len(flat))] for i in range(len(flat))]
        return {"torch_hessian": _worst(auto, exact), "autograd_differences": _worst(fd, exact)}
    x = flat.clone().requires_grad_(True)
    out = f(x)
    for _ in range(h.order):
        out = _grad(lambda z: out.sum(), x, create_graph=True)
    return {"autograd_repeated": _worst([[float(out.sum().detach())]], [[exact]])}


def _of_flat(d):
    """The target as a torch function of the elements of `wrt` laid end to end (float64; other inputs fixed)."""
    import torch

    base = _point(d, torch.float64)
    shapes = [d.nodes[x].shape for x in d.exercise.wrt]
    sizes = [max(1, arrays.size_of(s)) for s in shapes]

    def f(flat):
        inputs = dict(base)
        for x, part, shape in zip(d.exercise.wrt, torch.split(flat, sizes), shapes):
            inputs[x] = part.reshape(shape)
        return run_graph(d, inputs, Torch(torch.float64))[d.target]
    return f


def _grad(f, x, create_graph=False):
    """d f / d x by autograd (zeros where f does not depend on x: a constant, or a detached value)."""
    import torch

    if not create_graph:
        x = x.clone().requires_grad_(True)
    y = f(x)
    if not y.requires_grad:
        return torch.zeros_like(x)
    (g,) = torch.autograd.grad(y, x, create_graph=create_graph, allow_unused=True)
    return torch.zeros_like(x) if g is None else g


def _worst(values, exact) -> float:
    return max(relative_error(v, e) for rv, re in zip(values, exact) for v, e in zip(rv, re))
