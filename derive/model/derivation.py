"""The derivation's data: what the passes find for one exercise (nodes with values, edges with local
derivatives, adjoints, gradients, kinks, diagnostics), and the two ways its numbers are written as text. Every
pass fills it in; renderers read only this."""
from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
from mpmath.libmp import fnan, to_str
import sympy as sp

from ..core.budget import DIGITS
from .exercise import GradientExercise


@dataclass
class Node:
    name: str
    kind: str                    # "input" or "formula"
    expr: sp.Expr                # the formula in its parents' names (inputs: the value)
    layer: int
    line: int | None
    exact: object                # value at the point (SymPy, or an object array); Unknown when not computed
    value: object                # the same to working precision (mpmath number or object array)
    shape: tuple = ()


@dataclass
class Edge:
    parent: str
    child: str
    local: sp.Expr | None        # d child / d parent, in the child's parents' names (scalars; None: not derived)
    exact: object                # at the point; Unknown when undefined (a kink) or not computed
    value: object                # nan when undefined (scalars; tensors: None)


@dataclass
class Adjoint:
    node: str
    children: list[str]          # d target/d node = sum over these of their vector-Jacobian products
    exact: object
    value: object                # nan where undefined (a kink downstream)


@dataclass
class Kink:
    node: str                    # the formula holding the non-smooth function
    expr: sp.Expr                # the function application sitting on its kink
    left: sp.Expr | None = None  # one-sided derivatives of the target, for a given input (scalars)
    right: sp.Expr | None = None
    index: tuple = ()            # the element of a tensor that sits on the kink
    step: int = -1               # which instruction of the formula's program applies the function


@dataclass
class Gradient:
    wrt: str
    exact: object                # Unknown when undefined (kink) or too large
    value: object                # None when undefined (scalars); tensors: nan elements
    expression: sp.Expr | None   # closed form in the inputs (scalars); None when too large
    kink: Kink | None = None     # set when the derivative is undefined at a kink
    convention: str | None = None    # set when a kink's convention (exercise.kink) gave these numbers


@dataclass
class Diagnostic:
    code: str
    node: str | None
    message: object               # a Msg (core.i18n): said in the reader's language where shown
    data: dict = field(default_factory=dict)     # the numbers in the message, for renderers


@dataclass
class Derivation:
    """Everything the two passes found; renderers read only this."""

    exercise: GradientExercise
    graph: object                                    # graph.Dag: the arrows between nodes
    order: list[str]
    nodes: dict[str, Node]
    edges: dict[tuple[str, str], Edge]
    adjoints: dict[str, Adjoint]
    gradients: dict[str, Gradient]
    kinks: list[Kink]
    warnings: list[Diagnostic] = field(default_factory=list)
    relevant: set = field(default_factory=set)
    closed: dict = field(default_factory=dict)       # input -> closed form of the gradient (scalar exercises)
    composed: dict = field(default_factory=dict)     # node -> closed form in the inputs, where small
    clock: object = None                             # the exact pass's time budget
    training: list | None = None                     # training.Point per step, when the exercise asks for steps
    hessian: object = None                           # hessian.Hessian, when the exercise asks for order >= 2
    memo: dict = field(default_factory=dict, repr=False)   # what other layers make once per derivation, by name:
    # "frozen" (stopgrad.frozen), "schedule" (levels.schedule), "last_use" (numeric), "reach" (kinks)

    @property
    def target(self) -> str:
        return self.exercise.target

    def backward_order(self) -> list[str]:
        """The nodes from the target back to the inputs, layer by layer, each layer in the order of the file
        (h1 before h2, w21 before w22): the order a student works through the backward pass."""
        return sorted(self.order, key=lambda n: (-self.nodes[n].layer, self.order.index(n)))

    @property
    def tensor(self) -> bool:
        return self.exercise.tensor


def decimal(value) -> str | None:
    """A value to DIGITS significant digits, or None when undefined (mpmath's own formatter, called
    directly: the JSON of a large graph writes one per node, adjoint and gradient)."""
    if value is None:
        return None
    raw = value._mpf_ if hasattr(value, "_mpf_") else mpmath.mpf(value)._mpf_
    if raw == fnan:
        return None
    return to_str(raw, DIGITS, strip_zeros=False, min_fixed=-4, max_fixed=DIGITS)


def plain(expr) -> str:
    """A formula as people write it: max, min, abs in lower case."""
    return str(expr).replace("Max", "max").replace("Min", "min").replace("Abs", "abs")


def index_text(index: tuple) -> str:
    """An element's index as written after a name: "[0, 1]"; "" for a scalar."""
    return "" if not index else "[" + ", ".join(map(str, index)) + "]"

