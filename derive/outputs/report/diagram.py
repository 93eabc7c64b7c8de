"""The computational graph as text diagrams (Mermaid, Graphviz DOT, TikZ) and the shared layered layout."""
from __future__ import annotations

import mpmath

import numpy as np

from ...core import numbers
from ...core.budget import known
from ...core.i18n import t
from ...model.derivation import Derivation
from ...passes.graph import stopped
from .mathtex import name as tex_name
from .mathtex import short
from . import rules
from ...core.ops import op_of, operands, shape_of_expr
from ...core.parser import symbol
from .units import elementwise_derivative, leaves, units


def layout(d: Derivation) -> dict[str, tuple[float, float]]:
    """Left to right by layer (inputs at x = 0); within a layer, nodes sorted by the mean height of
    their parents so that arrows cross as little as possible; each layer centred on y = 0."""
    layers: dict[int, list[str]] = {}
    for n in d.order:
        layers.setdefault(d.nodes[n].layer, []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    for layer in sorted(layers):
        nodes = layers[layer]
        if layer > 0:
            def height(n):
                ys = [pos[p][1] for p in d.graph.predecessors(n) if p in pos]
                return -sum(ys) / len(ys) if ys else 0.0
            nodes = sorted(nodes, key=height)
        top = (len(nodes) - 1) / 2
        for i, n in enumerate(nodes):
            pos[n] = (float(layer), top - i)
    return pos


def value_text(value, exact=None) -> str:
    """A value for a diagram label: exact when short (3, −3/2, 0.35), else 5 significant digits."""
    return numbers.plain(exact, value, 5)


SMALL = 6           # a tensor's elements written on its box when it has at most this many


def node_label(d: Derivation, n: str) -> str:
    node = d.nodes[n]
    if node.shape:
        shape = "×".join(map(str, node.shape))
        if node.value.size <= SMALL:
            exact = node.exact if known(node.exact) else np.full(node.value.shape, None, dtype=object)
            texts = np.array([value_text(v, e) for v, e in zip(node.value.flat, exact.flat)], dtype=object)
            rows = texts.reshape(node.value.shape) if node.value.ndim == 2 else texts.reshape(1, -1)
            return f"{n} ({shape})\n" + "\n".join("[" + ", ".join(row) + "]" for row in rows)   # a matrix row by row
        return f"{n} ({shape})"
    sign = "=" if numbers.is_exact_shown(node.exact) else "≈"
    return f"{n} {sign} {value_text(node.value, node.exact)}"


def edge_label(d: Derivation, p: str, c: str) -> str:
    """The local derivative at the point (scalars), or what the adjoint is multiplied by (tensors)."""
    if d.tensor:
        return tensor_rule(d, p, c) if p in d.relevant and c in d.relevant else ""
    if (p, c) not in d.edges:
        return ""
    e = d.edges[p, c]
    return value_text(e.value, e.exact)


def tensor_rule(d: Derivation, p: str, c: str) -> str:
    """What formula c's adjoint is multiplied by on its way back to p, step by step: ⊙h(1 − h) ·xᵀ."""
    expr = d.exercise.formulas[c].expr
    shapes = {n: node.shape for n, node in d.nodes.items()}
    parts = {u.expr: u for u in units(expr)}
    target = symbol(p)

    def contains(e) -> bool:
        return e == target or (not e.is_Atom and any(contains(a) for a in e.args))

    def walk(e) -> list[str]:
        u = parts.get(e)
        if u is None:
            return []
        for leaf in leaves(u):
            if not contains(leaf):
                continue
            if u.block is None:
                args = operands(u.expr, op_of(u.expr))
                here = rules.arrow(op_of(u.expr).name, [a.name if a.is_Symbol else "·" for a in args],
                                   [shape_of_expr(a, shapes) for a in args], args.index(leaf))
            else:
                derivative, _ = elementwise_derivative(u, leaf, c if e == expr else None)
                shown = _plain(derivative)
                if shown is None:                 # too long for an arrow: named by what it is
                    shown = f"∂{c}/∂{leaf.name}" if e == expr and leaf.is_Symbol else "f′"
                here = "" if derivative == 1 else "⊙" + shown
                if shape_of_expr(leaf, shapes) != shape_of_expr(u.expr, shapes):
                    here = (here + " Σ").strip()          # a broadcast input sums what comes back
            return [x for x in (here,) if x] + walk(leaf)
        return []

    return " ".join(walk(expr)) or "·1"


def _plain(expr) -> str:
    text = str(expr).replace("**2", "²").replace("**", "^").replace("*", "").replace("-", "−")
    text = text.replace("sigmoid", "σ").replace("ZQA", "·").replace("ZQB", "·")
    return text if len(text) <= 16 and " " not in text.strip() else f"({text})" if len(text) <= 16 else None


def mermaid(d: Derivation) -> str:
    ids = {n: f"n{i}" for i, n in enumerate(d.order)}
    lines = ["flowchart LR"]
    for n in d.order:
        shape = ('(["', '"])') if d.nodes[n].kind == "input" else ('["', '"]')
        lines.append(f"    {ids[n]}{shape[0]}{_mermaid_escape(node_label(d, n)).replace(chr(10), '<br>')}{shape[1]}")
    for (p, c) in d.graph.edges:
        arrow = ("-. ", " .->") if stopped(d.exercise, p, c) else ("-- ", " -->")
        lines.append(f'    {ids[p]} {arrow[0]}"{_mermaid_escape(edge_label(d, p, c))}"{arrow[1]} {ids[c]}')
    return "\n".join(lines) + "\n"


def alt_text(d: Derivation, lang: str) -> str:
    """The graph in words, for a screen reader: each node with its value, then each arrow with its local
    derivative (tensors: what the adjoint is multiplied by), from the same labels as the Mermaid file."""
    nodes = "; ".join(node_label(d, n).replace("\n", " ") for n in d.order)
    arrows = "; ".join(f"{p} → {c}" + (f" ({label})" if (label := edge_label(d, p, c)) else "")
                       for p, c in d.graph.edges)
    return t(lang, "g_graph_alt", target=d.target, nodes=nodes, arrows=arrows)


def _mermaid_escape(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot(d: Derivation) -> str:
    lines = ["digraph computation {", "    rankdir=LR;", '    node [shape=box, style=rounded, fontname="Helvetica"];']
    for n in d.order:
        shape = ", shape=ellipse" if d.nodes[n].kind == "input" else ""
        lines.append(f'    "{_dot_escape(n)}" [label="{_dot_escape(node_label(d, n)).replace(chr(10), chr(92) + "n")}"{shape}];')
    for (p, c) in d.graph.edges:
        dashed = ", style=dashed" if stopped(d.exercise, p, c) else ""
        lines.append(f'    "{_dot_escape(p)}" -> "{_dot_escape(c)}" [label="{_dot_escape(edge_label(d, p, c))}"{dashed}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tikz_value(value) -> str:
    return short(value, 5) if value is not None and not mpmath.isnan(value) else r"\text{---}"


def tikz(d: Derivation) -> str:
    """A LaTeX document (needs TikZ: Debian's texlive-pictures) whose one tikzpicture draws the graph."""
    pos = layout(d)
    ids = {n: f"n{i}" for i, n in enumerate(d.order)}
    lines = ["% The computational graph in TikZ: copy the tikzpicture into your own document.",
             r"\documentclass{article}", r"\usepackage[a4paper,landscape,margin=1cm]{geometry}",
             r"\usepackage{amsmath}", r"\usepackage{tikz}", r"\usetikzlibrary{arrows.meta,shapes.geometric}", r"\pagestyle{empty}",
             r"\begin{document}", r"\centering",
             r"\begin{tikzpicture}[x=3.6cm, y=1.5cm, >=Stealth,",
             r"  node/.style={draw, rounded corners, fill=blue!6, inner sep=3pt},",
             r"  input/.style={draw, ellipse, fill=green!8, inner sep=2pt},",
             r"  local/.style={fill=white, inner sep=1pt, font=\scriptsize}]"]
    for n in d.order:
        x, y = pos[n]
        style = "input" if d.nodes[n].kind == "input" else "node"
        node = d.nodes[n]
        sign = "=" if known(node.exact) and node.exact.is_Integer else r"\approx"
        lines.append(rf"  \node[{style}] ({ids[n]}) at ({x:g}, {y:g}) {{${tex_name(n)} {sign} {_tikz_value(node.value)}$}};")
    for (p, c) in d.graph.edges:
        e = d.edges.get((p, c))
        label = _tikz_value(e.value) if e is not None else ""
        style = "->, dashed" if stopped(d.exercise, p, c) else "->"
        lines.append(rf"  \draw[{style}] ({ids[p]}) -- node[local, pos=0.4] {{${label}$}} ({ids[c]});")
    lines += [r"\end{tikzpicture}", r"\end{document}"]
    return "\n".join(lines) + "\n"
