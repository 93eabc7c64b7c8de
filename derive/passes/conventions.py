"""What a derivative is taken to be at a kink, when an exercise asks for numbers there ([gradient] kink).

undefined    no derivative (the default): everything that passes through the kink is undefined;
             at a comparison's boundary (where(u < v, a, b) with u = v) the formula may jump: undefined too;
torch        what torch's autograd returns for the op at that point, measured with the installed torch
             (relu′(0) = 0, |x|′(0) = 0, maximum and minimum split 1/2, 1/2 on a tie, on torch 2.x);
subgradient  the subgradient of least norm of each function: relu′(0) = 0, |x|′(0) = 0, and max or min
             share 1 equally among the tied arguments.

Each gives a partial derivative of one op with respect to one argument, as an exact number; the engine's
two passes (exact and 30-digit) put it where the op's own rule has no answer."""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..core.ops import OPS, close


def partial(convention: str, op, i: int, values: list) -> sp.Rational:
    """d op / d values[i] at a kink under `convention` (values: the op's arguments, exact or mpmath)."""
    if op.name in ("max", "min"):
        sign = 1 if op.name == "max" else -1
        top = max(values, key=lambda v: sign * v)
        tied = tuple(close(v, top) for v in values)
        if not tied[i]:
            return sp.Integer(0)
        return sp.Rational(1, sum(tied)) if convention == "subgradient" else _torch(op.name, tied, i)
    if op.name in ("relu", "abs"):
        return sp.Integer(0) if convention == "subgradient" else _torch(op.name, (True,), i)
    if op.side_value is not None:     # a comparison: where takes the branch its condition says at the point,
        return sp.Integer(0)          # as torch.where does (the comparison itself has no gradient in torch)
    raise ValueError(f"no convention for {op.name} at a kink")


@lru_cache(maxsize=None)
def _torch(name: str, tied: tuple, i: int) -> sp.Rational:
    """torch's gradient of the op at a kink with the given tie pattern (tied arguments equal, the others
    lower for max and higher for min), as the exact binary fraction torch returned."""
    import torch

    low = -1.0 if name == "max" else 1.0
    xs = [torch.tensor(0.0 if t else low, dtype=torch.float64, requires_grad=True) for t in tied]
    OPS[name].torch(*xs).backward()
    grad = xs[i].grad
    return sp.Rational(0) if grad is None else sp.Rational(float(grad))


def describe(convention: str) -> str:
    return {"torch": "torch's convention", "subgradient": "the least-norm subgradient"}.get(convention, convention)
