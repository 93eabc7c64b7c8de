"""Exact derivatives by reverse mode on the graph, the way a student does it by hand.

forward: every node's value at the point, exact (SymPy) and to 30+ digits (mpmath);
local:   d child / d parent on every edge, symbolic and at the point;
backward: adjoints in reverse topological order, summed over fan-out;
kinks:   where max/min/abs/relu sit on their kink, one-sided derivatives by forward mode.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import mpmath
import networkx as nx
import sympy as sp

from . import graph as graphs
from .diff import local_grad
from .errors import DeriveError
from .evaluate import MP, evaluate
from .exercise import GradientExercise
from .ops import op_of
from .parser import symbol

SIZE_CAP = 400          # tree nodes in an exact expression before it is omitted
NESTING_CAP = 4         # functions nested deeper than this in an exact value: omitted (SymPy's
                        # sign tests on tanh(tanh(tanh(...))) cost time exponential in the depth)
MAGNITUDE_CAP = 1000    # exact values beyond 10^±1000 are omitted (their decimal stays)
DIGITS = 30             # significant digits of every decimal
PRECISIONS = (45, 60, 120, 300)   # mpmath working precisions tried until two agree
WORKING_DPS = 60        # precision for kink and domain tests (ties: agreement to 35 digits)


@dataclass
class Node:
    name: str
    kind: str                    # "input" or "formula"
    expr: sp.Expr                # the formula in its parents' names (inputs: the value)
    layer: int
    line: int | None
    exact: sp.Expr | None        # value at the point; None when too large to write
    value: mpmath.mpf            # the same, to working precision


@dataclass
class Edge:
    parent: str
    child: str
    local: sp.Expr               # d child / d parent, in the child's parents' names
    exact: sp.Expr | None        # at the point; None when undefined (a kink) or omitted
    value: mpmath.mpf            # nan when undefined


@dataclass
class Adjoint:
    node: str
    children: list[str]          # d target/d node = sum over these of d target/d child * d child/d node
    exact: sp.Expr | None
    value: mpmath.mpf            # nan when undefined (a kink downstream)


@dataclass
class Kink:
    node: str                    # the formula holding the non-smooth function
    expr: sp.Expr                # the function application sitting on its kink
    left: sp.Expr | None = None  # one-sided derivatives of the target, for a given input
    right: sp.Expr | None = None


@dataclass
class Gradient:
    wrt: str
    exact: sp.Expr | None        # None when undefined (kink) or too large
    value: mpmath.mpf | None     # None when undefined
    expression: sp.Expr | None   # closed form in the inputs; None when too large
    kink: Kink | None = None     # set when the derivative is undefined at a kink


@dataclass
class Warning:
    code: str
    node: str | None
    message: str
    data: dict = field(default_factory=dict)     # the numbers in the message, for renderers


@dataclass
class Derivation:
    """Everything the reverse-mode computation found; renderers read only this."""

    exercise: GradientExercise
    graph: nx.DiGraph
    order: list[str]
    nodes: dict[str, Node]
    edges: dict[tuple[str, str], Edge]
    adjoints: dict[str, Adjoint]
    gradients: dict[str, Gradient]
    kinks: list[Kink]
    warnings: list[Warning] = field(default_factory=list)

    @property
    def target(self) -> str:
        return self.exercise.target


def derive(ex: GradientExercise) -> Derivation:
    """Forward pass, local derivatives, backward pass and gradients for one exercise."""
    g, order = graphs.build(ex)
    relevant = _relevant(g, ex.target, ex.wrt)
    for p, c in g.edges:
        if p in relevant and c in relevant:
            g.edges[p, c]["local"] = local_grad(g.nodes[c]["expr"], symbol(p))
    values = _precise(lambda: _numeric(g, order, relevant, ex.target))
    exact = _exact_values(g, order, values[0])
    with mpmath.workdps(WORKING_DPS):
        _check_domains(g, order, values[0], exact, ex)
        kinks = _kinks(g, order, values[0])
    nodes = {n: Node(n, g.nodes[n]["kind"], g.nodes[n]["expr"], g.nodes[n]["layer"], g.nodes[n]["line"],
                     exact[n], values[0][n]) for n in order}
    for n in order:
        g.nodes[n]["value"] = exact[n] if exact[n] is not None else values[0][n]
    edges = _edges(g, exact, values[1], ex)
    adjoints = _adjoints(g, order, relevant, ex.target, edges, values[2])
    d = Derivation(ex, g, order, nodes, edges, adjoints, {}, kinks)
    for k in kinks:
        d.warnings.append(Warning("kink", k.node, f"{plain(k.expr)} in formula {k.node!r} sits exactly on its "
                                  "kink at this point: derivatives through it are undefined"))
    expressions = _expressions(d, composed(g, order, ex.target))
    with mpmath.workdps(WORKING_DPS):
        for x in ex.wrt:
            d.gradients[x] = _gradient(d, x, expressions.get(x), relevant)
    return d


# -- which nodes matter ---------------------------------------------------------------------------

def _relevant(g: nx.DiGraph, target: str, wrt: list[str]) -> set[str]:
    """Nodes on some path from an input we differentiate by to the target."""
    upstream = nx.ancestors(g, target) | {target}
    downstream = set(wrt).union(*(nx.descendants(g, x) for x in wrt))
    return upstream & downstream


# -- sizes -----------------------------------------------------------------------------------------

def size(expr: sp.Expr, cap: int = SIZE_CAP) -> int:
    """Tree nodes in expr, counting stops just past `cap`."""
    count, stack = 0, [expr]
    while stack and count <= cap:
        count += 1
        stack.extend(stack.pop().args)
    return count


def _capped(expr: sp.Expr | None) -> sp.Expr | None:
    return expr if expr is not None and size(expr) <= SIZE_CAP else None


# -- forward pass ----------------------------------------------------------------------------------

def _exact_values(g: nx.DiGraph, order: list[str], values) -> dict[str, sp.Expr | None]:
    """Exact values, omitted past the size or magnitude caps (an omitted parent omits its children)."""
    return _substitute(g, order, lambda n: None if not _moderate(values[n]) else g.nodes[n]["expr"],
                       lambda n: g.nodes[n]["expr"])


def _substitute(g, order, formula, leaf) -> dict[str, sp.Expr | None]:
    """Each node's formula with its parents replaced by their results, bottom up, within the caps.
    `leaf(n)` is an input's result; `formula(n)` a formula's expression (None: omit this node)."""
    result: dict[str, sp.Expr | None] = {}
    sizes: dict[str, int] = {}
    depth: dict[str, int] = {}
    for n in order:
        parents = list(g.predecessors(n))
        expr = leaf(n) if g.nodes[n]["kind"] == "input" else formula(n)
        if expr is None or any(result[p] is None for p in parents) \
                or size(expr) + sum(sizes[p] for p in parents) > SIZE_CAP \
                or nesting(expr) + max((depth[p] for p in parents), default=0) > NESTING_CAP:
            result[n] = None
            continue
        value = _capped(expr.xreplace({symbol(p): result[p] for p in parents}) if parents else expr)
        result[n] = value
        if value is not None:
            sizes[n], depth[n] = size(value), nesting(value)
    return result


@lru_cache(maxsize=100_000)
def nesting(expr: sp.Expr) -> int:
    """How deeply functions nest in expr: tanh(0.9 tanh(x)) is 2."""
    inner = max((nesting(a) for a in expr.args), default=0)
    return inner + 1 if isinstance(expr, sp.Function) else inner


def _moderate(value) -> bool:
    """Whether a value is small enough to write exactly: within 10^±1000 (7^10^9 is not)."""
    if not mpmath.isfinite(value) or value == 0:
        return True           # the domain check reports it
    return abs(mpmath.log10(abs(value))) <= MAGNITUDE_CAP


def _numeric(g, order, relevant, target):
    """Node values, local derivatives and adjoints at the current mpmath precision."""
    values: dict[str, mpmath.mpf] = {}
    for n in order:
        node = g.nodes[n]
        if node["kind"] == "input":
            values[n] = MP.number(node["expr"])
        else:
            values[n] = _safe(lambda: evaluate(node["expr"], {p: values[p] for p in g.predecessors(n)}))
    local = {(p, c): _safe(lambda: evaluate(g.edges[p, c]["local"], {q: values[q] for q in g.predecessors(c)}))
             for p, c in g.edges if "local" in g.edges[p, c]}
    adjoints = _accumulate(g, order, relevant, target, local, one=mpmath.mpf(1), zero=mpmath.mpf(0))
    return values, local, adjoints


def _safe(compute):
    try:
        return compute()
    except (ZeroDivisionError, ValueError):
        return mpmath.nan


def _precise(compute):
    """Run `compute` at rising precision until two runs agree to DIGITS + 2 digits everywhere."""
    previous = None
    for dps in PRECISIONS:
        with mpmath.workdps(dps):
            result = compute()
        if previous is not None and all(_agree(a, b) for a, b in zip(_flat(previous), _flat(result))):
            return result
        previous = result
    return previous


def _flat(result):
    for part in result:
        yield from part.values()


def _agree(a, b) -> bool:
    if mpmath.isnan(a) or mpmath.isnan(b):
        return mpmath.isnan(a) and mpmath.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= abs(b) * mpmath.mpf(10) ** -(DIGITS + 2)


def decimal(value) -> str | None:
    """A value to DIGITS significant digits, or None when undefined."""
    if value is None or mpmath.isnan(value):
        return None
    with mpmath.workdps(DIGITS + 10):
        return mpmath.nstr(value, DIGITS, strip_zeros=False, min_fixed=-4, max_fixed=DIGITS)


def _applications(g, order, values, attribute: str):
    """(node, sub-expression, op, argument values) for every application of an op that has `attribute`."""
    for n in order:
        if g.nodes[n]["kind"] != "formula":
            continue
        env = {p: values[p] for p in g.predecessors(n)}
        for sub in sp.preorder_traversal(g.nodes[n]["expr"]):
            op = op_of(sub)
            if op is not None and getattr(op, attribute) is not None:
                yield n, sub, op, [evaluate(a, env) for a in sub.args]


def _check_domains(g, order, values, exact, ex):
    """Refuse log(0), sqrt(-1), 1/0 and the like at the point, naming the formula and the value."""
    for n, sub, op, args in _applications(g, order, values, "domain"):
        problem = op.domain(args)
        if problem:
            where = ", ".join(f"{p} = {_show(exact[p], values[p])}" for p in g.predecessors(n))
            raise DeriveError(f"in formula {n!r}: {problem} at the point: {plain(sub)} with {where}",
                              ex.source.spot("formulas", n), "choose values where every formula is defined")


def _show(exact, value) -> str:
    return str(exact) if exact is not None and size(exact, 20) <= 20 else mpmath.nstr(value, 12)


def plain(expr) -> str:
    """A formula as people write it: max, min, abs in lower case."""
    return str(expr).replace("Max", "max").replace("Min", "min").replace("Abs", "abs")


# -- kinks -----------------------------------------------------------------------------------------

def _kinks(g, order, values) -> list[Kink]:
    """Every application of a non-smooth function that sits exactly on its kink at the point."""
    return [Kink(n, sub) for n, sub, op, args in _applications(g, order, values, "kink") if op.kink(args)]


# -- local derivatives and the backward pass -------------------------------------------------------

def _edges(g, exact, local_values, ex) -> dict[tuple[str, str], Edge]:
    edges = {}
    for (p, c), value in local_values.items():
        local = g.edges[p, c]["local"]
        at = None
        if all(exact[q] is not None for q in g.predecessors(c)):
            at = _capped(local.xreplace({symbol(q): exact[q] for q in g.predecessors(c)}))
            if at is not None and at.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
                at = None
        if mpmath.isinf(value) or (mpmath.isnan(value) and not _piecewise(local)):
            raise DeriveError(f"the derivative of formula {c!r} with respect to {p!r} is not finite at the point",
                              ex.source.spot("formulas", c), "choose values away from this singularity")
        edges[p, c] = Edge(p, c, local, at, value)
        g.edges[p, c]["value"] = at if at is not None else value
    return edges


def _piecewise(expr) -> bool:
    return expr.has(sp.Piecewise)


def _accumulate(g, order, relevant, target, local, one, zero) -> dict:
    """Reverse mode: adjoint(v) = sum over children c of adjoint(c) * local(v -> c)."""
    adjoint = {target: one}
    for v in reversed(order):
        if v == target or v not in relevant:
            continue
        total = zero
        for c in g.successors(v):
            if c in adjoint and adjoint[c] is not None and adjoint[c] != 0:
                term = None if local[v, c] is None else adjoint[c] * local[v, c]
                total = None if term is None or total is None else total + term
        adjoint[v] = total
    return adjoint


def _adjoints(g, order, relevant, target, edges, values) -> dict[str, Adjoint]:
    exact = _accumulate(g, order, relevant, target, {k: e.exact for k, e in edges.items()},
                        one=sp.Integer(1), zero=sp.Integer(0))
    out = {}
    for v in reversed(order):
        if v in relevant:
            children = [c for c in g.successors(v) if c in relevant]
            out[v] = Adjoint(v, children, _capped(exact.get(v)), values[v])
    return out


# -- gradients -------------------------------------------------------------------------------------

def composed(g, order, target) -> dict[str, sp.Expr | None]:
    """Each node as a closed form in the inputs (all None when the target's would pass the size cap)."""
    tree: dict[str, int] = {}
    for n in order:                      # an upper bound on each closed form's size, without building it
        tree[n] = min(10 * SIZE_CAP, size(g.nodes[n]["expr"]) + sum(tree[p] for p in g.predecessors(n)))
    if tree[target] > 4 * SIZE_CAP:
        return dict.fromkeys(order)
    return _substitute(g, order, lambda n: g.nodes[n]["expr"], symbol)


def _expressions(d: Derivation, composed) -> dict[str, sp.Expr | None]:
    """d target / d input as closed forms in the inputs: one reverse pass over closed-form locals."""
    if composed[d.target] is None:
        return {}
    g, relevant = d.graph, set(d.adjoints)
    local = {}
    for (p, c), e in d.edges.items():
        parents = {symbol(q): composed[q] for q in g.predecessors(c)}
        local[p, c] = None if None in parents.values() else _capped(e.local.xreplace(parents))
    adjoint = _accumulate(g, d.order, relevant, d.target, local, sp.Integer(1), sp.Integer(0))
    return {x: _capped(adjoint.get(x)) for x in d.exercise.wrt}


def _gradient(d: Derivation, x: str, expression, relevant) -> Gradient:
    adj = d.adjoints.get(x)
    if adj is None:                      # x does not reach the target
        return Gradient(x, sp.Integer(0), mpmath.mpf(0), sp.Integer(0))
    kinks = [k for k in d.kinks if k.node in relevant and nx.has_path(d.graph, x, k.node)] if d.kinks else []
    if kinks:
        left, right = (_one_sided(d, x, side) for side in (-1, 1))
        if left != right and sp.simplify(left - right) != 0:
            return Gradient(x, None, None, expression, Kink(kinks[0].node, kinks[0].expr, left, right))
        d.warnings.append(Warning("kink-passed", kinks[0].node, f"d {d.target}/d {x} exists although "
                                  f"{plain(kinks[0].expr)} sits on its kink: both one-sided derivatives are equal",
                                  {"wrt": x}))
        return Gradient(x, tidy(left), _to_mp(left), expression)
    return Gradient(x, tidy(adj.exact), adj.value, expression)


def tidy(expr: sp.Expr | None) -> sp.Expr | None:
    """A shorter equal form of a small exact value: -4*exp(-46)/(1 + exp(-46)) -> -4/(1 + exp(46))."""
    if expr is None or expr.is_Rational or size(expr, 40) > 40:
        return expr
    tidy = sp.cancel(expr)
    return tidy if size(tidy) <= size(expr) else expr


def _to_mp(value: sp.Expr):
    return mpmath.mpf(str(sp.N(value, DIGITS + 20)))


def _one_sided(d: Derivation, x: str, side: int) -> sp.Expr:
    """The one-sided derivative of the target along input x (side=+1 right, -1 left), by forward mode."""
    g = d.graph
    values = {n: node.value for n, node in d.nodes.items()}
    numbers = {symbol(n): node.exact if node.exact is not None else sp.Float(str(node.value), DIGITS + 10)
               for n, node in d.nodes.items()}
    tangent = {x: sp.Integer(1)}
    for n in d.order:
        if n in d.adjoints and n != x and any(p in tangent for p in g.predecessors(n)):
            tangent[n] = _tangent(g.nodes[n]["expr"], values, numbers, tangent, side)
    return tangent.get(d.target, sp.Integer(0))


def _tangent(expr, values, numbers, tangent, side):
    def walk(e):
        if e.is_Symbol:
            return tangent.get(e.name, sp.Integer(0))
        if e.is_number:
            return sp.Integer(0)
        op = op_of(e)
        tangents = [walk(a) for a in e.args]
        if all(t == 0 for t in tangents):
            return sp.Integer(0)
        if op.kink is not None:
            args = [evaluate(a, values) for a in e.args]
            if op.kink(args):
                return op.one_sided(args, tangents, side)
        at = [a.xreplace(numbers) for a in e.args]
        return sp.Add(*[op.partial(at, i) * t for i, t in enumerate(tangents) if t != 0])

    return walk(expr)
