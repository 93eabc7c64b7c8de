"""The computational graph: a networkx DAG from each name to every formula that uses it."""
from __future__ import annotations

import networkx as nx

from .exercise import GradientExercise


def build(ex: GradientExercise) -> tuple[nx.DiGraph, list[str]]:
    """The DAG (node attributes: kind, expr, line, layer) and a topological order, inputs first."""
    g = nx.DiGraph()
    for name, value in ex.values.items():
        g.add_node(name, kind="input", expr=value, line=ex.source.spot("values", name).line)
    for name, f in ex.formulas.items():
        g.add_node(name, kind="formula", expr=f.expr, line=f.line)
    for name, f in ex.formulas.items():
        for used in f.uses:
            g.add_edge(used, name)
    position = {name: i for i, name in enumerate(g.nodes)}
    for name in nx.topological_sort(g):
        node = g.nodes[name]
        node["layer"] = 0 if node["kind"] == "input" else \
            1 + max((g.nodes[p]["layer"] for p in g.predecessors(name)), default=0)
    order = sorted(g.nodes, key=lambda n: (g.nodes[n]["layer"], position[n]))
    return g, order
