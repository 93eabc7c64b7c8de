"""The worked solution of a tensor exercise, at the level of matrices, the way a deep-learning course writes
backprop: each formula once with its shapes; the backward pass as each op's vector-Jacobian product in
matrix notation (W̄ = Ȳ Xᵀ), then with the numbers as matrices; the gradient of every tensor input as a
matrix of its shape; autograd and finite differences element by element."""
from __future__ import annotations

import mpmath
import sympy as sp

from ...core import arrays
from ...passes.backward import accumulate, formula_steps
from ...model.derivation import Derivation
from . import second, training
from .choices import convention_paragraph, seed_paragraph
from ...core.evaluate import MP
from ...core.latex import Printer
from ...checks.numeric import TOL, Checks
from ...core.ops import op_of, operands, shape_of_expr, shape_text
from . import diagram, figures, rules, torchcode
from .units import Unit, leaves as _leaves, units
from .doc import B, C, Code, Heading, M, Math, Mermaid, Para, Report, Table, rich
from .blocks import BESIDE, aligned, math_name, relation, stopped_note, value_tex
from .gradient import diagnostics
from ...core.i18n import t
from .mathtex import bar, name, partial, short
from ...core.diff import local_grad



def build(stem: str, title: str, d: Derivation, checks: Checks | None, lang: str, compact: bool = False) -> Report:
    r = Report(stem, lang, title, compact=compact)
    statement(r, d, lang)
    _forward(r, d, lang)
    if not compact:
        _graph(r, d, lang)
    _backward(r, d, lang)
    _result(r, d, lang)
    second.section(r, d, checks, lang)
    training.section(r, d, lang)
    if checks is not None:
        _checks(r, d, checks, lang)
        diagnostics(r, d, checks, lang, heading="t_diagnostics")
        if not compact:
            r.add(Heading(2, [t(lang, "reproduce")]), Para([t(lang, "reproduce_intro")]),
                  Code(torchcode.tensor_script(d, lang, checks)))
    return r


def shapes(d: Derivation) -> dict:
    return {n: node.shape for n, node in d.nodes.items()}


def formula_tex(d: Derivation, expr) -> str:
    return Printer({"order": "none"}, shapes=shapes(d)).doprint(expr)


def statement(r: Report, d: Derivation, lang: str):
    ex = d.exercise
    r.add(Heading(2, [t(lang, "g_statement")]), Para([t(lang, "t_statement_text")]))
    rows = [rf"{name(x)} &{relation(ex.values[x], d.nodes[x].value)} {value_tex(ex.values[x], d.nodes[x].value, lang)} & &{_shape(d, x)}"
            for x in ex.values]
    aligned(r, rows, lang, wide=True)
    r.add(Para([t(lang, "g_formulas")]))
    rows = [rf"{name(f)} &= {formula_tex(d, ex.formulas[f].display)} & &{_shape(d, f)}" for f in d.order
            if f in ex.formulas]
    aligned(r, rows, lang, wide=True)
    r.add(*seed_paragraph(d, lang))
    r.add(Para(rich(t(lang, "t_task", target=math_name(d.target)))),
          Math(r", \quad ".join(partial(d.target, x) for x in ex.wrt)),
          Para(rich(t(lang, "t_shapes_note"))))


def _shape(d: Derivation, n: str) -> str:
    return rf"\text{{{shape_text(d.nodes[n].shape)}}}"


def _forward(r: Report, d: Derivation, lang: str):
    r.add(Heading(2, [t(lang, "g_forward")]), Para(rich(t(lang, "t_forward_text"))))
    rows = []
    for n in d.order:
        node = d.nodes[n]
        if node.kind != "formula":
            continue
        formula = d.exercise.formulas[n]
        rows.append(rf"{name(n)} &= {formula_tex(d, formula.display)} & &{_shape(d, n)}")
        rows.append(rf"&{relation(node.exact, node.value)} {value_tex(node.exact, node.value, lang)}")
    aligned(r, rows, lang, wide=True)


def _graph(r: Report, d: Derivation, lang: str):
    r.add(Heading(2, [t(lang, "g_graph")]), Para(rich(t(lang, "t_graph_text", target=math_name(d.target)))))
    r.figure(f"{r.stem}.graph", figures.shared(lambda path, formats: figures.graph_figure(d, path, formats), id(d)),
             rich(t(lang, "t_graph_caption", target=math_name(d.target)) + stopped_note(d, lang)),
             alt=diagram.alt_text(d, lang))
    mermaid = diagram.mermaid(d)
    if not r.compact:
        r.attachments[f"{r.stem}.graph.dot"] = diagram.dot(d)
        r.attachments[f"{r.stem}.graph.mmd"] = mermaid
        r.add(Para([t(lang, "t_graph_files") + " ", C(f"{r.stem}.graph.mmd"), ", ", C(f"{r.stem}.graph.dot"), "."],
                   BESIDE))
    r.add(Mermaid(mermaid))


# -- the backward pass, formula by formula ------------------------------------------------------------------

def _backward(r: Report, d: Derivation, lang: str):
    r.add(Heading(2, [t(lang, "t_backward")]),
          Para(rich(t(lang, "t_backward_text", bar=f"${bar('v')}$", target=math_name(d.target)))))
    fan = {p: sum(1 for c in d.graph.successors(p) if c in d.relevant) for p in d.order}
    for n in reversed(d.order):
        if d.nodes[n].kind != "formula" or n not in d.adjoints:
            continue
        r.add(Heading(3, [M(rf"{name(n)} = {formula_tex(d, d.exercise.formulas[n].display)}")]))
        aligned(r, _formula_rows(d, n, fan, lang), lang, wide=True)


def _formula_rows(d: Derivation, n: str, fan: dict, lang: str = "en") -> list[str]:
    expr = d.exercise.formulas[n].expr
    env = {p: d.nodes[p].value for p in d.graph.predecessors(n)}
    made: list = []
    with mpmath.workdps(40):
        _, _, memo = formula_steps(expr, env, d.adjoints[n].value, MP(), steps=made)
    parts = units(expr)
    names = {u.expr: rf"{{{name(n)}^{{({k})}}}}" for k, u in enumerate(parts[:-1], 1)}
    names[expr] = name(n)
    rows = [rf"{names[u.expr]} &= {_unit_tex(d, u, names)} & &\text{{{shape_text(_shape_of(d, u.expr))}}}"
            for u in parts[:-1]]
    for u in reversed(parts):
        for leaf in _leaves(u):
            value = _contribution(u, leaf, made)
            if value is None or (leaf.is_Symbol and leaf.name not in d.relevant):
                continue
            target = rf"\overline{{{names[leaf]}}}" if leaf in names else bar(leaf.name)
            sign = r"\mathrel{+}=" if leaf.is_Symbol and fan.get(leaf.name, 1) > 1 else "="
            rows.append(rf"{target} &{sign} {_rule_tex(d, u, leaf, names, lang)} & &\text{{{shape_text(arrays.shape_of(value))}}}")
            rows.append(rf"&{relation(None, value)} {value_tex(None, value, lang)}")
    return rows


def _contribution(u: Unit, leaf, made):
    """What one unit sends back to one of its leaves: the reverse-mode steps inside the unit, summed."""
    total = None
    for e, a, g in made:
        inside = (e == u.expr) if u.block is None else (e in u.block)
        if inside and a == leaf:
            total = accumulate(total, g)
    return total


def _named(d: Derivation, e, names: dict):
    """e with every named unit inside it replaced by a placeholder symbol, and the placeholders' LaTeX."""
    placeholders, texts = {}, {}
    for k, (sub, text) in enumerate(names.items()):
        if sub != e:
            symbol = sp.Symbol(f"ZQ{chr(65 + k % 26)}{k // 26 or ''}", real=True)
            placeholders[sub] = symbol
            texts[symbol.name] = text
    return e.xreplace(placeholders), texts, placeholders


def _printed(d: Derivation, expr, texts: dict, placeholders: dict, lang: str = "en") -> str:
    local = shapes(d) | {s.name: _shape_of(d, sub) for sub, s in placeholders.items()}
    text = Printer({"order": "none"}, shapes=local, lang=lang).doprint(expr)
    for symbol, replacement in texts.items():
        text = text.replace(rf"\mathit{{{symbol}}}", replacement)
    return text


def _unit_tex(d: Derivation, u: Unit, names: dict) -> str:
    expr, texts, placeholders = _named(d, u.expr, names)
    return _printed(d, expr, texts, placeholders)


def _rule_tex(d: Derivation, u: Unit, leaf, names: dict, lang: str = "en") -> str:
    """The rule that sends the unit's adjoint to one leaf: the op's template, or for an element-wise block
    its derivative (written with the unit's own name where it reappears: σ′ = h ⊙ (1 − h))."""
    out_bar = rf"\overline{{{names[u.expr]}}}" if names[u.expr].startswith("{") else bar(names_key(u, d))
    leaf_shape = _shape_of(d, leaf)
    if u.block is None:
        args = operands(u.expr)
        op = op_of(u.expr)
        return rules.rule(op.name, out_bar, [_leaf_tex(d, x, names) for x in args], names[u.expr],
                          [_shape_of(d, x) for x in args], _shape_of(d, u.expr), args.index(leaf), lang)
    expr, texts, placeholders = _named(d, u.expr, {k: v for k, v in names.items() if k != u.expr})
    variable = placeholders.get(leaf, leaf) if not leaf.is_Symbol else leaf
    self_symbol = sp.Symbol("ZQSELF", real=True)
    derivative = local_grad(expr, variable).xreplace({expr: self_symbol})
    texts = dict(texts, ZQSELF=names[u.expr])
    placeholders = dict(placeholders, **{"self": self_symbol})
    local = {sub: s for sub, s in placeholders.items() if sub != "self"}
    local[u.expr] = self_symbol
    text = _printed(d, derivative, texts, local, lang)
    product = rf"{out_bar} \odot \left({text}\right)" if _shape_of(d, u.expr) else rf"{out_bar} \, \left({text}\right)"
    if text in ("1", ""):
        product = out_bar
    return rules.reduce_to(product, _shape_of(d, u.expr), leaf_shape)


def names_key(u: Unit, d: Derivation) -> str:
    for n, f in d.exercise.formulas.items():
        if f.expr == u.expr:
            return n
    return "v"


def _leaf_tex(d: Derivation, e, names: dict) -> str:
    if e in names:
        return names[e]
    return name(e.name) if e.is_Symbol else formula_tex(d, e)


def _shape_of(d: Derivation, e) -> tuple:
    return shape_of_expr(e, shapes(d))


def _result(r: Report, d: Derivation, lang: str):
    r.add(Heading(2, [t(lang, "t_result")]), Para([t(lang, "t_result_text")]))
    rows = []
    for x in d.exercise.wrt:
        g = d.gradients[x]
        rows.append(rf"{partial(d.target, x)} &{relation(g.exact, g.value)} {value_tex(g.exact, g.value, lang)} & &{_shape(d, x)}")
    aligned(r, rows, lang, wide=True)
    r.add(*convention_paragraph(d, lang))
    if any(g.kink for g in d.gradients.values()):
        r.add(Para(rich(t(lang, "t_kink_elements"))))


# -- checks ------------------------------------------------------------------------------------------------

def _checks(r: Report, d: Derivation, checks: Checks, lang: str):
    r.add(Heading(2, [t(lang, "t_checks")]), Para(rich(t(lang, "t_checks_text", target=math_name(d.target),
                                                        count=checks.elements))))
    header = [[t(lang, "t_col_input")], [t(lang, "t_col_elements")], [t(lang, "t_col_auto64")],
              [t(lang, "t_col_auto32")], [t(lang, "t_col_central")]]
    rows = []
    for x in d.exercise.wrt:
        mine = [c for c in checks.checks.values() if c.wrt == x and c.exact is not None]
        worst = {k: max((c.errors[k] for c in mine if c.errors[k] is not None), default=None)
                 for k in ("float64", "float32", "central")}
        checked = sum(1 for c in mine if c.fd is not None)
        rows.append([[M(name(x))], [t(lang, "t_checked_count", count=len(mine), fd=checked)], [M(_err(worst["float64"]))],
                     [M(_err(worst["float32"]))], [M(_err(worst["central"]))]])
    r.add(Table(header, rows, "lrrrr"), Para(rich(t(lang, "t_worst") + " " + t(lang, "g_tolerances"))))
    if checks.directional:
        worst = max((x.error for x in checks.directional if x.error is not None), default=None)
        r.add(Para(rich(t(lang, "t_directional", k=len(checks.directional), err=f"${_err(worst)}$"))))
    bad = [x for x in d.exercise.wrt if any(c.wrt == x and c.exact is not None and
                                            (c.errors["float64"] is None or c.errors["float64"] > TOL["float64"])
                                            for c in checks.checks.values())]
    r.add(Para([B(t(lang, "g_verdict_all")), " " + (t(lang, "t_all_agree") if not bad else
                                                       ", ".join(bad) + ": " + t(lang, "v_auto_bad"))]))


def _err(value) -> str:
    return r"\text{---}" if value is None else short(value, 2)
