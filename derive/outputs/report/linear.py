"""The worked solution of a linear system: exact answer, objective and gradient, step size, gradient
descent against theory, the other methods, and a step too large."""
from __future__ import annotations

import sympy as sp

from ...core.parser import symbol
from ...model.system import Analysis, System
from . import figures
from .doc import Code, Heading, Items, M, Math, Para, Report, Table, rich
from ...core.i18n import t
from .mathtex import floored, short, tex

BIG = 12          # unknowns beyond which vectors and matrices are not written out


def build(stem: str, title: str, system: System, analysis: Analysis, study, lang: str,
          compact: bool = False) -> Report:
    """Every section of a linear system's walkthrough, in `lang` (compact: no figures or code)."""
    r = Report(stem, lang, title, compact=compact)
    statement(r, system, lang)
    _exact(r, system, analysis, lang)
    _objective(r, study, lang)
    if study.skipped:
        r.add(Heading(2, [t(lang, "s_methods")]), Para(rich(t(lang, f"s_skipped_{study.skipped}"))))
    else:
        _step(r, system, analysis, study, lang)
        _methods(r, system, analysis, study, lang)
        _divergence(r, study, lang)
    if not compact and not study.skipped:
        r.add(Heading(2, [t(lang, "reproduce")]), Para([t(lang, "reproduce_intro")]),
              Code(_script(system, study, lang)))
    return r


def _matrix(m: sp.Matrix) -> str:
    rows = [" & ".join(tex(v) for v in m.row(i)) for i in range(m.rows)]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


def statement(r: Report, system: System, lang: str):
    rows = [f"{tex(e.lhs)} &= {tex(e.rhs)}" for e in system.equations]
    r.add(Heading(2, [t(lang, "s_statement")]), Para([t(lang, "s_statement_text")]),
          Math(r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"), Para([t(lang, "s_by_gd")]))
    if len(system.unknowns) <= BIG:
        xs = sp.Matrix([symbol(u) for u in system.unknowns])
        r.add(Para(rich(t(lang, "s_matrix"))),
              Math(rf"A = {_matrix(system.A)}, \quad \mathbf{{x}} = {_matrix(xs)}, \quad \mathbf{{b}} = {_matrix(system.b)}"))


def _solution(values: dict) -> str:
    return r", \quad ".join(f"{tex(symbol(k))} = {tex(v)}" for k, v in values.items())


def _exact(r: Report, system: System, a: Analysis, lang: str):
    r.add(Heading(2, [t(lang, "s_exact")]))
    lead = t(lang, "s_ranks", rank=a.rank, rank_aug=a.rank_augmented, n=len(system.unknowns)) + " "
    if a.classification == "unique":
        r.add(Para(rich(lead + t(lang, "s_unique"))), Math(_solution(a.exact)), Para(rich(t(lang, "s_check"))))
    elif a.classification == "none":
        xs = sp.Matrix([a.least_squares[u] for u in system.unknowns])
        residual = sp.sqrt(sum(v**2 for v in (system.A * xs - system.b)))
        r.add(Para(rich(lead + t(lang, "s_none"))), Math(_solution(a.least_squares)),
              Para(rich(t(lang, "s_residual_min", r=tex(sp.nsimplify(residual))))))
    else:
        free = ", ".join(f"${tex(symbol(u))}$" for u in a.free)
        r.add(Para(rich(lead + t(lang, "s_infinite", free=free))), Math(_solution(a.minimum_norm)))


def _objective(r: Report, study, lang: str):
    r.add(Heading(2, [t(lang, "s_objective")]), Para([t(lang, "s_objective_text")]),
          Math(r"f(x) = \tfrac12 \lVert Ax - b\rVert^2 = \tfrac12 \sum_i \big( (Ax)_i - b_i \big)^2"))
    g = study.gradient
    if g is None:
        return
    rows = [rf"\frac{{\partial f}}{{\partial {tex(symbol(u))}}} &= {tex(e)}" for u, e in g.engine.items()]
    point = "$(" + ", ".join(str(v) for v in g.point.values()) + ")$"
    r.add(Para(rich(t(lang, "s_objective_why"))),
          Math(r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}"),
          Para(rich(t(lang, "s_gradient_ok", same=t(lang, "yes" if g.matches_formula else "no"), point=point,
                      agrees=t(lang, "yes" if g.autograd_agrees else "no")))))


def _step(r: Report, system: System, a: Analysis, study, lang: str):
    gd = study.runs.get("gradient-descent")
    kappa2 = a.L / a.mu if a.mu else float("inf")
    r.add(Heading(2, [t(lang, "s_step")]),
          Para(rich(t(lang, "s_step_text", L=short(a.L), mu=short(a.mu), kappa2=short(kappa2),
                      kappa=short(a.condition_number)))))
    if gd is None:
        return
    step = gd.step
    if step.rule == "optimal":
        stopping = t(lang, "s_stop_gradient" if gd.criterion == "gradient" else "s_stop_residual",
                     tolerance=short(system.solver.tolerance, 2), bound=step.bound)
        text = t(lang, "s_step_optimal", rate=short(step.rate), rho=short(step.rho, 8), stopping=stopping)
    elif step.rule == "file":
        text = t(lang, "s_step_file", rate=short(step.rate))
    else:
        text = t(lang, "s_step_singular", rate=short(step.rate))
    r.add(Para(rich(text)))
    if gd.converged:
        values = dict(zip(system.unknowns, gd.solution))
        r.add(Para(rich(t(lang, "s_result_gd", k=gd.iterations, bound=step.bound if step.bound is not None else "—"))),
              Math(r", \quad ".join(f"{tex(symbol(k))} = {short(v, 12)}" for k, v in values.items())))
    else:
        r.add(Para([t(lang, "s_not_converged", k=gd.iterations)]))


def _theory(run, n: int, lang: str) -> str:
    if run.method == "conjugate-gradient":
        return t(lang, "s_at_most_n", n=n)
    if run.step.bound is not None:
        return t(lang, "s_bound", k=run.step.bound)
    if run.step.estimate is not None:
        return t(lang, "s_estimate", k=run.step.estimate)
    return "—"


def _methods(r: Report, system: System, analysis: Analysis, study, lang: str):
    n = len(system.unknowns)
    r.add(Heading(2, [t(lang, "s_methods")]), Para(rich(t(lang, "s_methods_text", n=n))))
    reference = analysis.exact or analysis.least_squares or analysis.minimum_norm
    header = [[t(lang, "s_col_method")], [t(lang, "s_col_step")], [t(lang, "s_col_iterations")],
              [t(lang, "s_col_theory")],
              [t(lang, "s_col_gradient" if study.runs[next(iter(study.runs))].criterion == "gradient" else "s_col_residual")],
              [t(lang, "s_col_error")] + [M(r"\lVert x - x^\ast \rVert_\infty")] if reference else
              [t(lang, "s_col_solution")]]
    rows = []
    for method, run in study.runs.items():
        step = short(run.step.rate, 4)
        if run.step.beta is not None and method != "adam":
            step += rf", \beta = {short(run.step.beta, 4)}"
        step_cell = ["—"] if run.step.rate != run.step.rate else [M(step)]
        if reference:
            error = max(abs(v - float(reference[u])) for u, v in zip(system.unknowns, run.solution))
            last = [M(floored(error))]
        else:
            shown = list(zip(system.unknowns, run.solution))[:6]
            last = [M(", ".join(f"{tex(symbol(u))} = {short(v, 10)}" for u, v in shown) + (r", \ldots" if n > 6 else ""))]
        rows.append([[t(lang, f"method_{method}")], step_cell,
                     [str(run.iterations)] + ([] if run.converged else [" (" + t(lang, "s_no_converge") + ")"]),
                     [_theory(run, n, lang)], [M(floored(run.residual))], last])
    r.add(Table(header, rows, "lrrrrr" if reference else "lrrrrl"))
    r.figure(f"{r.stem}.convergence", lambda path, formats: figures.convergence_figure(study, lang, path, formats),
             rich(t(lang, "s_convergence_caption")), 0.75)
    r.add(Para([t(lang, "s_rules")]),
          Items([[t(lang, f"method_{m}") + ": "] + rich(t(lang, f"rule_{run.step.rule}")) for m, run in study.runs.items()]),
          Para(rich(t(lang, "s_seed_note"))))


def _divergence(r: Report, study, lang: str):
    d = study.divergence
    if d is None:
        return
    r.add(Heading(2, [t(lang, "s_diverge")]),
          Para(rich(t(lang, "s_diverge_text", rate=short(d.step.rate, 4), k=d.iterations,
                      r0=f"${short(d.history[0][1], 3)}$", rk=f"${short(d.history[-1][1], 3)}$"))))


def _script(system: System, study, lang: str) -> str:
    A = [[float(v) for v in row] for row in system.A.tolist()]
    b = [float(v) for v in system.b]
    gd = study.runs["gradient-descent"]
    return "\n".join([
        "import torch", "",
        t(lang, "code_gd"),
        f"A = torch.tensor({A!r}, dtype=torch.float64)",
        f"b = torch.tensor({b!r}, dtype=torch.float64)",
        "L, mu = (torch.linalg.svdvals(A)[[0, -1]] ** 2).tolist()",
        "alpha = 2 / (L + mu)" if gd.step.rule == "optimal" else f"alpha = {gd.step.rate!r}",
        "x = torch.zeros(A.shape[1], dtype=torch.float64)",
        "k = 0",
        f"while torch.linalg.vector_norm(A @ x - b) / torch.linalg.vector_norm(b) > {system.solver.tolerance!r} "
        f"and k < {system.solver.max_iterations}:",
        "    x = x - alpha * (A.T @ (A @ x - b))",
        "    k += 1",
        "print(k, x.tolist())",
        f"assert abs(k - {gd.iterations}) <= 2, k   " + t(lang, "code_iterations", k=gd.iterations),
    ]) + "\n"
