"""The computational graph as text diagrams (Mermaid, Graphviz DOT, TikZ) and the shared layered layout."""
from __future__ import annotations

import mpmath

from ..budget import known
from ..engine import Derivation
from .mathtex import name as tex_name
from .mathtex import short


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


def value_text(value) -> str:
    """A node's value for a diagram label: integers as they are, others to 5 significant digits."""
    if value is None or mpmath.isnan(value):
        return "—"
    if mpmath.isint(value) and abs(value) < 10**12:
        return str(int(value))
    return mpmath.nstr(value, 5, min_fixed=-4, max_fixed=6)


def node_label(d: Derivation, n: str) -> str:
    node = d.nodes[n]
    sign = "=" if known(node.exact) and node.exact.is_Integer else "≈"
    return f"{n} {sign} {value_text(node.value)}"


def edge_label(d: Derivation, p: str, c: str) -> str:
    return value_text(d.edges[p, c].value)


def mermaid(d: Derivation) -> str:
    ids = {n: f"n{i}" for i, n in enumerate(d.order)}
    lines = ["flowchart LR"]
    for n in d.order:
        shape = ('(["', '"])') if d.nodes[n].kind == "input" else ('["', '"]')
        lines.append(f"    {ids[n]}{shape[0]}{_mermaid_escape(node_label(d, n))}{shape[1]}")
    for (p, c) in d.edges:
        lines.append(f'    {ids[p]} -- "{_mermaid_escape(edge_label(d, p, c))}" --> {ids[c]}')
    return "\n".join(lines) + "\n"


def _mermaid_escape(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def dot(d: Derivation) -> str:
    lines = ["digraph computation {", "    rankdir=LR;", '    node [shape=box, style=rounded, fontname="Helvetica"];']
    for n in d.order:
        shape = ", shape=ellipse" if d.nodes[n].kind == "input" else ""
        lines.append(f'    "{_dot_escape(n)}" [label="{_dot_escape(node_label(d, n))}"{shape}];')
    for (p, c) in d.edges:
        lines.append(f'    "{_dot_escape(p)}" -> "{_dot_escape(c)}" [label="{_dot_escape(edge_label(d, p, c))}"];')
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
    for (p, c), e in d.edges.items():
        lines.append(rf"  \draw[->] ({ids[p]}) -- node[local, pos=0.4] {{${_tikz_value(e.value)}$}} ({ids[c]});")
    lines += [r"\end{tikzpicture}", r"\end{document}"]
    return "\n".join(lines) + "\n"
