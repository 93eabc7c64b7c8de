"""The computational graph: a networkx DAG from each name to every formula that uses it."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import networkx as nx

from .exercise import GradientExercise


@dataclass
class Graph:
    """The structure only (what each node holds lives in the exercise and the Derivation's Nodes)."""

    dag: nx.DiGraph
    order: list[str]              # topological, layer by layer, inputs first
    layer: dict[str, int]         # inputs 0, a formula one more than its deepest input


def build(ex: GradientExercise) -> Graph:
    g = nx.DiGraph()
    g.add_nodes_from(ex.values)
    g.add_nodes_from(ex.formulas)
    for name, f in ex.formulas.items():
        for used in f.uses:
            g.add_edge(used, name)
    position = {name: i for i, name in enumerate(g.nodes)}
    layer: dict[str, int] = {}
    for name in nx.topological_sort(g):
        layer[name] = 0 if name in ex.values else 1 + max((layer[p] for p in g.predecessors(name)), default=0)
    order = sorted(g.nodes, key=lambda n: (layer[n], position[n]))
    return Graph(g, order, layer)


def reach(g: nx.DiGraph, starts, forward: bool = True) -> set[str]:
    """Every node reachable from `starts` (themselves included), following arrows forward or backward:
    one breadth-first walk, linear in the graph's size however many starts there are."""
    step = g.successors if forward else g.predecessors
    seen, queue = set(starts), deque(starts)
    while queue:
        for n in step(queue.popleft()):
            if n not in seen:
                seen.add(n)
                queue.append(n)
    return seen


def relevant(g: nx.DiGraph, target: str, wrt) -> set[str]:
    """Nodes on some path from an input we differentiate by to the target."""
    return reach(g, [target], forward=False) & reach(g, list(wrt), forward=True)
