"""The computational graph: a DAG from each name to every formula that uses it.

A small class of our own rather than a networkx graph: the quick commands (`gradients --exact-only`,
`check`) then never import networkx (0.2 s of a 0.8 s budget); `Dag.to_networkx()` gives one to whoever
wants its algorithms."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..model.exercise import GradientExercise
from ..core.ops import detach
from ..core.parser import symbol


class Dag:
    """Nodes in insertion order, and the arrows into and out of each, in the order they were added."""

    def __init__(self):
        self._succ: dict[str, list[str]] = {}
        self._pred: dict[str, list[str]] = {}

    def add_node(self, n: str):
        if n not in self._succ:
            self._succ[n], self._pred[n] = [], []

    def add_edge(self, p: str, c: str):
        self.add_node(p)
        self.add_node(c)
        if c not in self._succ[p]:
            self._succ[p].append(c)
            self._pred[c].append(p)

    @property
    def nodes(self) -> list[str]:
        return list(self._succ)

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(p, c) for p, children in self._succ.items() for c in children]

    def predecessors(self, n: str) -> list[str]:
        return self._pred[n]

    def successors(self, n: str) -> list[str]:
        return self._succ[n]

    def in_degree(self, n: str) -> int:
        return len(self._pred[n])

    def out_degree(self, n: str) -> int:
        return len(self._succ[n])

    def number_of_nodes(self) -> int:
        return len(self._succ)

    def number_of_edges(self) -> int:
        return sum(len(c) for c in self._succ.values())

    def to_networkx(self):
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self._succ)
        g.add_edges_from(self.edges)
        return g


@dataclass
class Graph:
    """The structure only (what each node holds lives in the exercise and the Derivation's Nodes)."""

    dag: Dag
    order: list[str]              # topological, layer by layer, inputs first
    layer: dict[str, int]         # inputs 0, a formula one more than its deepest input


def build(ex: GradientExercise) -> Graph:
    g = Dag()
    for name in (*ex.values, *ex.formulas):
        g.add_node(name)
    for name, f in ex.formulas.items():
        for used in f.uses:
            g.add_edge(used, name)
    layer: dict[str, int] = {name: 0 for name in ex.values}
    waiting = {n: g.in_degree(n) for n in g.nodes}
    ready = deque(n for n in g.nodes if waiting[n] == 0)
    while ready:                          # Kahn's order: each node after all its parents (exercise.py
        n = ready.popleft()               # refused cycles)
        if n not in layer:
            layer[n] = 1 + max((layer[p] for p in g.predecessors(n)), default=0)
        for c in g.successors(n):
            waiting[c] -= 1
            if waiting[c] == 0:
                ready.append(c)
    position = {name: i for i, name in enumerate(g.nodes)}
    order = sorted(g.nodes, key=lambda n: (layer[n], position[n]))
    return Graph(g, order, layer)


def reach(g: Dag, starts, forward: bool = True) -> set[str]:
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


def relevant(g: Dag, target: str, wrt) -> set[str]:
    """Nodes on some path from an input we differentiate by to the target."""
    return reach(g, [target], forward=False) & reach(g, list(wrt), forward=True)


def stopped(ex: GradientExercise, parent: str, child: str) -> bool:
    """Whether `child` uses `parent` only inside detach(·): the value flows along that arrow, the
    derivative does not (drawn dashed)."""
    import sympy as sp

    expr = ex.formulas[child].expr
    if not expr.has(detach):
        return False
    return symbol(parent) not in expr.replace(detach, lambda u: sp.Dummy()).free_symbols
