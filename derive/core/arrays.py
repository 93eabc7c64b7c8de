"""Tensor values for the exact and mpmath passes: NumPy object arrays of SymPy or mpmath numbers.

A scalar is the plain number (never a 0-d array); a vector or matrix is an object array, so NumPy does
the structure (broadcasting, matmul, sums, transposes, indexing) and the numbers keep their own
arithmetic. Shapes are tuples, () for scalars, as in NumPy and PyTorch.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np


def shape_of(value) -> tuple[int, ...]:
    return value.shape if isinstance(value, np.ndarray) else ()


def size_of(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def settle(value):
    """A 0-d array as its element; anything else unchanged."""
    if isinstance(value, np.ndarray) and value.shape == ():
        return value.item()
    return value


def array(nested, convert=lambda v: v) -> np.ndarray:
    """An object array from nested lists (already checked to be rectangular)."""
    out = np.empty(_nested_shape(nested), dtype=object)
    for index in np.ndindex(out.shape):
        item = nested
        for i in index:
            item = item[i]
        out[index] = convert(item)
    return out


def _nested_shape(nested) -> tuple[int, ...]:
    shape = []
    while isinstance(nested, (list, tuple)):
        shape.append(len(nested))
        nested = nested[0] if nested else None
    return tuple(shape)


def elementwise(f, *args):
    """f applied element by element with broadcasting; scalars in, scalar out."""
    if not any(isinstance(a, np.ndarray) for a in args):
        return f(*args)
    return settle(np.frompyfunc(f, len(args), 1)(*args))


def times(a, b):
    """a · b element by element, where an exact 0 on either side is 0 even against an undefined (nan) factor.
    Sound for the chain rule at a kink: an undefined adjoint there still has finite one-sided values (every
    kink derive has is Lipschitz), so a zero local derivative sends 0 on; and a zero adjoint is a true
    derivative of 0, whatever the kink below it does (a max-pool tie of zeros after a ReLU is the common case).
    A comparison on its boundary is not Lipschitz (a step): its partial there is infinite, and the product nan."""
    return elementwise(_times, a, b)


def _times(a, b):
    if _jump(a) or _jump(b):
        return mpmath.nan
    if a == 0:
        return a
    if b == 0:
        return b
    return a * b


def _jump(x) -> bool:
    """An infinite local derivative: a comparison on its boundary, where the formula may jump (the 30-digit pass
    marks it with an mpmath infinity). Nothing cancels it (0 times a jump is still no derivative), unlike an
    undefined (nan) one at a Lipschitz kink."""
    return type(x) is mpmath.mpf and mpmath.isinf(x)


def drawn(shape: tuple[int, ...], pick) -> np.ndarray:
    """An object array of `shape` whose elements are pick(), called in row-major order (a seeded draw gives the
    same tensor however its shape is written)."""
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        out[index] = pick()
    return out


def broadcast_to(value, shape: tuple[int, ...]):
    """A value spread to `shape` (a copy, so elements can be replaced)."""
    if shape_of(value) == shape:
        return value
    return np.array(np.broadcast_to(np.asarray(value, dtype=object), shape), dtype=object)


def unbroadcast(bar, shape: tuple[int, ...]):
    """The adjoint of a broadcast: sum `bar` over the axes that broadcasting added or stretched."""
    have = shape_of(bar)
    if have == shape:
        return bar
    if shape == ():
        return settle(np.sum(bar))
    lead = len(have) - len(shape)
    bar = np.sum(bar, axis=tuple(range(lead))) if lead else bar
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and bar.shape[i] != 1)
    if stretched:
        bar = np.sum(bar, axis=stretched, keepdims=True)
    return bar


def flat(value) -> list:
    """Every element, in row-major order."""
    return list(value.flat) if isinstance(value, np.ndarray) else [value]


def nested(value, convert=lambda v: v):
    """Nested lists in the tensor's shape (a scalar stays a scalar)."""
    if isinstance(value, np.ndarray):
        return [nested(v, convert) for v in value] if value.ndim else convert(value.item())
    return convert(value)


def indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    return list(np.ndindex(shape)) if shape else [()]


def at(args: list, index: tuple) -> list:
    """Each argument's element that lines up with `index` of their broadcast result (numbers as they are)."""
    return [a[tuple(0 if n == 1 else i for i, n in zip(index[len(index) - a.ndim:], a.shape))]
            if isinstance(a, np.ndarray) else a for a in args]


def element_name(name: str, index: tuple[int, ...]) -> str:
    """How an element is named in messages and tables: W[1, 0]."""
    return name if not index else f"{name}[{', '.join(str(i) for i in index)}]"
