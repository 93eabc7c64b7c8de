"""The `gradients` command's two outputs over one Derivation: JSON and a plain-text table.

Exact values are printed by one printer that remembers the text of every sub-expression it has printed
(exact values share their parents' sub-expressions), so the output is linear in the graph."""
from __future__ import annotations

import json
import math

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
import sympy.printing.str as _str
from sympy.printing.str import StrPrinter

from ..core import arrays
from ..core.budget import Unknown, known
from ..model.derivation import Derivation, decimal, plain
from ..core.latex import latex
from ..core.i18n import said, t
from ..model.exercise import title_for


class TextPrinter(StrPrinter):
    """SymPy-readable text that derive's parser also reads: e is exp(1), sigmoid and relu spelled out;
    every sub-expression printed once."""

    def __init__(self):
        super().__init__({"order": "none"})   # SymPy's default ordering evaluates every term numerically
        self.cache: dict = {}
        self.precedences: dict = {}

    def _print(self, expr, **kwargs):
        if kwargs or not isinstance(expr, sp.Basic):
            return super()._print(expr, **kwargs)
        text = self.cache.get(expr)
        if text is None:
            text = self.cache[expr] = super()._print(expr)
        return text

    def _precedence(self, item) -> int:
        found = self.precedences.get(item)
        if found is None:
            found = self.precedences[item] = precedence_of(item)
        return found

    def parenthesize(self, item, level, strict=False):
        """StrPrinter's, with each sub-expression's precedence found once (it asks SymPy whether a product
        can extract a minus sign, which is most of printing a large graph)."""
        found = self._precedence(item)
        if found < level or (not strict and found <= level):
            return "(%s)" % self._print(item)
        return self._print(item)

    def doprint(self, expr):
        """StrPrinter's, with the printing module's precedence() answered from this printer's memory while it
        prints (_print_Add and _print_Mul call it by its module name for every term; the answers are
        SymPy's own, see _precedence)."""
        saved = _str.precedence
        _str.precedence = self._precedence
        try:
            return super().doprint(expr)
        finally:
            _str.precedence = saved

    def _print_Exp1(self, expr):
        return "exp(1)"

    def _print_sigmoid(self, expr):
        return f"1/(1 + exp(-({self._print(expr.args[0])})))"

    def _print_relu(self, expr):
        return f"Max({self._print(expr.args[0])}, 0)"

    def _print_softplus(self, expr):
        return f"log(1 + exp({self._print(expr.args[0])}))"

    def _print_log_sigmoid(self, expr):
        return f"-log(1 + exp(-({self._print(expr.args[0])})))"


def precedence_of(item) -> int:
    """SymPy's precedence(), without building -item for every product: a product whose leading number is a
    negative rational prints as a negation (Add's precedence), as could_extract_minus_sign finds by
    comparing item with -item, which asks the assumptions of the product and every factor (most of
    printing a network's exact values)."""
    if item.is_Mul and not any(isinstance(a, sp.Function) and getattr(a, "precedence", PRECEDENCE["Mul"])
                               < PRECEDENCE["Mul"] for a in item.args):
        c = item.args[0]
        if not c.is_Number:
            return PRECEDENCE["Mul"]
        if c.is_Rational:                     # integers too; floats and infinities ask SymPy
            return PRECEDENCE["Add"] if c.p < 0 else PRECEDENCE["Mul"]
    return precedence(item)


_PRINTER = TextPrinter()


def text(expr) -> str | None:
    """Text of an exact value or formula (nested lists for tensors); None when not computed."""
    if expr is None or isinstance(expr, Unknown):
        return None
    if isinstance(expr, arrays.np.ndarray):
        return arrays.nested(expr, _PRINTER.doprint)
    return _PRINTER.doprint(expr)


def decimals(value):
    """30-digit decimals, nested in a tensor's shape; None where undefined."""
    if value is None:
        return None
    return arrays.nested(value, decimal) if isinstance(value, arrays.np.ndarray) else decimal(value)


def _exact(value) -> dict:
    """{"exact": text} and, when it was not computed, {"exact_note": why} (never "0")."""
    out = {"exact": text(value)}
    if isinstance(value, Unknown):
        out["exact_note"] = value.text()
    return out


LINES_PAST = 1_000         # nodes past which each node, adjoint and gradient is one line of JSON


def dumps(data: dict) -> str:
    """The JSON text of to_json: indented as json.dumps(indent=2) for a graph of up to LINES_PAST nodes;
    past it, each entry of a top-level object (a node, an adjoint, a gradient) on one line of its own, written
    by the standard library's C encoder (its indenting encoder is pure Python: 1.4 s of a 33,000-formula
    graph's 33 MB). Standard JSON has no infinity or NaN: a float that is not finite (autograd's overflow) is
    written as the string "inf", "-inf" or "nan", which float() reads back."""
    try:
        return _dumps(data)
    except ValueError:                       # a float that is not finite: rare, so looked for only then
        return _dumps(_finite(data))


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _dumps(data: dict) -> str:
    if len(data.get("nodes", ())) <= LINES_PAST:
        return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    compact = _compact()
    parts = []
    for key, value in data.items():
        if type(value) is dict and value:
            rows = ",\n".join(f"    {compact(k)}: {compact(v)}" for k, v in value.items())
            parts.append(f"  {compact(key)}: {{\n{rows}\n  }}")
        else:
            parts.append(f"  {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(parts) + "\n}"


def _compact():
    """json.dumps(value, ensure_ascii=False) as one C encoder made once (JSONEncoder.encode makes one per call)."""
    from json import encoder

    if encoder.c_make_encoder is None:                       # a Python built without _json
        return json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    made = encoder.c_make_encoder(None, json.JSONEncoder().default, encoder.encode_basestring, None, ": ", ", ",
                                  False, False, False)
    return lambda value: "".join(made(value, 0))


def to_json(d: Derivation, checks=None) -> dict:
    """The JSON object of `derive gradients --json` (with `checks`: autograd and finite differences)."""
    data = {
        "target": d.target,
        "wrt": list(d.exercise.wrt),
        "nodes": {n: {"kind": node.kind, "formula": None if node.kind == "input" else d.exercise.formulas[n].text,
                      "layer": node.layer, "shape": list(node.shape), **_exact(node.exact),
                      "decimal": decimals(node.value)}
                  for n, node in d.nodes.items()},
        "adjoints": {n: {"shape": list(d.nodes[n].shape), **_exact(a.exact), "decimal": decimals(a.value)}
                     for n, a in d.adjoints.items()},
        "gradients": {x: {"shape": list(d.nodes[x].shape), **_exact(g.exact), "decimal": decimals(g.value),
                          "expression": text(g.expression),
                          "latex": latex(g.exact) if known(g.exact) else None,
                          "convention": g.convention,
                          "kink": None if g.kink is None else {
                              "node": g.kink.node, "at": text(g.kink.expr), "element": list(g.kink.index),
                              "left": text(g.kink.left), "right": text(g.kink.right)}}
                      for x, g in d.gradients.items()},
        "warnings": [{"code": w.code, "node": w.node, "message": str(w.message)}
                     for w in d.warnings + (checks.warnings if checks else [])],
        "kink_convention": d.exercise.kink,
    }
    if d.hessian is not None:
        h = d.hessian
        square = h.order == 2
        data["hessian" if square else f"derivative_{h.order}"] = {
            "order": h.order, "wrt": h.names,
            "exact": None if not known(h.exact) else ([[text(v) for v in row] for row in h.exact] if square
                                                      else text(h.exact)),
            **({"exact_note": h.exact.text()} if isinstance(h.exact, Unknown) else {}),
            "decimal": [[decimal(v) for v in row] for row in h.value] if square else decimal(h.value),
            "checks": dict(h.checks, **(checks.hessian if checks else {}))}
    if d.training:
        data["steps"] = [{"step": p.step, "parameters": {x: decimals(v) for x, v in p.value.items()},
                          "exact": None if not p.exact else {x: None if v is None else
                                                             (arrays.nested(v, text) if arrays.shape_of(v) else text(v))
                                                             for x, v in p.exact.items()},
                          "loss": decimal(p.loss)} for p in d.training]
    seed = d.exercise.seed
    if seed is not None:
        data["seed"] = {"of": list(seed.outputs), "formula": d.exercise.formulas[seed.target].text,
                        "seed": arrays.nested(seed.value, text) if seed.input else [text(v) for v in seed.value]}
    if checks is not None:
        data["values"] = {"float64": checks.values["float64"], "float32": checks.values["float32"]}
        for x in d.exercise.wrt:
            data["gradients"][x].update(_checks_json(d, checks, x))
        data["finite_differences"] = {
            "inputs": checks.elements, "sampled": checks.sampled,
            "checked_one_by_one": [k for k, c in checks.checks.items() if c.fd is not None],
            "directional": [{"seed": r.seed, "exact": r.exact, "best_central": None if r.best is None else
                             {"step": r.best[0], "value": r.best[1]}, "error": r.error} for r in checks.directional]}
    return data


def _checks_json(d: Derivation, checks, x: str) -> dict:
    if not d.nodes[x].shape:
        return _numeric_json(checks.checks[x])
    elements = {k: _numeric_json(c) for k, c in checks.checks.items() if c.wrt == x}
    return {"autograd": {dt: arrays.nested(checks.autograd[dt][x].astype(object), float)
                         for dt in ("float64", "float32")},
            "elements": elements}


def _numeric_json(c) -> dict:
    fd = c.fd
    out = {"autograd": dict(c.autograd), "errors": c.errors, "verdict": str(c.verdict)}
    if fd is not None:
        out["finite_differences"] = {
            "forward": None if fd.best_forward is None else {"step": fd.best_forward[0], "value": fd.best_forward[1]},
            "central": None if fd.best_central is None else {"step": fd.best_central[0], "value": fd.best_central[1]},
            "richardson": fd.richardson,
            "curve": {"steps": fd.steps, "forward": fd.forward, "central": fd.central,
                      "central_float32": fd.central32},
        }
    else:
        out["finite_differences"] = None
    if c.conventions is not None:
        out["torch_conventions"] = c.conventions
    return out


def _shown(exact, value, lang: str = "en") -> str:
    """One value for a terminal: the exact text, then ≈ and the decimal unless it is an integer; where the exact
    form was not computed, why (in the command's language)."""
    undefined = t(lang, "cli_g_undefined")
    if isinstance(value, arrays.np.ndarray):
        rows = arrays.nested(value, lambda v: decimal(v) or undefined)
        return str(rows).replace("'", "")
    if known(exact) and exact.is_Integer:
        return text(exact)
    dec = decimal(value) or undefined
    if known(exact):
        return f"{text(exact)} ≈ {dec}"
    note = f"  ({t(lang, 'cli_not_computed', why=exact.text(lang))})" if isinstance(exact, Unknown) else ""
    return f"≈ {dec}{note}"


def to_text(d: Derivation, checks=None, lang: str = "en") -> str:
    """Forward values, the gradient table and (with `checks`) the numeric comparison, for a terminal."""
    ex = d.exercise

    lines = [f"{title_for(ex, lang) or ex.path}", "", t(lang, "cli_forward")]
    width = max(len(n) for n in d.nodes)
    for n, node in d.nodes.items():
        formula = "" if node.kind == "input" else f" = {_short(ex.formulas[n].text)}"
        lines.append(f"  {n:<{width}}{formula}  ->  {_shown(node.exact, node.value, lang)}")
    lines += ["", t(lang, "cli_gradients", target=d.target)]
    for x, g in d.gradients.items():
        if g.kink is not None and not d.tensor and g.kink.left is None and g.kink.right is None:
            lines.append("  " + t(lang, "cli_g_undefined_jump", target=d.target, x=x, expr=plain(g.kink.expr),
                                  node=repr(g.kink.node)))
        elif g.kink is not None and not d.tensor:
            lines.append("  " + t(lang, "cli_g_undefined_at_kink", target=d.target, x=x, expr=plain(g.kink.expr),
                                  node=repr(g.kink.node), left=text(g.kink.left), right=text(g.kink.right)))
        else:
            by = "  " + t(lang, "cli_g_by_convention", convention=t(lang, f"conv_{g.convention}")) \
                if g.convention else ""
            lines.append(f"  d{d.target}/d{x} = {_shown(g.exact, g.value, lang)}{by}")
    if checks is not None:
        lines += ["", t(lang, "cli_compare"), checks.table(lang)]
        for x, c in checks.checks.items():
            if c.conventions:
                shown = ", ".join(f"{k} {v:g}" for k, v in c.conventions.items())
                lines.append("  " + t(lang, "cli_g_kink_torch", target=d.target, x=x, shown=shown))
    if d.hessian is not None:
        lines += ["", *_hessian_text(d, checks, lang)]
    if d.training:
        step = ex.step
        lines += ["", t(lang, "cli_g_training" if step.steps > 1 else "cli_g_training_one", update=step.update,
                        rate=text(step.learning_rate), steps=step.steps)]
        for p in d.training:
            params = ", ".join(f"{x} = {_brief(v)}" for x, v in p.value.items())
            lines.append(f"  {t(lang, 'cli_g_step', step=p.step)}: {d.target} = {decimal(p.loss)}   {params}")
    for w in d.warnings + (checks.warnings if checks else []):
        lines.append(f"{t(lang, 'cli_warning')} [{w.code}]: {said(w.message, lang)}")
    return "\n".join(lines)


def _hessian_text(d, checks, lang: str = "en") -> list[str]:
    h = d.hessian
    if h.order > 2:
        lines = [f"d^{h.order}{d.target}/d{h.names[0]}^{h.order} = {_shown(h.exact, h.value, lang)}"]
    else:
        lines = [t(lang, "cli_g_hessian", target=d.target, names=", ".join(h.names))]
        exact = h.exact if known(h.exact) else [[h.exact] * len(h.names)] * len(h.names)
        for name, row, erow in zip(h.names, h.value, exact):
            lines.append(f"  {name}: " + ", ".join(_shown(e, v, lang) for e, v in zip(erow, row)))
    names = {"torch_hessian": "torch.autograd.functional.hessian",
             "autograd_differences": t(lang, "cli_g_central_of_autograd"),
             "autograd_repeated": t(lang, "cli_g_autograd_times", order=h.order)}
    for method, error in (checks.hessian if checks else {}).items():
        lines.append("  " + t(lang, "cli_g_hessian_error", method=names[method], error=f"{error:.1e}"))
    return lines


def _brief(value) -> str:
    """A parameter after a training step, through the one formatter of decimals (30 significant digits, so
    3.00000000040267… is never shown as 3.0), tensors as nested lists."""
    return str(arrays.nested(value, decimal) if arrays.shape_of(value) else decimal(value)).replace("'", "")


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
           "L": analysis.L, "mu": analysis.mu, "float64": analysis.float64, "methods": methods}
    if study.skipped:
        from ..core.i18n import t

        out["methods_skipped"] = t("en", f"cli_s_skipped_{study.skipped}")
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


def solve_text(unknowns, analysis, study, equations=None, lang: str = "en") -> str:
    """`solve`: the classification and answer, then one line per method."""
    lines = []
    if equations:
        lines += [f"  {e}" for e in equations] + [""]
    kappa = analysis.condition_number
    kind = t(lang, f"cli_s_{analysis.classification}", free=", ".join(analysis.free or []))
    lines.append(t(lang, "cli_s_rank", rank=analysis.rank, augmented=analysis.rank_augmented, kind=kind))
    for key, values in (("cli_s_exact", analysis.exact), ("cli_s_least_squares", analysis.least_squares),
                        ("cli_s_minimum_norm", analysis.minimum_norm)):
        if values is not None:
            lines.append(f"{t(lang, key)}: " + _listing([f"{k} = {v}" for k, v in values.items()]))
    lines.append(f"{t(lang, 'cli_s_condition')} κ(A) = {kappa:.6g}; L = λmax(AᵀA) = {analysis.L:.6g}, "
                 f"μ = λmin(AᵀA) = {analysis.mu:.6g}")
    if study.gradient is not None:
        g = study.gradient
        said = {True: t(lang, "yes"), False: t(lang, "no").upper()}
        lines.append(f"{t(lang, 'cli_s_engine')}: " + ", ".join(f"∂f/∂{k} = {v}" for k, v in g.engine.items()))
        lines.append("  " + t(lang, "cli_s_equals", formula=said[bool(g.matches_formula)],
                              autograd=said[bool(g.autograd_agrees)]))
    lines.append("")
    if study.skipped:
        lines.append(t(lang, "cli_s_skipped", why=t(lang, f"cli_s_skipped_{study.skipped}")))
        return "\n".join(lines)
    lines.append(f"{t(lang, 'cli_s_header'):<19} {t(lang, 'cli_s_iterations'):>11} {t(lang, 'cli_s_bound'):>7} "
                 f"{t(lang, 'cli_s_residual'):>10}  {t(lang, 'cli_s_solution')}")
    for name, run in study.runs.items():
        bound = run.step.bound if run.step.bound is not None else (
            f"~{run.step.estimate}" if run.step.estimate is not None else "")
        mark = "" if run.converged else f" ({t(lang, 'cli_s_not_converged')})"
        lines.append(f"{name:<19} {run.iterations:>11} {bound!s:>7} {run.residual:>10.2e}  "
                     + _listing([f"{u} = {v:.10g}" for u, v in zip(unknowns, run.solution)]) + mark)
    lines.append("")
    for name, run in study.runs.items():
        lines.append(f"{name}: {t(lang, 'cli_reason_' + run.step.rule)}")
    if study.divergence is not None:
        d = study.divergence
        lines.append(t(lang, "cli_s_diverges", rate=f"{d.step.rate:.4g}", first=f"{d.history[0][1]:.3g}",
                       last=f"{d.history[-1][1]:.3g}", iterations=d.iterations))
    return "\n".join(lines)
