"""The `gradients` command's two outputs over one Derivation: JSON and a plain-text table."""
from __future__ import annotations

import sympy as sp

from .diff import rewrite_plain
from .engine import Derivation, decimal, plain
from .latex import latex
from .ops import relu, sigmoid


def text(expr: sp.Expr | None) -> str | None:
    """SymPy-readable text (sigmoid and relu spelled out), or None."""
    if expr is None:
        return None
    # order="none": SymPy's default term ordering evaluates every term numerically (slow on big sums)
    return sp.sstr(rewrite_plain(expr) if expr.has(sigmoid, relu) else expr, order="none")


def to_json(d: Derivation, checks=None) -> dict:
    """The JSON object of `derive gradients --json` (with `checks`: autograd and finite differences)."""
    data = {
        "target": d.target,
        "wrt": list(d.exercise.wrt),
        "nodes": {n: {"kind": node.kind, "formula": None if node.kind == "input" else text(node.expr),
                      "layer": node.layer, "exact": text(node.exact), "decimal": decimal(node.value)}
                  for n, node in d.nodes.items()},
        "gradients": {x: {"exact": text(g.exact), "decimal": decimal(g.value), "expression": text(g.expression),
                          "latex": latex(g.exact) if g.exact is not None else None,
                          "kink": None if g.kink is None else {
                              "node": g.kink.node, "at": text(g.kink.expr),
                              "left": text(g.kink.left), "right": text(g.kink.right)}}
                      for x, g in d.gradients.items()},
        "warnings": [{"code": w.code, "node": w.node, "message": w.message}
                     for w in d.warnings + (checks.warnings if checks else [])],
    }
    if checks is not None:
        data["values"] = {"float64": checks.values["float64"], "float32": checks.values["float32"]}
        for x, c in checks.checks.items():
            data["gradients"][x].update(_numeric_json(c))
    return data


def _numeric_json(c) -> dict:
    fd = c.fd
    out = {
        "autograd": dict(c.autograd),
        "finite_differences": {
            "forward": None if fd.best_forward is None else {"step": fd.best_forward[0], "value": fd.best_forward[1]},
            "central": None if fd.best_central is None else {"step": fd.best_central[0], "value": fd.best_central[1]},
            "richardson": fd.richardson,
            "curve": {"steps": fd.steps, "forward": fd.forward, "central": fd.central,
                      "central_float32": fd.central32},
        },
        "errors": c.errors,
        "verdict": c.verdict,
    }
    if c.conventions is not None:
        out["torch_conventions"] = c.conventions
    return out


def to_text(d: Derivation, checks=None) -> str:
    """Forward values, the gradient table and (with `checks`) the numeric comparison, for a terminal."""
    ex = d.exercise
    from .exercise import title_for

    lines = [f"{title_for(ex, 'en') or ex.path}", "", "Forward pass:"]
    width = max(len(n) for n in d.nodes)
    for n, node in d.nodes.items():
        formula = "" if node.kind == "input" else f" = {_short(ex.formulas[n].text)}"
        exact = text(node.exact)
        shown = exact if node.exact is not None and node.exact.is_Integer else \
            f"{exact} ≈ {decimal(node.value)}" if exact else decimal(node.value)
        lines.append(f"  {n:<{width}}{formula}  ->  {shown}")
    lines += ["", f"Gradients of {d.target}:"]
    for x, g in d.gradients.items():
        if g.kink is not None:
            lines.append(f"  d{d.target}/d{x} = undefined: {plain(g.kink.expr)} in {g.kink.node!r} is on its kink "
                         f"(left {text(g.kink.left)}, right {text(g.kink.right)})")
        else:
            exact = text(g.exact) or "(exact form omitted: too large)"
            lines.append(f"  d{d.target}/d{x} = {exact} ≈ {decimal(g.value)}")
    if checks is not None:
        lines += ["", "Exact vs torch autograd vs finite differences (best step):", checks.table()]
        for x, c in checks.checks.items():
            if c.conventions:
                shown = ", ".join(f"{k} {v:g}" for k, v in c.conventions.items())
                lines.append(f"  at the kink, torch's formulations give d{d.target}/d{x}: {shown}")
    for w in d.warnings + (checks.warnings if checks else []):
        lines.append(f"warning [{w.code}]: {w.message}")
    return "\n".join(lines)


def _short(s: str, limit: int = 60) -> str:
    return s if len(s) <= limit else s[:limit - 1] + "…"



# -- linear systems -------------------------------------------------------------------------------

def _named_text(values):
    return None if values is None else {k: str(v) for k, v in values.items()}


def run_json(run, unknowns) -> dict:
    """One solver's run, as the `solve --json` object shows it."""
    import math

    step = run.step
    return {"solution": dict(zip(unknowns, run.solution)), "iterations": run.iterations, "converged": run.converged, "residual": run.residual,
            "criterion": run.criterion,
            "diverged": run.diverged,
            "learning_rate": None if math.isnan(step.rate) else step.rate, "momentum": step.beta,
            "step_rule": step.rule, "rho": step.rho, "bound": step.bound, "estimate": step.estimate,
            "seconds": run.seconds}


def solve_json(unknowns, analysis, study) -> dict:
    """`solve --json`: the exact analysis and every method's run."""
    methods = {name: run_json(run, unknowns) for name, run in study.runs.items()}
    out = {"unknowns": list(unknowns), "classification": analysis.classification,
           "exact": _named_text(analysis.exact), "least_squares": _named_text(analysis.least_squares),
           "minimum_norm": _named_text(analysis.minimum_norm), "free": analysis.free,
           "rank": analysis.rank, "rank_augmented": analysis.rank_augmented,
           "condition_number": analysis.condition_number if analysis.condition_number != float("inf") else None,
           "L": analysis.L, "mu": analysis.mu, "methods": methods}
    if study.divergence is not None:
        d = study.divergence
        out["divergence"] = {"learning_rate": d.step.rate, "iterations": d.iterations,
                             "residuals": [r for _, r in d.history]}
    if study.gradient is not None:
        g = study.gradient
        out["gradient_check"] = {"engine": {k: str(v) for k, v in g.engine.items()},
                                 "matches_AT_r": g.matches_formula, "autograd_agrees": g.autograd_agrees}
    return out


def _listing(items: list[str], most: int = 6) -> str:
    return ", ".join(items) if len(items) <= most else ", ".join(items[:most]) + f", … ({len(items)} in all)"


def solve_text(unknowns, analysis, study, equations=None) -> str:
    """`solve`: the classification and answer, then one line per method."""
    from .solvers import REASONS

    lines = []
    if equations:
        lines += [f"  {e}" for e in equations] + [""]
    kappa = analysis.condition_number
    lines.append(f"rank A = {analysis.rank}, rank [A|b] = {analysis.rank_augmented}: "
                 + {"unique": "one solution", "none": "no solution (inconsistent)",
                    "infinite": f"infinitely many solutions (free: {', '.join(analysis.free)})"}[analysis.classification])
    for label, values in (("exact", analysis.exact), ("least squares", analysis.least_squares),
                          ("minimum norm", analysis.minimum_norm)):
        if values is not None:
            lines.append(f"{label}: " + _listing([f"{k} = {v}" for k, v in values.items()]))
    lines.append(f"condition number κ(A) = {kappa:.6g}; L = λmax(AᵀA) = {analysis.L:.6g}, "
                 f"μ = λmin(AᵀA) = {analysis.mu:.6g}")
    if study.gradient is not None:
        g = study.gradient
        lines.append("∇f from derive's engine: " + ", ".join(f"∂f/∂{k} = {v}" for k, v in g.engine.items()))
        lines.append(f"  equals Aᵀ(Ax − b): {'yes' if g.matches_formula else 'NO'}; "
                     f"autograd agrees: {'yes' if g.autograd_agrees else 'NO'}")
    lines.append("")
    lines.append(f"{'method':<19} {'iterations':>10} {'bound':>7} {'residual':>10}  solution")
    for name, run in study.runs.items():
        bound = run.step.bound if run.step.bound is not None else (
            f"~{run.step.estimate}" if run.step.estimate is not None else "")
        mark = "" if run.converged else " (not converged)"
        lines.append(f"{name:<19} {run.iterations:>10} {bound!s:>7} {run.residual:>10.2e}  "
                     + _listing([f"{u} = {v:.10g}" for u, v in zip(unknowns, run.solution)]) + mark)
    lines.append("")
    for name, run in study.runs.items():
        lines.append(f"{name}: {REASONS[run.step.rule]}")
    if study.divergence is not None:
        d = study.divergence
        lines.append(f"A step of 2.1/L = {d.step.rate:.4g} (past 2/L) diverges: relative residual "
                     f"{d.history[0][1]:.3g} -> {d.history[-1][1]:.3g} after {d.iterations} iterations.")
    return "\n".join(lines)
