"""The worked solution of a gradient exercise: statement, forward pass, graph, local derivatives,
backward pass, gradient, numeric checks and diagnostics, as report blocks."""
from __future__ import annotations


import mpmath
import sympy as sp

from ...core.budget import known
from ...model.derivation import Derivation
from . import second, training
from .choices import convention_paragraph, seed_paragraph
from ...passes.exact import tidy
from ...checks.numeric import TOL, Checks
from ...core.parser import symbol
from . import diagram, figures, torchcode
from .blocks import BESIDE, aligned, broken, math_name, stopped_note, terms
from .doc import B, C, Code, Heading, Items, M, Math, Mermaid, Para, Report, Table, rich
from ...core.i18n import t
from .mathtex import bar, exact_eq, factor, is_exact_text, name, number, partial, rational_tex, short, substituted, tex, value_tex

PER_ROW = 6                 # values per row when a point or a list is too long for one line
FULL_FORM_LIMIT = 300       # LaTeX characters beyond which a closed form in the inputs is not printed


def build(stem: str, title: str, d: Derivation, checks: Checks | None, lang: str, compact: bool = False) -> Report:
    """Every section of a gradient exercise's walkthrough, in `lang` (compact: no figures, files or code)."""
    r = Report(stem, lang, title, compact=compact)
    values = _values(d, lang)
    statement(r, d, lang)
    _forward(r, d, values, lang)
    if not compact:                  # an answer key has no figures: it does not talk about one either
        _graph(r, d, lang)
    _local(r, d, values, lang)
    _backward(r, d, lang)
    _result(r, d, lang)
    second.section(r, d, checks, lang)
    training.section(r, d, lang)
    if checks is not None:
        _checks(r, d, checks, lang)
        diagnostics(r, d, checks, lang)
        if not compact:
            _reproduce(r, d, checks, lang)
    return r


def _listing(items: list[str], separator: str = r", \quad ") -> str:
    """A list for display math, PER_ROW to a line."""
    lines = [separator.join(items[i:i + PER_ROW]) for i in range(0, len(items), PER_ROW)]
    return lines[0] if len(lines) == 1 else r"\begin{gathered} " + r" \\ ".join(lines) + r" \end{gathered}"


def statement(r: Report, d: Derivation, lang: str):
    ex = d.exercise
    point = [f"{name(x)} = {tex(v)}" for x, v in ex.values.items()]
    rows = [f"{name(f)} &= {_written(ex.formulas[f], lang)}" for f in d.order if f in ex.formulas]
    r.add(Heading(2, [t(lang, "g_statement")]))
    if len(point) <= PER_ROW:
        r.add(Para([t(lang, "g_statement_text") + " ", M(", ".join(point)), " " + t(lang, "g_formulas")]))
    else:
        r.add(Para([t(lang, "g_statement_text")]), Math(_listing(point)), Para([t(lang, "g_formulas")]))
    aligned(r, rows, lang)
    r.add(*seed_paragraph(d, lang))
    r.add(Para(rich(t(lang, "g_task", target=math_name(d.target)))),
          Math(_listing([partial(d.target, x) for x in ex.wrt])),
          Para(rich(t(lang, "g_three_ways"))))


def _written(formula, lang: str) -> str:
    """A formula as the teacher wrote it (2(a + b), not 2a + 2b)."""
    if formula.display is None:
        return tex(formula.expr, lang)
    return tex(formula.display, lang, written=True)


def _values(d: Derivation, lang: str) -> dict[str, tuple[str, object]]:
    return {n: value_tex(node.exact, node.value, lang) for n, node in d.nodes.items()}


def _forward(r: Report, d: Derivation, values: dict, lang: str):
    rows = []
    for n in d.order:
        node = d.nodes[n]
        if node.kind != "formula":
            continue
        formula = d.exercise.formulas[n]
        shown = formula.display if formula.display is not None else formula.expr
        exact_inputs = all(is_exact_text(values[p]) for p in d.graph.predecessors(n))
        sign = "=" if exact_inputs else r"\approx"      # decimals substituted: never inside an exact chain
        parts = [_written(formula, lang), f"{sign} {substituted(shown, values, lang, written=True)}"]
        result = rational_tex(node.exact)
        if result is None and exact_inputs and known(node.exact) \
                and sp.count_ops(node.exact) < sp.count_ops(node.expr):
            result = tex(node.exact, lang)
        if result is not None and exact_inputs:
            parts.append(f"= {result}")
        if rational_tex(node.exact) is None:
            parts.append(rf"\approx {number(node.value)}")
        parts = [parts[0]] + [p for i, p in enumerate(parts[1:], 1) if p[p.index(" ") + 1:] != parts[i - 1].split(" ", 1)[-1]]
        line = f"{name(n)} &= " + " ".join(parts)
        rows += broken(line)
    r.add(Heading(2, [t(lang, "g_forward")]), Para(rich(t(lang, "g_forward_text"))))
    aligned(r, rows, lang, wide=True)




def _graph(r: Report, d: Derivation, lang: str):
    big = d.graph.number_of_nodes() > figures.GRAPH_DETAIL_LIMIT
    r.add(Heading(2, [t(lang, "g_graph")]), Para(rich(t(lang, "g_graph_text", target=math_name(d.target)))))
    if big:
        r.add(Para([t(lang, "g_graph_summary", nodes=d.graph.number_of_nodes(), edges=d.graph.number_of_edges())]))
    r.figure(f"{r.stem}.graph", figures.shared(lambda path, formats: figures.graph_figure(d, path, formats), id(d)),
             rich(t(lang, "g_graph_caption", target=math_name(d.target)) + stopped_note(d, lang)),
             alt=diagram.alt_text(d, lang))
    mermaid = diagram.mermaid(d)
    if not r.compact:
        r.attachments[f"{r.stem}.graph.dot"] = diagram.dot(d)
        r.attachments[f"{r.stem}.graph.tikz.tex"] = diagram.tikz(d)
        r.attachments[f"{r.stem}.graph.mmd"] = mermaid
        r.add(Para([t(lang, "g_graph_files") + " ", C(f"{r.stem}.graph.mmd"), ", ", C(f"{r.stem}.graph.dot"), ", ",
                    C(f"{r.stem}.graph.tikz.tex"), "."], BESIDE))
    if not big:
        r.add(Mermaid(mermaid))


def _local(r: Report, d: Derivation, values: dict, lang: str):
    r.add(Heading(2, [t(lang, "g_local")]), Para(rich(t(lang, "g_local_text"))))
    rows = []
    for child in d.order:
        for p in (p for p in d.order if (p, child) in d.edges):
            e = d.edges[p, child]
            lhs = partial(child, p)
            symbolic = tex(e.local, lang) if e.local is not None else r"\text{---}"
            if not known(e.exact) and mpmath.isnan(e.value):
                value = r"\text{" + t(lang, "g_local_kink") + "}"
            else:
                value = exact_eq(tidy(e.exact), e.value, lang, digits=15)
            if e.local is not None and e.local.is_number:
                rows.append(rf"{lhs} &= {symbolic} & &")
                continue
            used = e.local.free_symbols if e.local is not None else set()
            at = ", ".join(f"{name(q)} = {values[q][0]}" for q in d.order if symbol(q) in used)
            where = rf"\left.{lhs}\right|_{{{at}}}" if at else lhs
            value = value if value.startswith(r"\approx") else f"= {value}"
            rows.append(rf"{lhs} &= {symbolic}, & {where} &{value}")
    aligned(r, rows, lang, wide=True)
    r.add(*convention_paragraph(d, lang))


def _backward(r: Report, d: Derivation, lang: str):
    r.add(Heading(2, [t(lang, "g_backward")]),
          Para(rich(t(lang, "g_backward_text", bar=f"${bar('v')} = {partial(d.target, 'v')}$",
                      target=math_name(d.target)))))
    rows = [rf"{bar(d.target)} &= {partial(d.target, d.target)} = 1"]
    for n in d.backward_order():
        adj = d.adjoints.get(n)
        if adj is None or n == d.target:
            continue
        chain = " + ".join(rf"{bar(c)} \, {partial(c, n)}" for c in adj.children)
        pairs = [(value_tex(tidy(d.adjoints[c].exact), d.adjoints[c].value, lang),
                  value_tex(tidy(d.edges[n, c].exact), d.edges[n, c].value, lang)) for c in adj.children]
        exact = all(is_exact_text(a) and is_exact_text(b) for a, b in pairs)
        numbers = " + ".join(rf"{factor(a)} \cdot {factor(b)}" for a, b in pairs)
        result = exact_eq(tidy(adj.exact), adj.value, lang, digits=15)
        if not exact:                         # a decimal among the factors: ≈ from there on, never =
            numbers, result = rf"\approx {numbers}", rf"\approx {number(adj.value, 15)}"
        else:
            numbers = f"= {numbers}"
            result = result if result.startswith(r"\approx") else f"= {result}"
        rows += broken(rf"{bar(n)} &= {chain} {numbers} {result}")
    aligned(r, rows, lang, wide=True)


def _abbreviated(d: Derivation, expr, closed: dict):
    """A closed form in the inputs rewritten with the formulas' names where their closed forms appear."""
    for n in reversed(d.order):
        c = closed.get(n)
        if d.nodes[n].kind == "formula" and c is not None and n != d.target:
            expr = expr.xreplace({c: symbol(n), -c: -symbol(n)})
    return expr


def _result(r: Report, d: Derivation, lang: str):
    r.add(Heading(2, [t(lang, "g_result")]), Para([t(lang, "g_result_text")]))
    header = [[t(lang, "g_input")], [t(lang, "g_exact")], [t(lang, "g_decimal")]]
    rows = []
    for x in d.exercise.wrt:
        g = d.gradients[x]
        exact = [M(f"{partial(d.target, x)} = {tex(g.exact, lang)}")] if known(g.exact) else \
            [t(lang, "g_undefined") if g.kink else "—"]
        decimal = rational_tex(g.exact) if known(g.exact) and getattr(g.exact, "is_Rational", False) else None
        rows.append([[M(name(x))], exact, [M(decimal if decimal and "frac" not in decimal else number(g.value))
                                           if g.value is not None else "—"]])
    r.add(Table(header, rows, "lll"))
    r.add(*convention_paragraph(d, lang))
    forms = []
    closed = d.composed
    for x in d.exercise.wrt:
        g = d.gradients[x]
        if g.convention:
            r.add(Para(rich(t(lang, "g_closed_convention", d=f"${partial(d.target, x)}$"))))
            continue
        if g.expression is None:
            r.add(Para(rich(t(lang, "g_closed_omitted", d=f"${partial(d.target, x)}$"))))
            continue
        short_form = tex(tidy(_abbreviated(d, g.expression, closed)), lang)
        full = tex(g.expression, lang)
        forms += terms(rf"{partial(d.target, x)} &= {short_form}")
        if full != short_form and len(full) <= FULL_FORM_LIMIT:
            forms += terms(rf"&= {full}")
    if forms:
        r.add(Para([t(lang, "g_closed")]))
        aligned(r, forms, lang, wide=True)


def _verdict(c, d: Derivation, checks: Checks, lang: str) -> str:
    if c.exact is None:
        return t(lang, "v_kink")
    e = c.errors
    auto = t(lang, "v_auto_ok" if e["float64"] is not None and e["float64"] <= TOL["float64"] else "v_auto_bad")
    if e["central"] is not None and e["central"] <= TOL["finite_differences"]:
        fd = t(lang, "v_fd_ok")
    elif checks.values["float64"] == 0.0 and float(d.nodes[d.target].value) != 0.0:
        fd = t(lang, "v_fd_zero", target=d.target)
    else:
        fd = t(lang, "v_fd_bad")
    return f"{auto}; {fd}"


def _err(value) -> str:
    return "—" if value is None else f"{value:.1e}"


def _checks(r: Report, d: Derivation, checks: Checks, lang: str):
    r.add(Heading(2, [t(lang, "g_checks")]), Para(rich(t(lang, "g_checks_text", target=math_name(d.target)))))
    header = [[t(lang, "g_input")], [t(lang, "g_col_exact")], [t(lang, "g_col_auto64")], [t(lang, "g_col_auto32")],
              [t(lang, "g_col_central")], [t(lang, "g_col_richardson")]]
    rows = []
    for x, c in checks.checks.items():
        if c.fd is None:
            continue
        central = c.fd.best_central
        rows.append([[M(name(x))], [M(short(c.exact, 8))],
                     [M(short(c.autograd["float64"], 8)), f" ({_err(c.errors['float64'])})"],
                     [M(short(c.autograd["float32"], 6)), f" ({_err(c.errors['float32'])})"],
                     [M(short(central[1], 6)) if central else "—",
                      f" (h = {central[0]:.0e}, {_err(c.errors['central'])})" if central else ""],
                     [M(short(c.fd.richardson, 6)) if c.fd.richardson is not None else "—"]])
    r.add(Table(header, rows, "lrrrrr"), Para(rich(t(lang, "g_parentheses") + " " + t(lang, "g_tolerances"))))
    verdicts = {x: _verdict(c, d, checks, lang) for x, c in checks.checks.items()}
    if len(set(verdicts.values())) == 1:
        r.add(Para([B(t(lang, "g_verdict_all")), " " + next(iter(verdicts.values())) + "."]))
    else:
        r.add(Items([[M(name(x)), ": " + v] for x, v in verdicts.items()]))
    r.figure(f"{r.stem}.steps", lambda path, formats: figures.steps_figure(d, checks, lang, path, formats),
             [t(lang, "g_steps_caption")], 0.75)


def diagnostics(r: Report, d: Derivation, checks: Checks, lang: str, heading: str = "g_diagnostics"):
    r.add(Heading(2, [t(lang, heading)]))
    warnings = list(d.warnings) + list(checks.warnings)
    items = []
    for w in warnings:
        text = _explain(w, d, checks, lang)
        if text:
            items.append(rich(text))
        if w.code == "rounds-to-zero" and w.node == d.target:
            items.append(rich(t(lang, "d_fd_zero", target=math_name(d.target))))
            errs = [c.errors["float64"] for c in checks.checks.values() if c.errors["float64"] is not None]
            local = next((e for e in d.edges.values() if e.value is not None and not mpmath.isnan(e.value)
                          and e.value != 0 and abs(e.value) < 1e-8), None)
            if errs and max(errs) <= TOL["float64"] and local is not None:
                saturated = next((w2.node for w2 in warnings if w2.code == "saturation"), d.target)
                items.append(rich(t(lang, "d_autograd_ok", err=f"${short(max(errs), 2)}$",
                                    local=f"${partial(local.child, local.parent)} \\approx {short(local.value, 4)}$",
                                    node=name(saturated))))
    if not items:
        r.add(Para([t(lang, "g_all_well")]))
        return
    r.add(Items(items))
    if d.kinks:
        rows = []
        for c in checks.checks.values():
            k = d.gradients[c.wrt].kink
            if k is None or d.tensor:         # tensors: no one-sided derivatives to show
                continue
            conv = c.conventions or {}
            rows.append(rich(t(lang, "g_kink_row", d=f"${partial(d.target, c.wrt)}$",
                               left=f"${tex(k.left, lang)}$" if k.left is not None else "—",
                               right=f"${tex(k.right, lang)}$" if k.right is not None else "—",
                               **{f: f"${short(conv.get(f), 6)}$" for f in ("relu", "clamp", "maximum")})))
        if rows:
            r.add(Heading(3, [t(lang, "g_kinks")]), Items(rows))


def _explain(w, d: Derivation, checks: Checks, lang: str) -> str | None:
    """A diagnostic in the report's words: its code's entry of EXPLAIN (None for a code the report leaves out)."""
    explain = EXPLAIN.get(w.code)
    return explain(w, d, checks, lang) if explain else None


def _saturation(w, d, checks, lang):
    node, f64 = d.nodes[w.node], checks.nodes["float64"][w.node]
    asymptote = 1.0 if f64 > 0 else -1.0
    return t(lang, "d_saturation", node=math_name(w.node), exact=f"${short(node.value, 20)}$",
             asymptote="1" if asymptote > 0 else "$-1$", rounded=f"${f64:g}$",
             gap=f"${short(abs(node.value - asymptote), 3)}$")


def _float32_underflow(w, d, checks, lang):
    key = w.data.get("element", w.node)          # a tensor's element ("z[0]"), or a scalar input
    shown = name(w.node) + ("" if key == w.node else key[len(w.node):])
    return t(lang, "d_f32_underflow", target=name(d.target), x=shown, exact=short(checks.checks[key].exact, 4))


def _kink(w, d, checks, lang):
    k = d.kinks[w.data["kink"]] if "kink" in w.data else next((k for k in d.kinks if k.node == w.node), None)
    expr = f"${tex(k.expr, lang)}$" if k else ""
    if d.exercise.kink != "undefined":
        return t(lang, "d_kink_convention", expr=expr, node=math_name(w.node),
                 convention=t(lang, f"conv_{d.exercise.kink}"))
    return t(lang, "d_kink", expr=expr, node=math_name(w.node))


def _named(key: str):
    """A diagnostic about one value or one gradient (data: name, gradient): `key`'s sentence with it."""
    def explain(w, d, checks, lang):
        x = w.data["name"]
        return t(lang, key, what=f"${partial(d.target, x)}$" if w.data["gradient"] else math_name(x))
    return explain


EXPLAIN = {               # diagnostic code -> its sentence in the report (diagnose.py and numeric.py find them)
    "saturation": _saturation,
    "rounds-to-zero": lambda w, d, checks, lang: t(lang, "d_rounds", node=math_name(w.node),
                                                   exact=f"${short(d.nodes[w.node].value, 20)}$"),
    "stable-rewrite": lambda w, d, checks, lang: _stable_text(w, d, lang),
    "overflow": lambda w, d, checks, lang: t(lang, "d_overflow", node=math_name(w.node), dtype=w.data["dtype"],
                                             value=f"{w.data['value']}"),
    "cancellation": lambda w, d, checks, lang: t(lang, "d_cancellation", node=math_name(w.node),
                                                 f64=f"${short(checks.nodes['float64'][w.node], 17)}$",
                                                 exact=f"${short(d.nodes[w.node].value, 17)}$"),
    "float32-underflow": _float32_underflow,
    "kink": _kink,
    "vanishing": _named("d_vanishing"),
    "unproven-zero": _named("d_unproven_zero"),
    "hessian-vanishing": lambda w, d, checks, lang: t(lang, "err_hessian_vanishing", **w.data) + ".",
    "kink-passed": lambda w, d, checks, lang: t(lang, "d_kink_passed", node=math_name(w.node),
                                                d=f"${partial(d.target, w.data['wrt'])}$" if w.data.get("wrt")
                                                else ""),
}


def _stable_text(w, d: Derivation, lang: str) -> str:
    v = w.data
    return t(lang, "d_stable", node=math_name(w.node), z=short(v["at"], 6), v64=f"${short(v['float64'], 17)}$",
             v32=f"${short(v['float32'], 8)}$", naive=f"${short(v['naive'], 3)}$")


def _reproduce(r: Report, d: Derivation, checks: Checks, lang: str):
    stable = next(((w.node, w.data["z"]) for w in checks.warnings if w.code == "stable-rewrite"), None)
    r.add(Heading(2, [t(lang, "reproduce")]), Para([t(lang, "reproduce_intro")]),
          Code(torchcode.gradient_script(d, lang, stable, checks)))
