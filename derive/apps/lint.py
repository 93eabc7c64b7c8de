"""`derive check`: what makes an exercise a poor one (a kink at the point, saturation, dead formulas,
a gradient that is identically zero, …), each with its line in the file and a fix."""
from __future__ import annotations

from dataclasses import dataclass

from .. import pipeline
from ..core.errors import DeriveError

ILL_CONDITIONED = 1e8
HUGE_SPREAD = 12          # orders of magnitude between the largest and smallest nonzero coefficient


@dataclass
class Problem:
    line: int | None
    code: str
    message: str
    fix: str


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
    from ..checks.diagnose import float_diagnostics
    from ..model.derivation import plain
    from ..passes.graph import build, reach

    out = []
    graph = build(ex).dag
    for name in ex.values:
        if graph.out_degree(name) == 0:
            out.append(Problem(_line(ex, "values", name), "unused-input", f"input {name!r} is used by no formula",
                               f"remove {name!r} from [values], or use it in a formula"))
    reaching = reach(graph, [ex.target], forward=False) - {ex.target}
    for name in ex.formulas:
        if name not in reaching and name != ex.target:
            out.append(Problem(_line(ex, "formulas", name), "unused-formula",
                               f"formula {name!r} does not lead to the target {ex.target!r}",
                               f"remove it, or use it in a formula that leads to {ex.target!r}"))
    if graph.out_degree(ex.target):
        users = ", ".join(sorted(graph.successors(ex.target)))
        out.append(Problem(_line(ex, "gradient", "of") or _line(ex, "formulas", ex.target), "target-not-sink",
                           f"the target {ex.target!r} is used by other formulas ({users})",
                           "differentiate the last formula instead, or remove the formulas after the target"))
    try:
        d = pipeline.compute(ex, pipeline.Options(checks=False, training=False)).derivation
    except DeriveError as e:
        return out + [Problem(e.spot.line, "domain", e.message, e.hint or "choose another point")]
    for k in d.kinks:
        out.append(Problem(ex.formulas[k.node].line, "kink",
                           f"{plain(k.expr)} in formula {k.node!r} sits exactly on its kink at this point: "
                           "the derivatives through it are undefined",
                           "move the point off the kink (change a value so the arguments of max/min differ, "
                           "or the argument of abs/relu is not 0)"))
    fixes = {
        "saturation": "choose values that keep the function's argument small (|z| below about 15 for σ and tanh)",
        "rounds-to-zero": "choose values that keep the function off its flat region, or write it stably "
                          "(log σ(z) as -softplus(-z))",
        "overflow": "choose smaller values",
        "cancellation": "avoid subtracting nearly equal quantities at this point",
        "float32-underflow": "choose values whose gradients are not tiny",
    }
    for w in d.warnings + float_diagnostics(d):
        if w.code in fixes:
            line = ex.formulas[w.node].line if w.node in ex.formulas else None
            out.append(Problem(line, w.code, w.message, fixes[w.code]))
    if ex.ranges:
        out += _ranges(ex)
    for x in ex.wrt:
        g = d.gradients[x]
        if x not in reaching or (g.expression is not None and g.expression == 0):
            out.append(Problem(_line(ex, "gradient", "wrt") or _line(ex, "values", x), "zero-gradient",
                               f"d{ex.target}/d{x} is identically 0: {x!r} does not change {ex.target!r}",
                               f"remove {x!r} from wrt, or make {ex.target!r} depend on it"))
    return out


SAMPLE = 20              # draws from the ranges that `check` examines


def _ranges(ex) -> list[Problem]:
    """What a class would get: SAMPLE draws from the ranges, screened as `variants` screens them."""
    from .variants import sample_screen

    counts = sample_screen(ex, SAMPLE)
    rejected = SAMPLE - counts.get("ok", 0)
    if not rejected:
        return []
    from .variants import summary

    line = min(r.line for r in ex.ranges.values() if r.line) if any(r.line for r in ex.ranges.values()) else None
    return [Problem(line, "ranges", f"of {SAMPLE} draws from the ranges, {rejected} would be rejected by "
                    f"`variants` ({summary({k: v for k, v in counts.items() if k != 'ok'})})",
                    "narrow the ranges, or expect `variants` to redraw that often")]


def _system(ex) -> list[Problem]:
    from ..model.system import analyse

    a = analyse(ex.system)
    line = _line(ex, "", "equations")
    out = []
    if a.classification == "none":
        out.append(Problem(line, "inconsistent", "the system has no solution (rank A < rank [A|b])",
                           "change a right-hand side, unless the exercise is about least squares"))
    elif a.classification == "infinite":
        out.append(Problem(line, "underdetermined", f"the system has infinitely many solutions "
                           f"(free: {', '.join(a.free)})", "add an independent equation"))
    if a.float64 == "numerically-singular":
        out.append(Problem(line, "numerically-singular", "float64 cannot tell A from a singular matrix (κ(A) ≥ 1/ε "
                           "or its rank drops once rounded): every iterative method would return noise",
                           "make the equations clearly independent (coefficients that differ well above 1e-15)"))
    spread = _coefficient_spread(ex.system)
    if spread > HUGE_SPREAD:
        out.append(Problem(line, "huge-coefficients", f"the coefficients span {spread:.1e} orders of magnitude: "
                           "float64 keeps about 16 digits", "scale the equations so their coefficients are comparable"))
    if a.condition_number != float("inf") and a.condition_number > ILL_CONDITIONED:
        out.append(Problem(line, "ill-conditioned", f"the condition number is {a.condition_number:.3g}: gradient "
                           "descent will need an impractical number of iterations", "choose better-separated equations"))
    return out


def _coefficient_spread(system) -> float:
    import math

    sizes = [abs(float(v)) for v in list(system.A) + list(system.b) if v != 0]
    return math.log10(max(sizes) / min(sizes)) if sizes else 0.0


def text(path: str, problems: list[Problem], lang: str = "en") -> str:
    from ..core.messages import say
    from ..core.i18n import t

    if not problems:
        return t(lang, "cli_no_problems", path=path)
    lines = []
    for p in problems:
        where = f"{path}:{p.line}" if p.line else path
        lines += [f"{where}: {t(lang, 'cli_warning')} [{p.code}]: {say(p.message, lang)}",
                  f"    {t(lang, 'cli_fix')}: {say(p.fix, lang)}"]
    return "\n".join(lines)

