"""A tensor formula cut into the steps its backward pass takes: structural ops (W x, softmax, sum) one by
one, and each block of element-wise arithmetic and functions (σ(h⁽¹⁾ + b), ½(t − o)²) as one step whose
derivative is taken element by element. The walkthrough and the graph's arrows both read it."""
from __future__ import annotations

from ...core.ops import op_of, operands
from ...core.diff import local_grad


class Unit:
    """One step of a formula's backward pass: a structural op (W x, softmax, sum), or a block of element-wise
    arithmetic and functions (σ(h⁽¹⁾ + b), ½(t − o)²) whose derivative is taken element by element."""

    def __init__(self, expr, block: set | None):
        self.expr, self.block = expr, block        # block: the element-wise sub-expressions it spans


def units(expr) -> list[Unit]:
    """The formula cut into units, inner ones first."""
    out, seen = [], set()

    def visit(e):
        if e in seen or e.is_Symbol or e.is_number or op_of(e) is None:
            return
        seen.add(e)
        op = op_of(e)
        if op.elementwise:
            block, leaves = set(), []
            _span(e, block, leaves)
            for leaf in leaves:
                visit(leaf)
            out.append(Unit(e, block))
        else:
            for a in operands(e, op):
                visit(a)
            out.append(Unit(e, None))

    visit(expr)
    return out


def _span(e, block: set, leaves: list):
    op = op_of(e)
    if e.is_Symbol or e.is_number or op is None or not op.elementwise:
        if not e.is_number and e not in leaves:
            leaves.append(e)
        return
    block.add(e)
    for a in operands(e, op):
        _span(a, block, leaves)


def leaves(unit: Unit) -> list:
    if unit.block is None:
        return [a for a in operands(unit.expr) if not a.is_number]
    leaves: list = []
    _span(unit.expr, set(), leaves)
    return leaves




def elementwise_derivative(unit: Unit, leaf, self_name: str | None = None):
    """d unit / d leaf element by element (SymPy), with the unit's own value written as the symbol
    `self_name` where it reappears (σ′ = h (1 − h)); other inner units as placeholder symbols."""
    import sympy as sp

    placeholders = {}
    for k, inner in enumerate(x for x in leaves(unit) if not x.is_Symbol):
        placeholders[inner] = sp.Symbol(f"ZQ{chr(65 + k % 26)}{k // 26 or ''}", real=True)
    expr = unit.expr.xreplace(placeholders)
    variable = placeholders.get(leaf, leaf)
    derivative = local_grad(expr, variable)
    if self_name is not None:
        derivative = derivative.xreplace({expr: sp.Symbol(self_name, real=True)})
    return derivative, placeholders
