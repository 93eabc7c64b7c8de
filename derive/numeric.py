"""Numeric checks beside the exact derivatives: torch autograd (float32, float64) and finite differences.

Tolerances (documented in README): autograd float64 agrees when its relative error against the exact
value is <= 1e-10, float32 when <= 1e-4; the best central difference agrees when <= 1e-6. Relative
errors become absolute when |exact| < 1e-300.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import reduce

import mpmath
import sympy as sp

from .engine import Derivation, Warning
from .evaluate import Torch, evaluate
from .ops import sigmoid

STEPS = [10.0 ** -k for k in range(1, 13)]
TOL = {"float64": 1e-10, "float32": 1e-4, "finite_differences": 1e-6}
CONVENTIONS = ("relu", "clamp", "maximum")


@dataclass
class FiniteDifferences:
    steps: list[float]
    forward: list[float]              # float64 estimates, one per step
    central: list[float]
    central32: list[float]            # float32 central differences
    richardson: float | None          # extrapolated from the two most self-consistent central steps
    best_forward: tuple[float, float] | None = None   # (step, value) closest to the exact value
    best_central: tuple[float, float] | None = None


@dataclass
class Check:
    """One input's derivative four ways, with errors against the exact value and a verdict."""

    wrt: str
    exact: float | None               # None when undefined (a kink)
    autograd: dict[str, float]        # dtype -> value
    fd: FiniteDifferences
    errors: dict[str, float | None]   # method -> relative error (absolute near zero)
    verdict: str
    conventions: dict[str, float] | None = None    # at a kink: gradient per torch formulation


@dataclass
class Checks:
    checks: dict[str, Check]
    values: dict[str, float]                       # dtype -> target value
    warnings: list[Warning] = field(default_factory=list)
    nodes: dict[str, dict[str, float]] = field(default_factory=dict)   # dtype -> node -> value in torch

    def table(self) -> str:
        """Exact, autograd and finite differences side by side."""
        rows = [f"{'input':<8} {'exact':>24} {'autograd f64':>24} {'autograd f32':>14} {'best central':>14}  verdict"]
        for c in self.checks.values():
            exact = "undefined" if c.exact is None else f"{c.exact:.16e}"
            central = "-" if c.fd.best_central is None else f"{c.fd.best_central[1]:.6e}"
            rows.append(f"{c.wrt:<8} {exact:>24} {c.autograd['float64']:>24.16e} {c.autograd['float32']:>14.6e} "
                        f"{central:>14}  {c.verdict}")
        return "\n".join(rows)

    def assert_agree(self, float64: float = TOL["float64"], fd: float = TOL["finite_differences"]):
        """Raise AssertionError, showing the whole table, unless autograd and central differences agree."""
        bad = [c.wrt for c in self.checks.values()
               if c.exact is not None and not (_ok(c.errors["float64"], float64) and _ok(c.errors["central"], fd))]
        if bad:
            raise AssertionError(f"gradients disagree for {', '.join(bad)}:\n{self.table()}")


def _ok(error, tol) -> bool:
    return error is not None and error <= tol


def relative_error(value: float | None, exact: float | None) -> float | None:
    if value is None or exact is None or not math.isfinite(value):
        return None if value is None or exact is None else math.inf
    return abs(value - exact) if abs(exact) < 1e-300 else abs(value - exact) / abs(exact)


# -- torch ---------------------------------------------------------------------------------------

def run_graph(d: Derivation, inputs: dict, backend) -> dict:
    """Every node's tensor, evaluated node by node through the registry."""
    values = dict(inputs)
    for n in d.order:
        if d.nodes[n].kind == "formula":
            values[n] = evaluate(d.nodes[n].expr, {p: values[p] for p in d.graph.predecessors(n)}, backend)
    return values


def _point(d: Derivation, dtype, device="cpu"):
    import torch

    return {n: torch.tensor(float(node.value), dtype=dtype, device=device)
            for n, node in d.nodes.items() if node.kind == "input"}


def autograd(d: Derivation, dtype, ops=None, device="cpu") -> tuple[dict[str, float], dict[str, float]]:
    """Every node's value and the target's gradient by torch.autograd.grad, in one dtype."""
    import torch

    inputs = _point(d, dtype, device)
    for x in d.exercise.wrt:
        inputs[x].requires_grad_(True)
    nodes = run_graph(d, inputs, Torch(dtype, device, ops))
    values = {n: float(t.detach()) for n, t in nodes.items()}
    target = nodes[d.target]
    if not target.requires_grad:                     # a constant target, e.g. x - x
        return values, dict.fromkeys(d.exercise.wrt, 0.0)
    grads = torch.autograd.grad(target, [inputs[x] for x in d.exercise.wrt], allow_unused=True)
    return values, {x: 0.0 if g is None else float(g) for x, g in zip(d.exercise.wrt, grads)}


def finite_differences(d: Derivation, dtype) -> tuple[list[list[float]], list[list[float]]]:
    """Forward and central differences for every input and step, in ONE batched pass of the graph."""
    import torch

    wrt, k = d.exercise.wrt, len(STEPS)
    rows = 1 + 2 * k * len(wrt)                       # base, then +h and -h for each input and step
    h = torch.tensor(STEPS, dtype=torch.float64)
    inputs = {}
    for n, base in _point(d, torch.float64).items():
        x = base.repeat(rows)
        if n in wrt:
            j = wrt.index(n)
            x[1 + 2 * k * j: 1 + 2 * k * j + k] += h
            x[1 + 2 * k * j + k: 1 + 2 * k * (j + 1)] -= h
        inputs[n] = x.to(dtype)
    f = run_graph(d, inputs, Torch(dtype))[d.target].to(torch.float64)
    f = f.expand(rows) if f.dim() == 0 else f
    forward, central = [], []
    for j in range(len(wrt)):
        plus = f[1 + 2 * k * j: 1 + 2 * k * j + k]
        minus = f[1 + 2 * k * j + k: 1 + 2 * k * (j + 1)]
        forward.append(((plus - f[0]) / h).tolist())
        central.append(((plus - minus) / (2 * h)).tolist())
    return forward, central


def _richardson(central: list[float]) -> float | None:
    """(100 D(h/10) - D(h)) / 99 for each pair of steps; the pair whose estimates agree best."""
    estimates = [(100 * b - a) / 99 for a, b in zip(central, central[1:])]
    pairs = [(abs(p - q), q) for p, q in zip(estimates, estimates[1:]) if math.isfinite(p) and math.isfinite(q)]
    return min(pairs)[1] if pairs else None


def _best(values: list[float], exact: float | None) -> tuple[float, float] | None:
    if exact is None:
        return None
    candidates = [(relative_error(v, exact), h, v) for h, v in zip(STEPS, values) if math.isfinite(v)]
    return min(candidates)[1:] if candidates else None


def conventions(d: Derivation) -> dict[str, dict[str, float]]:
    """At a kink: the float64 autograd gradient when max/min are written as relu, clamp or maximum."""
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
            out = torch.clamp(out, min=x)
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
    fwd, cen = finite_differences(d, torch.float64)
    _, cen32 = finite_differences(d, torch.float32)
    at_kink = conventions(d) if any(g.kink for g in d.gradients.values()) else {}
    checks = {}
    for j, x in enumerate(d.exercise.wrt):
        g = d.gradients[x]
        exact = None if g.value is None else float(g.value)
        fd = FiniteDifferences(STEPS, fwd[j], cen[j], cen32[j], _richardson(cen[j]),
                               _best(fwd[j], exact), _best(cen[j], exact))
        errors = {"float64": relative_error(auto64[x], exact), "float32": relative_error(auto32[x], exact),
                  "forward": fd.best_forward and relative_error(fd.best_forward[1], exact),
                  "central": fd.best_central and relative_error(fd.best_central[1], exact),
                  "richardson": relative_error(fd.richardson, exact)}
        checks[x] = Check(x, exact, {"float32": auto32[x], "float64": auto64[x]}, fd, errors,
                          _verdict(errors, exact, value64, d), at_kink.get(x) if g.kink else None)
    result = Checks(checks, {"float64": value64, "float32": nodes32[d.target]}, [],
                    {"float64": nodes64, "float32": nodes32})
    result.warnings = diagnostics(d, result, nodes64, nodes32)
    return result


def _verdict(errors, exact, value64, d: Derivation) -> str:
    if exact is None:
        return "undefined at a kink: autograd returns its formulation's convention"
    auto = "autograd agrees" if _ok(errors["float64"], TOL["float64"]) else "autograd DISAGREES"
    if _ok(errors["central"], TOL["finite_differences"]):
        fd = "finite differences agree"
    elif value64 == 0.0 and float(d.nodes[d.target].value) != 0.0:
        fd = f"finite differences cannot resolve it: {d.target} itself rounds to 0 in float64"
    else:
        fd = "finite differences cannot resolve it to 1e-6"
    return f"{auto}; {fd}"


# -- diagnostics in plain words ------------------------------------------------------------------

SATURATING = (sp.exp, sp.tanh, sigmoid)


def diagnostics(d: Derivation, checks: Checks, v64: dict[str, float], v32: dict[str, float]) -> list[Warning]:
    """Saturation, overflow, rounding to zero, cancellation, float32 underflow, and a stable rewrite,
    from the node values the float64 and float32 autograd runs computed."""
    out: list[Warning] = []
    for n in d.order:
        node = d.nodes[n]
        exact, f64, f32 = node.value, v64[n], v32[n]
        if not math.isfinite(f64) or not math.isfinite(f32):
            bad = "float64" if not math.isfinite(f64) else "float32"
            out.append(Warning("overflow", n, f"{n} is {f64 if bad == 'float64' else f32} in {bad}: "
                               "the value overflows or is not a number there",
                               {"dtype": bad, "value": f64 if bad == "float64" else f32}))
            continue
        if node.kind != "formula" or exact == 0:
            continue
        rounded = f64 in (0.0, 1.0, -1.0) and mpmath.mpf(f64) != exact
        if rounded and node.expr.has(*SATURATING):
            out.append(Warning("saturation", n, f"{n} = {mpmath.nstr(exact, 20)} but rounds to exactly {f64} in "
                               f"float64 (float32: {f32}): the function is in its flat region, where its "
                               "distance from the asymptote is below the floating-point resolution"))
        elif f64 == 0.0:
            out.append(Warning("rounds-to-zero", n, f"{n} = {mpmath.nstr(exact, 20)} prints as 0.0 in float64: "
                               "it is computed from a value that already rounded off (e.g. log(1.0) = 0)"))
        elif abs(f64 - float(exact)) > 1e-8 * abs(float(exact)) and isinstance(node.expr, sp.Add):
            out.append(Warning("cancellation", n, f"{n}: float64 gives {f64!r}, exact {mpmath.nstr(exact, 17)}: "
                               "catastrophic cancellation lost most significant digits"))
    for x, c in checks.checks.items():
        if c.exact and c.exact != 0 and c.autograd["float32"] == 0.0:
            out.append(Warning("float32-underflow", x, f"d{d.target}/d{x} = {c.exact:.3e} is below float32's "
                               "resolution here: float32 autograd returns 0"))
    out += _stable_rewrites(d)
    return out


def _stable_rewrites(d: Derivation) -> list[Warning]:
    """log(sigmoid(z)) written either way: show -softplus(-z), torch's logsigmoid, and its values."""
    import torch

    w = sp.Wild("w")
    out = []
    for n in d.order:
        expr = d.nodes[n].expr
        if not isinstance(expr, sp.log):
            continue
        inner = expr.args[0]
        if inner.is_Symbol and d.nodes.get(inner.name) and d.nodes[inner.name].kind == "formula":
            inner = d.nodes[inner.name].expr
        z = inner.args[0] if isinstance(inner, sigmoid) else (inner.match(1 / (1 + sp.exp(-w))) or {}).get(w)
        if z is None or not z.free_symbols <= {sp.Symbol(k, real=True) for k in d.nodes}:
            continue
        env = {k: mpmath.mpf(d.nodes[k].value) for k in d.nodes}
        zval = float(evaluate(z, env))
        stable = {dt: float(torch.nn.functional.logsigmoid(torch.tensor(zval, dtype=getattr(torch, dt))))
                  for dt in ("float32", "float64")}
        naive = float(torch.log(torch.sigmoid(torch.tensor(zval, dtype=torch.float64))))
        out.append(Warning("stable-rewrite", n, f"log σ({z}) = -softplus(-{z}) (torch.nn.functional.logsigmoid): "
                           f"at {z} = {zval:g} it gives {stable['float64']!r} in float64 and "
                           f"{stable['float32']!r} in float32, where log(sigmoid(·)) gives {naive!r}",
                           {"z": z, "at": zval, "float64": stable["float64"], "float32": stable["float32"],
                            "naive": naive}))
    return out
