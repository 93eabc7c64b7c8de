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
    lines = [f"{ex.title or ex.path}", "", "Forward pass:"]
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

