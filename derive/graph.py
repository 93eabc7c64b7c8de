"""The computational graph: a networkx DAG from each name to every formula that uses it."""
from __future__ import annotations

import networkx as nx

from .errors import DeriveError
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
    _check_acyclic(g, ex)
    position = {name: i for i, name in enumerate(g.nodes)}
    for name in nx.topological_sort(g):
        node = g.nodes[name]
        node["layer"] = 0 if node["kind"] == "input" else \
            1 + max((g.nodes[p]["layer"] for p in g.predecessors(name)), default=0)
    order = sorted(g.nodes, key=lambda n: (g.nodes[n]["layer"], position[n]))
    return g, order


def _check_acyclic(g: nx.DiGraph, ex: GradientExercise):
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    names = [u for u, _ in cycle] + [cycle[-1][1]]
    first = names[1] if len(names) > 1 else names[0]
    f = ex.formulas[first]
    raise DeriveError(f"the formulas depend on each other in a cycle: {' -> '.join(names)}",
                      ex.source.spot("formulas", first, ex.source.value_column("formulas", first, f.text)),
                      "each formula may use only inputs and formulas that do not lead back to it")
