"""`derive check`: what makes an exercise a poor one (a kink at the point, saturation, dead formulas,
a gradient that is identically zero, …), each with its line in the file and a fix."""
from __future__ import annotations

from dataclasses import dataclass

from .. import pipeline
from ..core.errors import DeriveError
from ..core.i18n import Listing, Msg, said, t
from ..checks.diagnose import float_diagnostics
from ..model.derivation import plain
from ..model.system import analyse
from ..passes.graph import build, reach
from .variants import sample_screen, summary

ILL_CONDITIONED = 1e8
HUGE_SPREAD = 12          # orders of magnitude between the largest and smallest nonzero coefficient


@dataclass
class Problem:
    line: int | None
    code: str
    message: Msg
    fix: Msg


def check(ex) -> list[Problem]:
    """Every problem found in a loaded exercise (errors in the file itself raise DeriveError before)."""
    if ex.kind == "gradient":
        return _gradient(ex)
    if ex.kind == "linear-system":
        return _system(ex)
    return []


def _line(ex, table: str, key: str) -> int | None:
    return ex.source.spot(table, key).line


def _gradient(ex) -> list[Problem]:
    out = []
    graph = build(ex).dag
    for name in ex.values:
        if graph.out_degree(name) == 0:
            out.append(Problem(_line(ex, "values", name), "unused-input", Msg("err_unused_input", name=f'{name!r}'),
                               Msg("err_unused_input_fix", name=f'{name!r}')))
    reaching = reach(graph, [ex.target], forward=False) - {ex.target}
    for name in ex.formulas:
        if name not in reaching and name != ex.target:
            out.append(Problem(_line(ex, "formulas", name), "unused-formula",
                               Msg("err_unused_formula", name=f'{name!r}', target=f'{ex.target!r}'),
                               Msg("err_unused_formula_fix", target=f'{ex.target!r}')))
    if graph.out_degree(ex.target):
        users = Listing(sorted(graph.successors(ex.target)))
        out.append(Problem(_line(ex, "gradient", "of") or _line(ex, "formulas", ex.target), "target-not-sink",
                           Msg("err_target_not_sink", target=repr(ex.target), users=users),
                           Msg("err_target_not_sink_fix")))
    try:
        d = pipeline.compute(ex, pipeline.Options(checks=False, training=False)).derivation
    except DeriveError as e:
        return out + [Problem(e.spot.line, "domain", e.message, e.hint or Msg("err_another_point_fix"))]
    for k in d.kinks:
        out.append(Problem(ex.formulas[k.node].line, "kink",
                           Msg("err_kink", expr=plain(k.expr), name=f'{k.node!r}'),
                           Msg("err_kink_fix")))
    fixes = {"saturation": "err_saturation_fix", "rounds-to-zero": "err_rounds_fix", "overflow": "err_overflow_fix",
             "cancellation": "err_cancellation_fix", "float32-underflow": "err_underflow_fix"}
    for w in d.warnings + float_diagnostics(d):
        if w.code in fixes:
            line = ex.formulas[w.node].line if w.node in ex.formulas else None
            out.append(Problem(line, w.code, w.message, Msg(fixes[w.code])))
    if ex.ranges:
        out += _ranges(ex)
    for x in ex.wrt:
        g = d.gradients[x]
        if x not in reaching or (g.expression is not None and g.expression == 0):
            out.append(Problem(_line(ex, "gradient", "wrt") or _line(ex, "values", x), "zero-gradient",
                               Msg("err_zero_gradient", target=ex.target, x=x, name=f'{x!r}', target2=f'{ex.target!r}'),
                               Msg("err_zero_gradient_fix", name=f'{x!r}', target=f'{ex.target!r}')))
    return out


SAMPLE = 20              # draws from the ranges that `check` examines


def _ranges(ex) -> list[Problem]:
    """What a class would get: SAMPLE draws from the ranges, screened as `variants` screens them."""
    counts = sample_screen(ex, SAMPLE)
    rejected = SAMPLE - counts.get("ok", 0)
    if not rejected:
        return []

    line = min(r.line for r in ex.ranges.values() if r.line) if any(r.line for r in ex.ranges.values()) else None
    return [Problem(line, "ranges", Msg("err_ranges", count=SAMPLE, rejected=rejected, reasons=summary({k: v for k, v in counts.items() if k != 'ok'})),
                    Msg("err_ranges_fix"))]


def _system(ex) -> list[Problem]:
    a = analyse(ex.system)
    line = _line(ex, "", "equations")
    out = []
    if a.classification == "none":
        out.append(Problem(line, "inconsistent", Msg("err_lint_inconsistent"), Msg("err_lint_inconsistent_fix")))
    elif a.classification == "infinite":
        out.append(Problem(line, "underdetermined", Msg("err_lint_underdetermined", free=Listing(a.free)),
                           Msg("err_lint_underdetermined_fix")))
    if a.float64 == "numerically-singular":
        out.append(Problem(line, "numerically-singular", Msg("err_lint_singular"), Msg("err_lint_singular_fix")))
    spread = _coefficient_spread(ex.system)
    if spread > HUGE_SPREAD:
        out.append(Problem(line, "huge-coefficients", Msg("err_lint_spread", spread=f"{spread:.1e}"),
                           Msg("err_lint_spread_fix")))
    if a.condition_number != float("inf") and a.condition_number > ILL_CONDITIONED:
        out.append(Problem(line, "ill-conditioned", Msg("err_lint_conditioned", kappa=f"{a.condition_number:.3g}"),
                           Msg("err_lint_conditioned_fix")))
    return out


def _coefficient_spread(system) -> float:
    import math

    sizes = [abs(float(v)) for v in list(system.A) + list(system.b) if v != 0]
    return math.log10(max(sizes) / min(sizes)) if sizes else 0.0


def text(path: str, problems: list[Problem], lang: str = "en") -> str:
    if not problems:
        return t(lang, "cli_no_problems", path=path)
    lines = []
    for p in problems:
        where = f"{path}:{p.line}" if p.line else path
        lines += [f"{where}: {t(lang, 'cli_warning')} [{p.code}]: {said(p.message, lang)}",
                  f"    {t(lang, 'cli_fix')}: {said(p.fix, lang)}"]
    return "\n".join(lines)

