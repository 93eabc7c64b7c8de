"""The mistakes of a backprop exercise, as data: a registry of rules (like the op registry), each one slip a
student makes at one place of the computation (a local derivative, one term of an adjoint's sum, a training
step), and the one chain of quantities the student sheet asks (forward values, local derivatives, adjoints, the
gradient, the parameters after a step) that computes every quantity either right or with slips, from the right
values or from a student's own earlier answers.

    chain = Chain(d)
    chain.values()                    # the right answer to every blank
    chain.values([slip])              # what that slip gives, carried correctly downstream
    chain.values([slip], given=own)   # the same from a student's own earlier answers (grading)

The rules know no output: each says where it applies (`sites`), what it gives there (`value`) and its sentence
(a Msg). Tensor rules act on a formula's vector-Jacobian product; scalar rules on a local derivative."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from ..core import arrays
from ..core.evaluate import MP, evaluate
from ..core.i18n import Msg
from ..core.ops import op_of, relu, sigmoid
from ..model.derivation import Derivation, index_text
from ..passes.backward import formula_vjp


# -- the quantities a student answers ------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    """One blank of the student sheet (a tensor's: all its elements). `key` is how an answers file names it:
    "m" (a forward value), "dm/da" (a local derivative), "dloss/dp" (an adjoint; an input's is its gradient),
    "a@1" (a parameter after the first training step)."""

    kind: str                    # "forward", "local", "adjoint", "step"
    node: str
    parent: str | None = None    # a local derivative d node / d parent
    input: bool = field(default=False, compare=False)     # an input's adjoint: the gradient, d target / d input

    def key(self, target: str) -> str:
        if self.kind == "adjoint":
            return f"d{target}/d{self.node}" if self.input else f"bar {self.node}"
        return {"forward": self.node, "local": f"d{self.node}/d{self.parent}", "step": f"{self.node}@1"}[self.kind]


@dataclass(frozen=True)
class Slip:
    """One mistake at one place: `rule` (a RULES key) at `site` (the local derivative, the adjoint whose term
    from `child` it changes, or the step), the rule's `choice` where it has several wrong forms."""

    rule: str
    site: Quantity
    child: str | None = None
    choice: str = ""
    message: Msg = field(default=None, compare=False, hash=False)


# -- the registry ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """A kind of mistake: where it can happen in a chain (`sites` yields its Slips) and what a slip gives
    there (`value(chain, slip, own)`: the local derivative, the adjoint term, or the parameter), from `own`, the
    values the student works from."""

    name: str
    sites: Callable
    value: Callable


RULES: dict[str, Rule] = {}


def rule(name: str, sites: Callable):
    def register(value):
        RULES[name] = Rule(name, sites, value)
        return value
    return register


# -- activations, as a course names them ------------------------------------------------------------

def activation(expr: sp.Expr) -> tuple[str, sp.Expr] | None:
    """("sigmoid" | "tanh" | "relu", its argument) when the formula is one of them applied to an expression
    (1/(1 + exp(-z)) and max(z, 0) included), else None."""
    w = sp.Wild("w")
    if isinstance(expr, sigmoid):
        return "sigmoid", expr.args[0]
    if isinstance(expr, sp.tanh):
        return "tanh", expr.args[0]
    if isinstance(expr, relu):
        return "relu", expr.args[0]
    if isinstance(expr, sp.Max) and len(expr.args) == 2 and sp.S.Zero in expr.args:
        return "relu", next(a for a in expr.args if a != 0)
    found = expr.match(1 / (1 + sp.exp(-w)))
    if found and found[w] != 0:
        return "sigmoid", found[w]
    return None


# each activation's derivative from its output y (and argument u), right and as students take it wrongly
DERIVATIVE = {"sigmoid": lambda y, u: y * (1 - y), "tanh": lambda y, u: 1 - y * y,
              "relu": lambda y, u: mpmath.mpf(1) if u > 0 else mpmath.mpf(0)}
WRONG_DERIVATIVE = {
    "sigmoid": {"as-value": lambda y, u: y, "one-minus": lambda y, u: 1 - y, "dropped": lambda y, u: mpmath.mpf(1)},
    "tanh": {"one-minus": lambda y, u: 1 - y, "as-value": lambda y, u: y, "dropped": lambda y, u: mpmath.mpf(1)},
    "relu": {"as-value": lambda y, u: y, "dropped": lambda y, u: mpmath.mpf(1)},
}


# -- the chain ---------------------------------------------------------------------------------------------

WORKING_DIGITS = 60          # σ(46) is 1 - 1e-20: its derivative needs more than float64's 16 digits, and 30

class Chain:
    """The quantities of a gradient exercise in the order a student answers them, and how each is computed from
    the ones before it."""

    def __init__(self, d: Derivation):
        self.d = d
        ex = d.exercise
        self.target = d.target
        self.tensor = d.tensor
        formulas = [n for n in d.order if n in ex.formulas]
        self.formulas = formulas
        quantities = [Quantity("forward", n) for n in formulas]
        if not self.tensor:
            quantities += [Quantity("local", c, p) for c in formulas for p in d.graph.predecessors(c)
                           if (p, c) in d.edges]
        self.children = {n: [c for c in d.adjoints[n].children if c in d.adjoints]
                         for n in d.adjoints if n != self.target}
        quantities += [Quantity("adjoint", n, input=n in ex.values) for n in d.backward_order() if n in self.children]
        step = ex.step
        self.rate = None
        if step is not None and step.update == "sgd" and not step.momentum:
            self.rate = mpmath.mpf(str(sp.N(step.learning_rate, 40)))
            quantities += [Quantity("step", x) for x in ex.wrt]
        self.quantities = quantities
        self.by_key = {}
        for q in quantities:               # d L/d x of a target computed straight from x: the gradient names it
            self.by_key.setdefault(q.key(self.target), q)
        self.asked = [q for q in quantities if self.by_key[q.key(self.target)] == q]

    # what each quantity is computed from
    def _env(self, node: str, own: dict) -> dict:
        """The values a formula (and its local derivatives, which may name the formula itself) is computed
        from: the student's own where they have them."""
        names = [*self.d.graph.predecessors(node), node]
        return {p: own[Quantity("forward", p)] if Quantity("forward", p) in own else self.d.nodes[p].value
                for p in names}

    def forward(self, n: str, own: dict):
        return evaluate(self.d.nodes[n].expr, self._env(n, own), MP())

    def local(self, p: str, c: str, own: dict):
        edge = self.d.edges[(p, c)]
        if edge.local is None:
            return edge.value
        return evaluate(edge.local, self._env(c, own), MP())

    def term(self, n: str, c: str, own: dict, slips: dict):
        """d target/d n's term from its consumer c: the adjoint of c times d c/d n (a tensor formula: its
        vector-Jacobian product), or what a slip there gives."""
        slip = slips.get(("term", n, c))
        if slip is not None:
            return RULES[slip.rule].value(self, slip, own)
        bar = self.adjoint_of(c, own)
        if not self.tensor:
            local = slips.get(("local", c, n))
            factor = RULES[local.rule].value(self, local, own) if local else own[Quantity("local", c, n)]
            return bar * factor
        return formula_vjp(self.d.nodes[c].expr, self._env(c, own), bar, MP())[n]

    def adjoint_of(self, n: str, own: dict):
        if n == self.target:
            return mpmath.mpf(1)
        return own[Quantity("adjoint", n)]

    def compute(self, q: Quantity, own: dict, slips: dict):
        """One quantity from `own` (the values before it), with the slips that act there."""
        here = slips.get((q.kind, q.node, q.parent)) if q.kind == "local" else \
            slips.get((q.kind, q.node)) if q.kind == "step" else None
        if here is not None:
            return RULES[here.rule].value(self, here, own)
        if q.kind == "forward":
            return self.forward(q.node, own)
        if q.kind == "local":
            return self.local(q.parent, q.node, own)
        if q.kind == "adjoint":
            total = None
            for c in self.children[q.node]:
                term = self.term(q.node, c, own, slips)
                if term is not None:
                    total = term if total is None else arrays.elementwise(lambda a, b: a + b, total, term)
            return total if total is not None else arrays.elementwise(lambda v: 0 * v, self.d.nodes[q.node].value)
        x = self.d.nodes[q.node].value           # a step: the student's own gradient, the rate, the point
        g = own[Quantity("adjoint", q.node)]
        return arrays.elementwise(lambda v, gv: v - self.rate * gv, x, g)

    def values(self, slips=(), given: dict | None = None) -> dict:
        """Every quantity, each computed from the ones before it as the student has them: `given` (their
        answers, a tensor's with its unanswered elements filled from the chain) or the chain's own."""
        placed = {_where(s): s for s in slips}
        out: dict = {}
        own: dict = {}
        with mpmath.workdps(WORKING_DIGITS):
            for q in self.quantities:
                out[q] = self.compute(q, own, placed)
                own[q] = _merged(out[q], given.get(q)) if given and q in given else out[q]
        return out

    @cached_property
    def right(self) -> dict:
        return self.values()

    @cached_property
    def slips(self) -> list[Slip]:
        """Every slip the registry finds in this exercise."""
        return [s for r in RULES.values() for s in r.sites(self)]

    @cached_property
    def mistaken(self) -> dict:
        """Each slip's chain: the slip alone, everything else right and carried correctly downstream."""
        return {slip: self.values([slip]) for slip in self.slips}


def _where(slip: Slip) -> tuple:
    q = slip.site
    if q.kind == "local":
        return ("local", q.node, q.parent)
    if q.kind == "step":
        return ("step", q.node)
    return ("term", q.node, slip.child)


def _merged(computed, given):
    """A student's answer to a quantity: a scalar as given; a tensor with the elements they left blank (None)
    taken from the chain."""
    if not isinstance(computed, np.ndarray):
        return computed if given is None else given
    out = computed.copy()
    for index in arrays.indices(computed.shape):
        if given[index] is not None:
            out[index] = given[index]
    return out


def plain_number(v) -> str:
    """A number in a sentence or on a terminal: 3, -1, 0.25, 3.18559e+16 (six digits at most)."""
    v = mpmath.mpf(v)
    return str(int(v)) if v == int(v) and abs(v) < 10**15 else mpmath.nstr(v, 6)


# -- the rules ----------------------------------------------------------------------------------------------

def _edges(chain: Chain):
    d = chain.d
    for q in chain.quantities:
        if q.kind == "local" and (q.parent, q.node) in d.edges and q.parent in chain.children:
            yield q, d.edges[(q.parent, q.node)].value


def _dropped_sites(chain: Chain):
    """A local derivative left out of the chain: the term of d/dn from c taken as the adjoint of c alone."""
    if chain.tensor:
        return
    for q, value in _edges(chain):
        if mpmath.isfinite(value) and abs(value) != 1 and activation(chain.d.nodes[q.node].expr) is None:
            yield Slip("dropped-factor", Quantity("adjoint", q.parent), q.node,
                       message=Msg("mis_dropped_factor", local=f"∂{q.node}/∂{q.parent}", value=plain_number(value)))


@rule("dropped-factor", _dropped_sites)
def _dropped(chain: Chain, slip: Slip, own: dict):
    return chain.adjoint_of(slip.child, own)


def _missed_sites(chain: Chain):
    """One of the paths from a node used by two or more formulas left out of its adjoint."""
    for n, children in chain.children.items():
        if len(children) >= 2:
            for c in children:
                yield Slip("missed-path", Quantity("adjoint", n), c,
                           message=Msg("mis_missed_path", node=n, count=len(children), child=c))


@rule("missed-path", _missed_sites)
def _missed(chain: Chain, slip: Slip, own: dict):
    return None                    # the term is not added


KINKED = (sp.Max, sp.Min, sp.Abs, relu)


def _kink_sites(chain: Chain):
    """The other branch of max, min, abs or relu: its local derivative 0 for 1, 1 for 0, -1 for 1."""
    for q, value in _edges(chain):
        expr = chain.d.nodes[q.node].expr
        if isinstance(expr, KINKED) and value in (0, 1, -1):
            wrong = -value if isinstance(expr, sp.Abs) else 1 - value
            yield Slip("kink-branch", q, choice=str(wrong),
                       message=Msg("mis_kink_branch", expr=_text(expr), local=f"∂{q.node}/∂{q.parent}",
                                   wrong=plain_number(wrong), right=plain_number(value)))


@rule("kink-branch", _kink_sites)
def _kink(chain: Chain, slip: Slip, own: dict):
    return mpmath.mpf(slip.choice)


def _sign_sites(chain: Chain):
    """A local derivative's minus sign lost (z = p - q: ∂z/∂q taken as 1)."""
    for q, value in _edges(chain):
        if mpmath.isfinite(value) and value < 0:
            yield Slip("sign", q, message=Msg("mis_sign", local=f"∂{q.node}/∂{q.parent}", wrong=plain_number(-value),
                                              right=plain_number(value)))


@rule("sign", _sign_sites)
def _sign(chain: Chain, slip: Slip, own: dict):
    return -chain.local(slip.site.parent, slip.site.node, own)


def _activation_sites(chain: Chain):
    """σ′ taken as σ or 1 - σ, tanh′ as 1 - tanh or tanh, relu′ as relu itself, or the activation's derivative
    left out: scalars at the local derivative, tensors in the formula's vector-Jacobian product."""
    d = chain.d
    for c in chain.formulas:
        found = activation(d.nodes[c].expr)
        if found is None:
            continue
        kind, _ = found
        for p in d.graph.predecessors(c):
            if p not in chain.children or c not in chain.children[p]:
                continue
            for choice in WRONG_DERIVATIVE[kind]:
                site = Quantity("adjoint", p) if chain.tensor else Quantity("local", c, p)
                yield Slip("activation", site, c if chain.tensor else None, f"{kind}:{choice}",
                           message=Msg(f"mis_{kind}_{choice.replace('-', '_')}", node=c, local=f"∂{c}/∂{p}"))


@rule("activation", _activation_sites)
def _activation(chain: Chain, slip: Slip, own: dict):
    kind, choice = slip.choice.split(":")
    c = slip.child if chain.tensor else slip.site.node
    p = slip.site.node if chain.tensor else slip.site.parent
    _, inner = activation(chain.d.nodes[c].expr)
    env = chain._env(c, own)
    u = evaluate(inner, env, MP())
    y = own[Quantity("forward", c)] if Quantity("forward", c) in own else chain.d.nodes[c].value
    wrong = arrays.elementwise(WRONG_DERIVATIVE[kind][choice], y, u)
    if chain.tensor:
        bar = arrays.elementwise(lambda b, g: b * g, chain.adjoint_of(c, own), wrong)
        return formula_vjp(inner, env, bar, MP())[p]
    return wrong * evaluate(sp.diff(inner, sp.Symbol(p, real=True)), env, MP())


def _step_sites(chain: Chain):
    """A training step taken uphill (w + η g) or without the learning rate (w - g)."""
    if chain.rate is None:
        return
    for q in chain.quantities:
        if q.kind == "step":
            yield Slip("step", q, choice="uphill", message=Msg("mis_uphill", node=q.node))
            yield Slip("step", q, choice="no-rate", message=Msg("mis_no_rate", node=q.node))


@rule("step", _step_sites)
def _step(chain: Chain, slip: Slip, own: dict):
    x = chain.d.nodes[slip.site.node].value
    g = own[Quantity("adjoint", slip.site.node)]
    rate = -chain.rate if slip.choice == "uphill" else mpmath.mpf(1)
    return arrays.elementwise(lambda v, gv: v - rate * gv, x, g)


def _reduction_sites(chain: Chain):
    """A mean differentiated as a sum (its 1/N left out), or a sum as a mean: mean, and the batch mean of
    cross_entropy."""
    d = chain.d
    for c in chain.formulas:
        expr = d.nodes[c].expr
        name = getattr(op_of(expr), "name", None) if isinstance(expr, sp.Function) else None
        arg = expr.args[0] if expr.args else None
        if name in ("mean", "tsum") and arg is not None and arg.is_Symbol and arg.name in chain.children \
                and len(expr.args) == 1:
            n = arrays.size_of(d.nodes[arg.name].shape)
            if n > 1:
                yield Slip("reduction", Quantity("adjoint", arg.name), c, choice=name,
                           message=Msg("mis_mean_as_sum" if name == "mean" else "mis_sum_as_mean", node=c, count=n))
        if name == "cross_entropy" and arg is not None and arg.is_Symbol and len(d.nodes[arg.name].shape) == 2 \
                and arg.name in chain.children:
            n = d.nodes[arg.name].shape[0]
            yield Slip("reduction", Quantity("adjoint", arg.name), c, choice=name,
                       message=Msg("mis_mean_as_sum", node=c, count=n))


@rule("reduction", _reduction_sites)
def _reduction(chain: Chain, slip: Slip, own: dict):
    right = formula_vjp(chain.d.nodes[slip.child].expr, chain._env(slip.child, own), chain.adjoint_of(slip.child, own),
                        MP())[slip.site.node]
    n = mpmath.mpf(arrays.size_of(chain.d.nodes[slip.site.node].shape) if slip.choice != "cross_entropy"
                   else chain.d.nodes[slip.site.node].shape[0])
    factor = n if slip.choice in ("mean", "cross_entropy") else 1 / n
    return arrays.elementwise(lambda v: v * factor, right)


def _softmax_sites(chain: Chain):
    """Softmax cross-entropy's gradient taken as p instead of p - y."""
    d = chain.d
    for c in chain.formulas:
        expr = d.nodes[c].expr
        if getattr(op_of(expr), "name", None) == "cross_entropy" if isinstance(expr, sp.Function) else False:
            z = expr.args[0]
            if z.is_Symbol and z.name in chain.children:
                yield Slip("softmax", Quantity("adjoint", z.name), c,
                           message=Msg("mis_p_for_p_minus_y", node=c, logits=z.name))


@rule("softmax", _softmax_sites)
def _softmax(chain: Chain, slip: Slip, own: dict):
    c, z = slip.child, slip.site.node
    env = chain._env(c, own)
    bar = chain.adjoint_of(c, own)
    right = formula_vjp(chain.d.nodes[c].expr, env, bar, MP())[z]
    labels = env[chain.d.nodes[c].expr.args[1].name]
    logits = env[z]
    onehot = np.zeros(logits.shape, dtype=object) + mpmath.mpf(0)
    rows = logits.shape[0] if logits.ndim == 2 else None
    if rows is None:
        onehot[int(labels)] = mpmath.mpf(1)
        scale = bar
    else:
        for i, k in enumerate(labels):
            onehot[i, int(k)] = mpmath.mpf(1)
        scale = bar / rows
    return arrays.elementwise(lambda r, o: r + scale * o, right, onehot)


def _transpose_sites(chain: Chain):
    """A matrix product's gradient without its transpose (Ȳ W instead of Ȳ Wᵀ), where the shapes allow it."""
    d = chain.d
    if not chain.tensor:
        return
    for c in chain.formulas:
        product = _matmul_of(d.nodes[c].expr)
        if product is None:
            continue
        a, b = product.args
        if not (a.is_Symbol and b.is_Symbol):
            continue
        sa, sb = d.nodes[a.name].shape, d.nodes[b.name].shape
        if len(sa) == 2 and len(sb) == 2:
            if sb[0] == sb[1] and a.name in chain.children:          # Ā = M̄ B instead of M̄ Bᵀ
                yield Slip("transpose", Quantity("adjoint", a.name), c, choice="left",
                           message=Msg("mis_transpose", node=a.name, other=b.name))
            if sa[0] == sa[1] and b.name in chain.children:          # B̄ = A M̄ instead of Aᵀ M̄
                yield Slip("transpose", Quantity("adjoint", b.name), c, choice="right",
                           message=Msg("mis_transpose", node=b.name, other=a.name))


def _matmul_of(expr):
    """The product A @ B that a formula is, or adds a bias to."""
    def is_matmul(e):
        return isinstance(e, sp.Function) and getattr(op_of(e), "name", None) == "matmul"
    if is_matmul(expr):
        return expr
    if isinstance(expr, sp.Add):
        products = [a for a in expr.args if is_matmul(a)]
        return products[0] if len(products) == 1 else None
    return None


@rule("transpose", _transpose_sites)
def _transpose(chain: Chain, slip: Slip, own: dict):
    c = slip.child
    product = _matmul_of(chain.d.nodes[c].expr)
    env = chain._env(c, own)
    a, b = (env[s.name] for s in product.args)
    bar = arrays.unbroadcast(chain.adjoint_of(c, own), (a.shape[0], b.shape[1]))
    return arrays.settle(bar @ b if slip.choice == "left" else a @ bar)


def _text(expr) -> str:
    return str(expr).replace("Max", "max").replace("Min", "min").replace("Abs", "abs")


# -- what each mistake gives, and which values tell mistakes apart ----------------------------------------------

def close(a, b, tolerance, floor=0) -> bool:
    """Whether two numbers agree within `tolerance` of the larger, or within `floor`."""
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return False
    return abs(a - b) <= max(tolerance * max(abs(a), abs(b)), floor)


@dataclass
class Wrong:
    """A wrong value of one answer (an element of a quantity), and the slips that give it."""

    value: object
    slips: list[Slip]

    @property
    def ambiguous(self) -> bool:
        """Two mistakes give this value: it cannot tell which was made. Two forms of one mistake at one place
        (σ′ taken as σ or left out, where σ is 1 to the tolerance) are one mistake, said both ways."""
        return not same_mistake(self.slips)


def same_mistake(slips) -> bool:
    """Whether slips are one rule at one place (its forms aside)."""
    return len({(s.rule, s.site, s.child) for s in slips}) == 1


def element(value, index: tuple):
    return value[index] if index else value


def wrong_values(chain: Chain, q: Quantity, index: tuple, tolerance: float, floor=0) -> list[Wrong]:
    """The values each slip (alone, carried correctly downstream) gives for one answer, grouped where their
    tolerance intervals would overlap (within twice the tolerance), and only those whose interval does not
    touch the right answer's: a value two mistakes give is ambiguous, never credited to either."""
    right = element(chain.right[q], index)
    found: list[Wrong] = []
    for slip, values in chain.mistaken.items():
        v = element(values[q], index)
        if v is None or not mpmath.isfinite(v) or close(v, right, 2 * tolerance, 2 * floor):
            continue
        same = next((w for w in found if close(w.value, v, 2 * tolerance, 2 * floor)), None)
        if same is None:
            found.append(Wrong(v, [slip]))
        elif slip not in same.slips:
            same.slips.append(slip)
    return found


def answer_name(chain: Chain, q: Quantity, index: tuple) -> str:
    """An answer's key in an answers file: "dloss/da", "dL/dW1[0, 1]"."""
    return q.key(chain.target) + index_text(index)


def answers(chain: Chain) -> list[tuple[Quantity, tuple]]:
    """Every answer the sheet asks, element by element (one name, one answer)."""
    out = []
    for q in chain.asked:
        shape = arrays.shape_of(chain.right[q])
        out += [(q, index) for index in arrays.indices(shape)]
    return out
