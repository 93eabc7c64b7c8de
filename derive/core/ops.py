"""The op registry: every operation's SymPy form, shape rule, values (mpmath, exact, torch), derivative rule,
kink, domain and printed names. Parser, engine, numeric checks and printers all read it; adding a function
is one entry.

Element-wise ops carry `partial(args, i)`, d op / d args[i] as a SymPy expression, and their vector-Jacobian
product follows from it (`out_bar * partial`, summed over broadcast axes). Structural ops (matmul, sums,
softmax, losses) carry their own `vjp`, written once in NumPy over object arrays, so the same rule serves
the exact (SymPy) and the mpmath passes.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Callable

import mpmath
import numpy as np
import sympy as sp

from . import arrays, nnops
from .budget import MAX_MAGNITUDE_BITS, TIE_DIGITS, shielded
from .errors import ShapeError, TooLarge
from .static import Key
from .i18n import Listing, Msg

# -- SymPy heads of derive's own functions ------------------------------------------------------------


class sigmoid(sp.Function):
    """The logistic function 1/(1 + e^-x), kept whole so formulas print as a student writes them."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number:
            return 1 / (1 + sp.exp(-x))

    def fdiff(self, argindex=1):
        return OPS["sigmoid"].partial(self.args, argindex - 1)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sp.exp(-x))


class relu(sp.Function):
    """max(x, 0) under the name neural-network courses use."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number:
            return sp.Max(x, 0)

    def fdiff(self, argindex=1):
        return OPS["relu"].partial(self.args, argindex - 1)

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sp.Max(x, 0)


class softplus(sp.Function):
    """log(1 + e^x)."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number:
            return sp.log(1 + sp.exp(x))

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])


class log_sigmoid(sp.Function):
    """log σ(x) = -softplus(-x), torch's logsigmoid."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number:
            return -sp.log(1 + sp.exp(-x))

    def fdiff(self, argindex=1):
        return sigmoid(-self.args[0])


class detach(sp.Function):
    """Stop-gradient (torch's detach, JAX's stop_gradient): the value passes, the derivative is zero."""

    nargs = 1
    is_real = True

    @classmethod
    def eval(cls, x):
        if x.is_number:
            return x

    def fdiff(self, argindex=1):
        return sp.Integer(0)


class _Comparison(sp.Function):
    """a < b and its kin as numbers: 1 where the relation holds, 0 where not (torch's bool tensor as a float).
    Never differentiated: its derivative is 0 away from the boundary a = b, where it jumps."""

    nargs = 2
    is_real = True
    relation = None

    @classmethod
    def eval(cls, a, b):
        if a.is_number and b.is_number:
            holds = cls.relation(a, b)
            if holds in (sp.true, sp.false, True, False):
                return sp.Integer(1 if holds else 0)

    def fdiff(self, argindex=1):
        return sp.Integer(0)

    def _sympystr(self, printer):
        a, b = self.args
        return f"{printer._print(a)} {PLAIN_RELATIONS[type(self).__name__]} {printer._print(b)}"


PLAIN_RELATIONS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
RELATIONS = {"lt": (operator.lt, "<"), "le": (operator.le, r"\le"), "gt": (operator.gt, ">"),
             "ge": (operator.ge, r"\ge"), "eq": (operator.eq, "="), "ne": (operator.ne, r"\ne")}
COMPARISON_CLASSES = {name: type(name, (_Comparison,), {"relation": staticmethod(f)})
                      for name, (f, _) in RELATIONS.items()}


class where(sp.Function):
    """where(c, a, b): a where c is nonzero (holds), b elsewhere, element by element. Its condition receives the
    adjoint times a - b, which a comparison turns into 0 off its boundary (and into no derivative on it)."""

    nargs = 3
    is_real = True

    @classmethod
    def eval(cls, c, a, b):
        if c.is_number:
            return a if c != 0 else b

    def fdiff(self, argindex=1):
        return OPS["where"].partial(self.args, argindex - 1)


def _structural(name: str, nargs) -> type:
    """A SymPy head for a tensor operation: it is never evaluated or differentiated by SymPy itself."""
    return type(name, (sp.Function,), {"nargs": nargs, "is_real": True})


matmul = _structural("matmul", 2)
transpose = _structural("transpose", 1)
getitem = _structural("getitem", 2)
tsum = _structural("tsum", (1, 2))
mean = _structural("mean", (1, 2))
norm = _structural("norm", 1)
softmax = _structural("softmax", 1)
log_softmax = _structural("log_softmax", 1)
logsumexp = _structural("logsumexp", 1)
cross_entropy = _structural("cross_entropy", 2)
nll_loss = _structural("nll_loss", 2)
binary_cross_entropy = _structural("binary_cross_entropy", 2)
mse = _structural("mse", 2)
conv1d, conv2d = _structural("conv1d", (3, 4)), _structural("conv2d", (3, 4))
max_pool1d, max_pool2d = _structural("max_pool1d", 2), _structural("max_pool2d", 2)
avg_pool1d, avg_pool2d = _structural("avg_pool1d", 2), _structural("avg_pool2d", 2)
reshape, flatten = _structural("reshape", 2), _structural("flatten", 2)
permute, swapaxes = _structural("permute", 2), _structural("swapaxes", 2)
stack, cat = _structural("stack", None), _structural("cat", None)
amax, amin, argmax = _structural("amax", 2), _structural("amin", 2), _structural("argmax", 2)
grad = _structural("grad", 2)


# -- derivative rules of the element-wise ops -----------------------------------------------------------

def _step(u, up, down):
    """A derivative that is `up` where u > 0, `down` where u < 0 and undefined at u = 0."""
    return sp.Piecewise((up, u > 0), (down, u < 0))


def _max_partial(args, i, sign=1):
    """d max(args)/d args[i] (sign=-1: min): 1 where args[i] wins strictly, 0 where it loses."""
    others = [a for j, a in enumerate(args) if j != i]
    wins = sp.And(*[sign * (args[i] - o) > 0 for o in others])
    loses = sp.Or(*[sign * (args[i] - o) < 0 for o in others])
    return sp.Piecewise((1, wins), (0, loses))


def _mul_partial(args, i):
    return sp.Mul(*[a for j, a in enumerate(args) if j != i])


def _pow_partial(args, i):
    base, exponent = args
    return exponent * base ** (exponent - 1) if i == 0 else base**exponent * sp.log(base)


# -- kinks and domains (on mpmath numbers at the working precision) --------------------------------------

def close(u, v) -> bool:
    """Whether two values tie (a kink). Exact SymPy values decide exactly; mpmath values tie when they
    agree to (working precision - TIE_DIGITS) digits, relative to the larger of 1 and their size, so at
    300 digits 1e-40 and 0 do not tie (the engine confirms every tie at 300 digits or exactly)."""
    if isinstance(u, sp.Basic) or isinstance(v, sp.Basic):
        return exactly_zero(sp.sympify(u) - sp.sympify(v))
    scale = max(1, abs(u), abs(v))
    return abs(u - v) <= scale * mpmath.mpf(10) ** (TIE_DIGITS - mpmath.mp.dps)


def exactly_zero(d: sp.Expr) -> bool:
    """Whether an exact number is 0: rationals at once; otherwise SymPy's own test, then a numerical
    evaluation that raises its precision until the digits are resolved (1 - tanh(1000) is 2e-869)."""
    if d.is_Rational:
        return d == 0
    known = d.is_zero
    if known is not None:
        return known
    value = sp.N(d, 15, maxn=4000)
    return value == 0 or (value.is_Float and value._prec < 2)


def _max_kink(values, sign=1) -> bool:
    top = max(values, key=lambda v: sign * v)
    return sum(close(v, top) for v in values) >= 2


def _max_one_sided(values, tangents, side, sign=1):
    """Directional derivative of max (sign=-1: min) at a tie: the best tangent among the tied."""
    top = max(values, key=lambda v: sign * v)
    tied = [t for v, t in zip(values, tangents) if close(v, top)]
    pick = max if side * sign > 0 else min
    return pick(tied)


def _pow_domain(values):
    base, exponent = values
    if base == 0 and exponent < 0:
        return Msg("err_division")
    if base < 0 and not mpmath.isint(exponent):
        if exponent == mpmath.mpf(1) / 2:
            return Msg("err_negative_sqrt")
        return Msg("err_negative_power")
    return None


def _torch():
    import torch

    return torch


_ZERO = mpmath.mpf(0)


def _mp_sigmoid(x):
    if _rounds_away(-x):                     # 1/(1 + e^-x) rounds to 1: exp(-1e308) would cost seconds at 1200 digits
        return mpmath.mpf(1)
    _within_range(x, "sigmoid")
    return 1 / (1 + mpmath.exp(-x))


def _mp_softplus(x):
    if x < 0:
        _within_range(x, "softplus")
        return mpmath.log1p(mpmath.exp(x))
    return +x if _rounds_away(-x) else x + mpmath.log1p(mpmath.exp(-x))


def _rounds_away(x) -> bool:
    """Whether e^x (x < 0) is below the working precision's last bit of 1 (and so of any number >= 1)."""
    return x < -(mpmath.mp.prec + 10) * 0.7


def _within_range(x, name: str):
    """Refuse e^x (x < 0) below 2^-MAX_MAGNITUDE_BITS, as exp refuses e^x above it: derive computes numbers
    to about 10^±1,000,000."""
    if x < -MAX_MAGNITUDE_BITS * 0.7:
        raise TooLarge(Msg("err_op_of", name=name, value=mpmath.nstr(x, 6)))


CANCELLED_BITS = 16         # 1 - s that lost more bits than this to cancellation is taken another way


def _cancelled(difference) -> bool:
    """Whether 1 - s (s near 1) kept too few bits: exactly 0 where s rounded to 1 (sigmoid(200) at 45 digits),
    which no second precision would reveal, since both round alike."""
    return not difference or mpmath.mag(difference) < -CANCELLED_BITS


def _mp_sigmoid_partial(xs, out, i):
    """σ(x)(1 - σ(x)), with 1 - σ(x) as σ(-x) where the subtraction cancels (x large): σ'(200) is 1.4e-87, not 0."""
    s = _mp_sigmoid(xs[0]) if out is None else out
    rest = 1 - s
    return s * (_mp_sigmoid(-xs[0]) if _cancelled(rest) else rest)


def _mp_tanh_partial(xs, out, i):
    """1 - tanh(x)², as sech(x)² where the subtraction cancels (|x| large): tanh'(100) is 5.5e-87, not 0."""
    t = mpmath.tanh(xs[0]) if out is None else out
    rest = 1 - t * t
    return mpmath.sech(xs[0]) ** 2 if _cancelled(rest) else rest


# -- the registry entry --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    """One operation. Element-wise ops: `partial`, `mp`, `exact` act on numbers. Structural ops: `value`
    and `vjp` act on whole arrays through a backend `A` (see evaluate.py); `shape` maps argument shapes
    (and the static `params`) to the result's shape, raising ShapeError."""

    name: str
    cls: type | None                      # SymPy class that represents it (None: sugar for another op)
    build: Callable                       # what the parser calls with the SymPy arguments
    arity: int | tuple | None = 1         # None: two or more; a tuple: the allowed counts
    partial: Callable | None = None       # element-wise: (args, i) -> SymPy d op/d args[i]
    mp: Callable | None = None            # element-wise on mpmath numbers
    exact: Callable | None = None         # element-wise on SymPy numbers (default: build)
    torch: Callable | None = None         # on tensors (params follow the tensors)
    value: Callable | None = None         # structural: (A, args, params) -> array or number
    vjp: Callable | None = None           # structural: (A, out_bar, args, out, params) -> [arg_bar or None]
    shape: Callable | None = None         # structural: (shapes, params) -> shape
    params: int = 0                       # trailing static arguments (an axis, an index key)
    index_args: tuple[int, ...] = ()      # arguments that are class indices: no derivative
    aliases: tuple[str, ...] = ()         # other spellings accepted by the parser (LaTeX included)
    latex: str | None = None              # LaTeX operator name where SymPy has none
    kink: Callable | None = None          # values -> True when the point sits on a kink
    one_sided: Callable | None = None     # (values, tangents, side=+1/-1) -> directional derivative
    domain: Callable | None = None        # values -> a message when outside the real domain
    function: bool = True                 # False for arithmetic (+, *, ^), which has no spelled name
    code: str | None = None               # the torch function's name in generated Python
    scalar: Callable | None = None        # structural: the same op on scalars, in plain SymPy
    mp_partial: Callable | None = None    # element-wise: (values, out or None, i) -> the partial on mpmath numbers,
                                          # where `partial` as written cancels (1 - σ(x) at large x)
    keywords: tuple = ()                  # (name, default) of static options, in torch's order: conv2d's stride…
    listed: bool = False                  # takes its tensors as a list, stack([a, b], dim=0)
    side_value: Callable | None = None    # comparisons: (values, tangents, side) -> the value just beside a tie
    selects: bool = False                 # where(c, a, b): chooses between its arguments by its condition c

    @property
    def elementwise(self) -> bool:
        return self.partial is not None

    def number(self, *args):
        """The exact (SymPy) value on numbers."""
        return (self.exact or self.build)(*args)


# -- shape rules -----------------------------------------------------------------------------------------

def broadcast(shapes, params=()) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError(Msg("err_broadcast", shapes=Listing((_shape_text(s) for s in shapes), "list_and"))) from None


def _shape_text(shape) -> str:
    return "()" if not shape else "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def shape_text(shape) -> str:
    return _shape_text(shape)


def _matmul_shape(shapes, params=()):
    a, b = shapes
    if not a or not b:
        raise ShapeError(Msg("err_matmul", a=_shape_text(a), b=_shape_text(b)))
    if len(a) <= 2 and len(b) <= 2:
        if a[-1] != b[0]:
            raise ShapeError(Msg("err_mismatch", a=_shape_text(a), b=_shape_text(b)))
        return a[:-1] + b[1:]
    a2, b2 = (a if len(a) > 1 else (1,) + a), (b if len(b) > 1 else b + (1,))   # torch.matmul's batches
    if a2[-1] != b2[-2]:
        raise ShapeError(Msg("err_mismatch", a=_shape_text(a), b=_shape_text(b)))
    batch = broadcast([a2[:-2], b2[:-2]])
    return batch + (a2[-2:-1] if len(a) > 1 else ()) + (b2[-1:] if len(b) > 1 else ())


def _transpose_shape(shapes, params=()):
    (a,) = shapes
    if len(a) > 2:
        raise ShapeError(Msg("err_transpose_rank", shape=_shape_text(a)))
    return tuple(reversed(a))


def _getitem_shape(shapes, params):
    (a,), (key,) = shapes, params
    if not a:
        raise ShapeError(Msg("err_scalar_index"))
    if len(key.items) > len(a):
        raise ShapeError(Msg("err_too_many_indices", count=len(key.items), shape=_shape_text(a)))
    for dim, (item, n) in enumerate(zip(key.items, a)):
        if isinstance(item, int) and not -n <= item < n:
            raise ShapeError(Msg("err_index_range", item=item, dim=dim, n=n, last=n - 1))
    shape = np.empty(a, dtype=np.int8)[key.index()].shape
    if 0 in shape:
        raise ShapeError(Msg("err_empty_slice", key=_key_text(key), shape=_shape_text(a)))
    return shape


def _key_text(key) -> str:
    parts = [str(i) if isinstance(i, int) else ":".join("" if v is None else str(v) for v in i) for i in key.items]
    return "[" + ", ".join(parts) + "]"


def _axis(shape, params) -> int | None:
    if not params:
        return None
    axis = int(params[0])
    if not -len(shape) <= axis < len(shape):
        raise ShapeError(Msg("err_axis_range", axis=axis, shape=_shape_text(shape)))
    return axis % len(shape)


def _reduce_shape(shapes, params):
    (a,) = shapes
    axis = _axis(a, params)
    return () if axis is None else a[:axis] + a[axis + 1:]


def _same_shape(shapes, params=()):
    return shapes[0]


def _last_axis_reduced(shapes, params=()):
    return shapes[0][:-1]


def _scalar(shapes, params=()):
    return ()


def _cross_entropy_shape(shapes, params=()):
    logits, k = shapes
    if len(logits) == 1 and k == ():
        return ()
    if len(logits) == 2 and k == logits[:1]:
        return ()
    raise ShapeError(Msg("err_cross_entropy", a=_shape_text(logits), b=_shape_text(k)))


def _pair_shape(name):
    def rule(shapes, params=()):
        a, b = shapes
        if a != b:
            raise ShapeError(Msg("err_same_shape", name=name, a=_shape_text(a), b=_shape_text(b)))
        return ()
    return rule


# -- values and vector-Jacobian products of the structural ops (NumPy over object arrays) -------------

def _as2d(a, b):
    """Matrices for a matmul of vectors: a row on the left, a column on the right."""
    return (a if a.ndim == 2 else a[None, :]), (b if b.ndim == 2 else b[:, None])


def _matmul_value(A, args, params):
    with shielded():
        return arrays.settle(args[0] @ args[1])


def _matmul_vjp(A, bar, args, out, params):
    a, b = args
    if a.ndim > 2 or b.ndim > 2:
        return _batched_matmul_vjp(bar, a, b)
    a2, b2 = _as2d(a, b)
    bar2 = np.asarray(bar, dtype=object).reshape(a2.shape[0], b2.shape[1])
    with shielded():
        return [arrays.settle((bar2 @ b2.T).reshape(a.shape)), arrays.settle((a2.T @ bar2).reshape(b.shape))]


def _batched_matmul_vjp(bar, a, b):
    """torch.matmul over a batch (any leading axes, broadcast): Ā = Ȳ Bᵀ and B̄ = Aᵀ Ȳ per matrix of the batch,
    summed over the batch axes the operand was broadcast along."""
    a2 = a if a.ndim > 1 else a[None, :]
    b2 = b if b.ndim > 1 else b[:, None]
    batch = tuple(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]))
    bar2 = np.asarray(bar, dtype=object).reshape(batch + (a2.shape[-2], b2.shape[-1]))
    with shielded():
        ga = np.matmul(bar2, np.swapaxes(b2, -1, -2))
        gb = np.matmul(np.swapaxes(a2, -1, -2), bar2)
    return [arrays.unbroadcast(ga, a2.shape).reshape(a.shape), arrays.unbroadcast(gb, b2.shape).reshape(b.shape)]


def _transpose(a):
    return a.T if isinstance(a, np.ndarray) else a


def _getitem_vjp(A, bar, args, out, params):
    (a,), (key,) = args, params
    grad = np.full(a.shape, A.zero, dtype=object)
    grad[key.index()] = bar
    return [grad]


def _sum_value(A, args, params):
    (a,) = args
    axis = _axis(arrays.shape_of(a), params)
    return arrays.settle(np.sum(a, axis=axis)) if isinstance(a, np.ndarray) else a


def _count(shape, params):
    axis = _axis(shape, params)
    return arrays.size_of(shape) if axis is None else shape[axis]


def _spread(bar, shape, params):
    """The adjoint of a sum over `axis`: bar repeated along it."""
    axis = _axis(shape, params)
    if axis is not None:
        bar = np.expand_dims(np.asarray(bar, dtype=object), axis)
    return arrays.broadcast_to(bar, shape)


def _sum_vjp(A, bar, args, out, params):
    return [_spread(bar, arrays.shape_of(args[0]), params)]


def _mean_value(A, args, params):
    n = _count(arrays.shape_of(args[0]), params)
    return A.map(lambda s: s / A.number(sp.Integer(n)), _sum_value(A, args, params))


def _mean_vjp(A, bar, args, out, params):
    n = A.number(sp.Integer(_count(arrays.shape_of(args[0]), params)))
    return [_spread(A.map(lambda v: v / n, bar), arrays.shape_of(args[0]), params)]


def _norm_value(A, args, params):
    (a,) = args
    return A.sqrt(arrays.settle(np.sum(A.map(lambda v: v * v, a))))


def _norm_vjp(A, bar, args, out, params):
    if out == 0:                     # the norm has a kink at the zero vector
        return [A.map(lambda v: A.undefined, args[0])]
    return [A.map(lambda v: bar * v / out, args[0])]


def _lastsum(a):
    return arrays.settle(np.sum(a, axis=-1, keepdims=True)) if isinstance(a, np.ndarray) else a


def _softmax_value(A, args, params):
    (z,) = args
    if not isinstance(z, np.ndarray):
        return A.one
    e = A.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def _softmax_vjp(A, bar, args, out, params):
    s = out
    if not isinstance(s, np.ndarray):
        return [A.zero]
    return [s * (bar - np.sum(bar * s, axis=-1, keepdims=True))]


def _logsumexp_value(A, args, params):
    (z,) = args
    if not isinstance(z, np.ndarray):
        return z
    return arrays.settle(A.log(np.sum(A.exp(z), axis=-1)))


def _logsumexp_vjp(A, bar, args, out, params):
    (z,) = args
    if not isinstance(z, np.ndarray):
        return [bar]
    return [np.expand_dims(np.asarray(bar, dtype=object), -1) * _softmax_value(A, args, params)]


def _log_softmax_value(A, args, params):
    (z,) = args
    if not isinstance(z, np.ndarray):
        return A.zero
    return z - np.expand_dims(np.asarray(_logsumexp_value(A, args, params), dtype=object), -1)


def _log_softmax_vjp(A, bar, args, out, params):
    if not isinstance(args[0], np.ndarray):
        return [A.zero]
    return [bar - _softmax_value(A, args, params) * np.sum(bar, axis=-1, keepdims=True)]


def _classes(k) -> list[int]:
    return [int(v) for v in arrays.flat(k)]


def _cross_entropy_value(A, args, params):
    z, k = args
    rows = z if z.ndim == 2 else z[None, :]
    logp = _log_softmax_value(A, [rows], params)
    picked = [-logp[i, c] for i, c in enumerate(_classes(k))]
    return reduce(lambda p, q: p + q, picked) / A.number(sp.Integer(len(picked)))


def _cross_entropy_vjp(A, bar, args, out, params):
    z, k = args
    rows = z if z.ndim == 2 else z[None, :]
    grad = _softmax_value(A, [rows], params)
    for i, c in enumerate(_classes(k)):
        grad[i, c] = grad[i, c] - A.one
    n = A.number(sp.Integer(rows.shape[0]))
    grad = A.map(lambda g: bar * g / n, grad)
    return [grad.reshape(z.shape), None]


def _cross_entropy_domain(values):
    z, k = values
    classes = z.shape[-1]
    for v in arrays.flat(k):
        if not mpmath.isint(v) or not 0 <= v < classes:
            return Msg("err_class_index_range", last=classes - 1, classes=classes, value=mpmath.nstr(v, 6))
    return None


def _nll_value(A, args, params):
    """torch's nll_loss: minus the mean over the batch of each row's entry at its class (log-probabilities in)."""
    z, k = args
    rows = z if z.ndim == 2 else z[None, :]
    picked = [-rows[i, c] for i, c in enumerate(_classes(k))]
    return reduce(lambda p, q: p + q, picked) / A.number(sp.Integer(len(picked)))


def _nll_vjp(A, bar, args, out, params):
    z, k = args
    rows = z if z.ndim == 2 else z[None, :]
    grad = np.full(rows.shape, A.zero, dtype=object)
    n = A.number(sp.Integer(rows.shape[0]))
    for i, c in enumerate(_classes(k)):
        grad[i, c] = -bar / n
    return [grad.reshape(z.shape), None]


def _bce_value(A, args, params):
    p, y = args
    one = A.one
    terms = A.map(lambda p_, y_: -(y_ * A.log(p_) + (one - y_) * A.log(one - p_)), p, y)
    return arrays.settle(np.sum(terms)) / A.number(sp.Integer(arrays.size_of(arrays.shape_of(p)) or 1)) \
        if isinstance(terms, np.ndarray) else terms


def _bce_vjp(A, bar, args, out, params):
    p, y = args
    n = A.number(sp.Integer(arrays.size_of(arrays.shape_of(p)) or 1))
    one = A.one
    dp = A.map(lambda p_, y_: bar * (p_ - y_) / (p_ * (one - p_)) / n, p, y)
    dy = A.map(lambda p_: bar * (A.log(one - p_) - A.log(p_)) / n, p)
    return [dp, dy]


def _bce_domain(values):
    p, _ = values
    if any(not 0 < v < 1 for v in arrays.flat(p)):
        return Msg("err_bce_probabilities")
    return None


def _mse_value(A, args, params):
    a, b = args
    d = A.map(lambda u, v: (u - v) * (u - v), a, b)
    n = A.number(sp.Integer(arrays.size_of(arrays.shape_of(a)) or 1))
    return (arrays.settle(np.sum(d)) if isinstance(d, np.ndarray) else d) / n


def _mse_vjp(A, bar, args, out, params):
    a, b = args
    n = A.number(sp.Integer(arrays.size_of(arrays.shape_of(a)) or 1))
    two = A.number(sp.Integer(2))
    da = A.map(lambda u, v: bar * two * (u - v) / n, a, b)
    return [da, A.map(lambda g: -g, da)]


def _torch_getitem(x, key):
    return x[key.index()]


def _torch_reduce(name):
    def run(x, *params):
        f = getattr(_torch(), name)
        return f(x) if not params else f(x, dim=int(params[0]))
    return run


def _torch_cross_entropy(z, k):
    torch = _torch()
    return torch.nn.functional.cross_entropy(z, k.round().long())


def _torch_transpose(x):
    return x.transpose(0, 1) if x.dim() == 2 else x


def _torch_last(name):
    def run(x):
        torch = _torch()
        if x.dim() == 0:
            return {"softmax": torch.ones_like(x), "log_softmax": torch.zeros_like(x), "logsumexp": x}[name]
        return getattr(torch, name)(x, dim=-1)
    return run


# -- reductions to the largest element, comparisons, where --------------------------------------------------

def _reduce_dim_shape(shapes, params):
    (a,), opts = shapes, params[0]
    dim = opts["dim"]
    if dim is None:
        return tuple(1 for _ in a) if opts["keepdim"] else ()
    if not isinstance(dim, int):
        raise ShapeError(Msg("err_option_whole", key="dim", least=0, value=dim))
    axis = _axis(a, (dim,))
    return a[:axis] + ((1,) if opts["keepdim"] else ()) + a[axis + 1:]


def _extreme(sign):
    def pick(A, x, opts):
        """The largest (sign=-1: smallest) element along dim (all: None), the first one's index, whether another
        ties it, and the lines they were found in (dim moved last, one row each) with their shape."""
        x = np.asarray(x, dtype=object)
        dim = opts["dim"]
        moved = x.reshape(-1) if dim is None else np.moveaxis(x, dim % x.ndim, -1)
        lines = moved.reshape(-1, moved.shape[-1])
        best, index, tie = [], [], []
        for line in lines:
            k = 0
            for j in range(1, len(line)):
                if sign * (line[j] - line[k]) > 0 and not nnops.tied(line[j], line[k]):
                    k = j
            best.append(line[k])
            index.append(k)
            tie.append(sum(1 for v in line if nnops.tied(v, line[k])) > 1)
        shape = moved.shape[:-1]
        return (np.array(best, dtype=object).reshape(shape), np.array(index).reshape(shape),
                np.array(tie).reshape(shape), lines, moved.shape)
    return pick


def _keep(value, x_shape, opts):
    """A reduced value in torch's keepdim shape when asked."""
    value = np.asarray(value, dtype=object)
    if opts["keepdim"]:
        return arrays.settle(value.reshape(_reduce_dim_shape([x_shape], (opts,))))
    return arrays.settle(value)


def _amax_value(sign):
    def value(A, args, params):
        best = _extreme(sign)(A, args[0], params[0])[0]
        return _keep(best, arrays.shape_of(args[0]), params[0])
    return value


def _amax_vjp(sign):
    """Ȳ goes to the element that is the largest (smallest); where two tie, both get an undefined adjoint."""
    def vjp(A, bar, args, out, params):
        x, opts = np.asarray(args[0], dtype=object), params[0]
        best, index, tie, lines, moved_shape = _extreme(sign)(A, x, opts)
        bar = np.asarray(bar, dtype=object).reshape(best.shape)
        flat_grad = np.full(lines.shape, A.zero, dtype=object)
        for row, (k, tied, b, top) in enumerate(zip(index.flat, tie.flat, bar.flat, best.flat)):
            if tied and b != 0:
                for j, v in enumerate(lines[row]):
                    if nnops.tied(v, top):
                        flat_grad[row, j] = A.undefined
            else:
                flat_grad[row, k] = b
        grad = flat_grad.reshape(moved_shape)
        return [arrays.settle(grad.reshape(x.shape) if opts["dim"] is None
                              else np.moveaxis(grad, -1, opts["dim"] % x.ndim))]
    return vjp


def _argmax_value(A, args, params):
    index = _extreme(1)(A, args[0], params[0])[1]
    numbers = np.empty(index.shape, dtype=object)
    for i in np.ndindex(index.shape):
        numbers[i] = A.number(sp.Integer(int(index[i])))
    return _keep(numbers, arrays.shape_of(args[0]), params[0])


def _torch_options(run):
    """A torch function of the tensors and the Options leaf, called with the options as keywords."""
    def call(*args):
        *tensors, opts = args
        return run(*tensors, **dict(opts.items))
    return call


def _torch_conv(n):
    def run(x, w, b=None, **opts):
        return getattr(_torch().nn.functional, f"conv{n}d")(x, w, b, **opts)
    return run


def _torch_pool(name):
    def run(x, **opts):
        return getattr(_torch().nn.functional, name)(x, **opts)
    return run


def _torch_amax(name):
    def run(x, dim=None, keepdim=False):
        torch = _torch()
        if name == "argmax":
            return torch.argmax(x, dim=dim, keepdim=keepdim).to(x.dtype)
        return getattr(torch, name)(x, dim=() if dim is None else dim, keepdim=keepdim)
    return run


def _torch_compare(name):
    def run(a, b):
        return getattr(_torch(), name)(a, b).to(a.dtype if hasattr(a, "dtype") else b.dtype)
    return run


def _compare_side(name):
    """The value of a comparison just beside a tie, from its arguments' tangents: u < v on the side where
    u - v decreases. None where the tangents agree too (undecided at first order)."""
    relation = RELATIONS[name][0]

    def side(values, tangents, side):
        slope = side * (tangents[0] - tangents[1])
        if slope == 0:
            return None
        return 1 if relation(slope, 0) else 0
    return side


def _where_partial(args, i):
    """where(c, a, b) is c a + (1 - c) b for c in {0, 1}: its partials are a - b, c and 1 - c. The condition's
    adjoint reaches a comparison, whose derivative is 0 off its boundary and a jump on it (undefined then, even
    where the adjoint is 0: see arrays.times)."""
    c, a, b = args
    return (a - b, c, 1 - c)[i]


def _mp_where(c, a, b):
    return a if c != 0 else b


def _mp_erf_partial(xs, out, i):
    return 2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-xs[0] ** 2)


# -- composites: defined by a formula in the primitives, so their derivatives come from those ----------------

def _reduced(expr, opts):
    """A loss's reduction as torch's `reduction=`: 'mean' (default), 'sum' or 'none'."""
    how = opts.get("reduction", "mean")
    return {"mean": mean, "sum": tsum, "none": lambda e: e}[how](expr)


def _opt(opts, key):
    value = opts[key]
    return sp.Integer(value) if isinstance(value, int) else sp.sympify(value)


def _gelu(x, opts):
    if opts["approximate"] == "tanh":
        return x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Rational(44715, 1000000) * x**3)))
    return x / 2 * (1 + sp.erf(x / sp.sqrt(2)))


def _huber(a, b, opts):
    d, delta = a - b, _opt(opts, "delta")
    return _reduced(where(COMPARISON_CLASSES["lt"](sp.Abs(d), delta), d**2 / 2,
                          delta * (sp.Abs(d) - delta / 2)), opts)


def _smooth_l1(a, b, opts):
    d, beta = a - b, _opt(opts, "beta")
    return _reduced(where(COMPARISON_CLASSES["lt"](sp.Abs(d), beta), d**2 / (2 * beta), sp.Abs(d) - beta / 2), opts)


def _mse_loss(a, b, opts):
    return mse(a, b) if opts["reduction"] == "mean" else _reduced((a - b) ** 2, opts)


def _bce_logits(x, y, opts):
    return _reduced(softplus(x) - x * y, opts)


def _cross_entropy_with(z, k, opts):
    """torch's cross_entropy with label_smoothing ε: (1 - ε) CE + ε times the mean over classes of -log p,
    averaged over the batch."""
    eps = _opt(opts, "label_smoothing")
    return (1 - eps) * cross_entropy(z, k) - eps * mean(log_softmax(z)) if eps else cross_entropy(z, k)



# -- the registry ------------------------------------------------------------------------------------------

def _fold(f):
    return lambda *x: reduce(f, x)


def _mp_sum(*x):
    """fsum rounds the exact sum once; of two numbers, so does + (most sums of a network have two terms)."""
    return x[0] + x[1] if len(x) == 2 else mpmath.fsum(x)


def _mp_product(*x):
    return x[0] * x[1] if len(x) == 2 else mpmath.fprod(x)


REGISTRY: list[Op] = [
    Op("add", sp.Add, sp.Add, arity=None, partial=lambda a, i: sp.Integer(1), mp=_mp_sum,
       torch=_fold(lambda p, q: p + q), function=False),
    Op("mul", sp.Mul, sp.Mul, arity=None, partial=_mul_partial, mp=_mp_product,
       torch=_fold(lambda p, q: p * q), function=False),
    Op("pow", sp.Pow, sp.Pow, arity=2, partial=_pow_partial, mp=mpmath.power, torch=lambda b, e: b**e,
       domain=_pow_domain, function=False),
    Op("exp", sp.exp, sp.exp, partial=lambda a, i: sp.exp(a[0]), mp=mpmath.exp, torch=lambda x: _torch().exp(x),
       aliases=(r"\exp",), code="torch.exp"),
    Op("log", sp.log, sp.log, partial=lambda a, i: 1 / a[0], mp=mpmath.log, torch=lambda x: _torch().log(x),
       aliases=("ln", r"\log", r"\ln"), code="torch.log",
       domain=lambda v: Msg("err_log_domain") if v[0] <= 0 else None),
    Op("sqrt", None, sp.sqrt, aliases=(r"\sqrt", "√")),
    Op("abs", sp.Abs, sp.Abs, partial=lambda a, i: _step(a[0], 1, -1), mp=mpmath.fabs,
       torch=lambda x: _torch().abs(x), code="torch.abs",
       kink=lambda v: close(v[0], 0), one_sided=lambda v, t, side: side * abs(t[0])),
    Op("max", sp.Max, sp.Max, arity=None, partial=_max_partial, mp=max,
       torch=lambda *x: reduce(_torch().maximum, x), aliases=(r"\max",), code="torch.maximum",
       kink=_max_kink, one_sided=_max_one_sided),
    Op("min", sp.Min, sp.Min, arity=None, partial=lambda a, i: _max_partial(a, i, -1), mp=min,
       torch=lambda *x: reduce(_torch().minimum, x), aliases=(r"\min",), code="torch.minimum",
       kink=lambda v: _max_kink(v, -1), one_sided=lambda v, t, side: _max_one_sided(v, t, side, -1)),
    Op("relu", relu, relu, partial=lambda a, i: _step(a[0], 1, 0), mp=lambda x: max(x, _ZERO),
       torch=lambda x: _torch().relu(x), aliases=("ReLU",), latex=r"\operatorname{relu}", code="torch.relu",
       kink=lambda v: close(v[0], 0), one_sided=lambda v, t, side: side * max(side * t[0], 0)),
    Op("sigmoid", sigmoid, sigmoid, partial=lambda a, i: sigmoid(a[0]) * (1 - sigmoid(a[0])), mp=_mp_sigmoid,
       mp_partial=_mp_sigmoid_partial,
       torch=lambda x: _torch().sigmoid(x), aliases=(r"\sigma", "σ"), latex=r"\sigma", code="torch.sigmoid"),
    Op("tanh", sp.tanh, sp.tanh, partial=lambda a, i: 1 - sp.tanh(a[0]) ** 2, mp=mpmath.tanh,
       mp_partial=_mp_tanh_partial,
       torch=lambda x: _torch().tanh(x), aliases=(r"\tanh",), code="torch.tanh"),
    Op("sin", sp.sin, sp.sin, partial=lambda a, i: sp.cos(a[0]), mp=mpmath.sin, torch=lambda x: _torch().sin(x),
       aliases=(r"\sin",), code="torch.sin"),
    Op("cos", sp.cos, sp.cos, partial=lambda a, i: -sp.sin(a[0]), mp=mpmath.cos, torch=lambda x: _torch().cos(x),
       aliases=(r"\cos",), code="torch.cos"),
    Op("softplus", softplus, softplus, partial=lambda a, i: sigmoid(a[0]), mp=_mp_softplus,
       torch=lambda x: _torch().nn.functional.softplus(x), latex=r"\operatorname{softplus}",
       code="torch.nn.functional.softplus"),
    Op("log_sigmoid", log_sigmoid, log_sigmoid, partial=lambda a, i: sigmoid(-a[0]),
       mp=lambda x: -_mp_softplus(-x), torch=lambda x: _torch().nn.functional.logsigmoid(x),
       aliases=("logsigmoid",), latex=r"\log\sigma", code="torch.nn.functional.logsigmoid"),
    Op("detach", detach, detach, partial=lambda a, i: sp.Integer(0), mp=lambda x: x,
       torch=lambda x: _torch().detach(x), aliases=("stopgrad", "stop_gradient"),
       latex=r"\operatorname{detach}", code="torch.detach"),
    # structural ops
    Op("matmul", matmul, matmul, arity=2, shape=_matmul_shape, value=_matmul_value,
       vjp=_matmul_vjp, torch=lambda a, b: _torch().matmul(a, b), code="torch.matmul"),
    Op("dot", None, matmul, arity=2, shape=_matmul_shape),
    Op("transpose", transpose, transpose, shape=_transpose_shape, value=lambda A, a, p: _transpose(a[0]),
       vjp=lambda A, bar, a, out, p: [_transpose(bar)], torch=_torch_transpose, function=False,
       scalar=lambda x: x),
    Op("getitem", getitem, getitem, arity=2, params=1, shape=_getitem_shape,
       value=lambda A, a, p: arrays.settle(np.array(a[0][p[0].index()], dtype=object)), vjp=_getitem_vjp,
       torch=_torch_getitem, function=False),
    Op("sum", tsum, tsum, arity=(1, 2), params=1, shape=_reduce_shape, value=_sum_value, vjp=_sum_vjp,
       torch=_torch_reduce("sum"), aliases=(r"\sum",), latex=r"\operatorname{sum}", code="torch.sum",
       scalar=lambda x: x),
    Op("mean", mean, mean, arity=(1, 2), params=1, shape=_reduce_shape, value=_mean_value, vjp=_mean_vjp,
       torch=_torch_reduce("mean"), latex=r"\operatorname{mean}", code="torch.mean", scalar=lambda x: x),
    Op("norm", norm, norm, shape=_scalar, value=_norm_value, vjp=_norm_vjp,
       torch=lambda x: _torch().linalg.vector_norm(x), latex=r"\operatorname{norm}", code="torch.linalg.vector_norm",
       kink=lambda v: all(e == 0 for e in arrays.flat(v[0])), scalar=sp.Abs),
    Op("softmax", softmax, softmax, shape=_same_shape, value=_softmax_value, vjp=_softmax_vjp,
       torch=_torch_last("softmax"), latex=r"\operatorname{softmax}", code="torch.softmax",
       scalar=lambda x: sp.Integer(1)),
    Op("log_softmax", log_softmax, log_softmax, shape=_same_shape, value=_log_softmax_value, vjp=_log_softmax_vjp,
       torch=_torch_last("log_softmax"), latex=r"\operatorname{log\,softmax}", code="torch.log_softmax",
       scalar=lambda x: sp.Integer(0)),
    Op("logsumexp", logsumexp, logsumexp, shape=_last_axis_reduced, value=_logsumexp_value, vjp=_logsumexp_vjp,
       torch=_torch_last("logsumexp"), latex=r"\operatorname{logsumexp}", code="torch.logsumexp",
       scalar=lambda x: x),
    Op("cross_entropy", cross_entropy, cross_entropy, arity=2, shape=_cross_entropy_shape, index_args=(1,),
       value=_cross_entropy_value, vjp=_cross_entropy_vjp, torch=_torch_cross_entropy, domain=_cross_entropy_domain,
       latex=r"\operatorname{CE}", code="torch.nn.functional.cross_entropy"),
    Op("nll_loss", nll_loss, nll_loss, arity=2, shape=_cross_entropy_shape, index_args=(1,), value=_nll_value,
       vjp=_nll_vjp, torch=lambda z, k: _torch().nn.functional.nll_loss(z, k.round().long()),
       domain=_cross_entropy_domain, latex=r"\operatorname{NLL}", code="F.nll_loss"),
    Op("binary_cross_entropy", binary_cross_entropy, binary_cross_entropy, arity=2,
       shape=_pair_shape("binary_cross_entropy"), value=_bce_value, vjp=_bce_vjp, domain=_bce_domain,
       torch=lambda p, y: _torch().nn.functional.binary_cross_entropy(p, y), latex=r"\operatorname{BCE}",
       aliases=("bce",), code="torch.nn.functional.binary_cross_entropy",
       scalar=lambda p, y: -(y * sp.log(p) + (1 - y) * sp.log(1 - p))),
    Op("mse", mse, mse, arity=2, shape=_pair_shape("mse"), value=_mse_value, vjp=_mse_vjp,
       torch=lambda a, b: _torch().nn.functional.mse_loss(a, b), latex=r"\operatorname{MSE}",
       code="torch.nn.functional.mse_loss", scalar=lambda a, b: (a - b) ** 2),
    # comparisons and where
    *[Op(name, COMPARISON_CLASSES[name], COMPARISON_CLASSES[name], arity=2, partial=lambda a, i: sp.Integer(0),
         mp=lambda a, b, f=f: mpmath.mpf(1 if f(a, b) else 0), torch=_torch_compare(name), function=False,
         kink=lambda v: close(v[0], v[1]), one_sided=lambda v, t, side: sp.nan,
         side_value=_compare_side(name), code=f"torch.{name}")
      for name, (f, _) in RELATIONS.items()],
    Op("where", where, where, arity=3, partial=_where_partial, mp=_mp_where, selects=True,
       torch=lambda c, a, b: _torch().where(c != 0, a, b), latex=r"\operatorname{where}", code="torch.where"),
    Op("erf", sp.erf, sp.erf, partial=lambda a, i: 2 / sp.sqrt(sp.pi) * sp.exp(-a[0] ** 2), mp=mpmath.erf,
       mp_partial=_mp_erf_partial, torch=lambda x: _torch().erf(x), aliases=(r"\operatorname{erf}",),
       code="torch.erf"),
    # composites (no class of their own: the parser builds their formula)
    Op("maximum", None, sp.Max, arity=2),
    Op("minimum", None, sp.Min, arity=2),
    Op("silu", None, lambda x: x * sigmoid(x)),
    Op("gelu", None, _gelu, keywords=(("approximate", "none"),)),
    Op("leaky_relu", None, lambda x, o: relu(x) - _opt(o, "negative_slope") * relu(-x),
       keywords=(("negative_slope", sp.Rational(1, 100)),)),
    Op("elu", None, lambda x, o: where(COMPARISON_CLASSES["gt"](x, 0), x, _opt(o, "alpha") * (sp.exp(x) - 1)),
       keywords=(("alpha", 1),)),
    Op("huber_loss", None, _huber, arity=2, keywords=(("reduction", "mean"), ("delta", 1))),
    Op("smooth_l1_loss", None, _smooth_l1, arity=2, keywords=(("reduction", "mean"), ("beta", 1))),
    Op("l1_loss", None, lambda a, b, o: _reduced(sp.Abs(a - b), o), arity=2, keywords=(("reduction", "mean"),)),
    Op("mse_loss", None, _mse_loss, arity=2, keywords=(("reduction", "mean"),)),
    Op("binary_cross_entropy_with_logits", None, _bce_logits, arity=2, keywords=(("reduction", "mean"),)),
    Op("cross_entropy_with", None, _cross_entropy_with, arity=2, keywords=(("label_smoothing", 0),),
       function=False),
    # a gradient as a quantity: grad(L, w), written out as a formula when the file loads (model/gradformula.py)
    Op("grad", grad, grad, arity=2, shape=lambda shapes, params=(): shapes[1], latex=r"\nabla"),
    # the largest element along a dimension, and where it is
    Op("amax", amax, amax, params=1, shape=_reduce_dim_shape, value=_amax_value(1), vjp=_amax_vjp(1),
       torch=_torch_options(_torch_amax("amax")), keywords=(("dim", None), ("keepdim", False)),
       latex=r"\max", code="torch.amax"),
    Op("amin", amin, amin, params=1, shape=_reduce_dim_shape, value=_amax_value(-1), vjp=_amax_vjp(-1),
       torch=_torch_options(_torch_amax("amin")), keywords=(("dim", None), ("keepdim", False)),
       latex=r"\min", code="torch.amin"),
    Op("argmax", argmax, argmax, params=1, shape=_reduce_dim_shape, value=_argmax_value,
       vjp=lambda A, bar, a, out, p: [None], torch=_torch_options(_torch_amax("argmax")),
       keywords=(("dim", None), ("keepdim", False)), latex=r"\operatorname{argmax}", code="torch.argmax"),
    # layers of a convolutional network, and moving elements about
    *[Op(f"conv{n}d", cls, cls, arity=(2, 3), params=1, shape=nnops.conv_shape(n), value=nnops.conv_value(n),
         vjp=nnops.conv_vjp(n), torch=_torch_options(_torch_conv(n)),
         keywords=(("stride", 1), ("padding", 0), ("dilation", 1)), latex=rf"\operatorname{{conv{n}d}}",
         code=f"F.conv{n}d") for n, cls in ((1, conv1d), (2, conv2d))],
    *[Op(f"max_pool{n}d", cls, cls, params=1, shape=nnops.pool_shape(n, "max"), value=nnops.max_pool_value(n),
         vjp=nnops.max_pool_vjp(n), torch=_torch_options(_torch_pool(f"max_pool{n}d")),
         keywords=(("kernel_size", None), ("stride", None), ("padding", 0), ("dilation", 1)),
         latex=rf"\operatorname{{max\_pool{n}d}}", code=f"F.max_pool{n}d") for n, cls in ((1, max_pool1d), (2, max_pool2d))],
    *[Op(f"avg_pool{n}d", cls, cls, params=1, shape=nnops.pool_shape(n, "avg"), value=nnops.avg_pool_value(n),
         vjp=nnops.avg_pool_vjp(n), torch=_torch_options(_torch_pool(f"avg_pool{n}d")),
         keywords=(("kernel_size", None), ("stride", None), ("padding", 0)),
         latex=rf"\operatorname{{avg\_pool{n}d}}", code=f"F.avg_pool{n}d") for n, cls in ((1, avg_pool1d), (2, avg_pool2d))],
    Op("reshape", reshape, reshape, params=1, shape=nnops.reshape_shape, value=nnops.reshape_value,
       vjp=nnops.back_to_shape, torch=lambda x, o: _torch().reshape(x, o["shape"]), keywords=(("shape", None),),
       aliases=("view",), latex=r"\operatorname{reshape}", code="torch.reshape"),
    Op("flatten", flatten, flatten, params=1, shape=nnops.flatten_shape, value=nnops.flatten_value,
       vjp=nnops.back_to_shape, torch=lambda x, o: _torch().flatten(x, o["start_dim"], o["end_dim"]),
       keywords=(("start_dim", 0), ("end_dim", -1)), latex=r"\operatorname{flatten}", code="torch.flatten"),
    Op("permute", permute, permute, params=1, shape=nnops.permute_shape, value=nnops.permute_value,
       vjp=nnops.permute_vjp, torch=lambda x, o: x.permute(*o["dims"]), keywords=(("dims", None),),
       latex=r"\operatorname{permute}", code="torch.permute"),
    Op("swapaxes", swapaxes, swapaxes, params=1, shape=nnops.swap_shape, value=nnops.swap_value,
       vjp=nnops.swap_vjp, torch=lambda x, o: x.transpose(o["dim0"], o["dim1"]),
       keywords=(("dim0", None), ("dim1", None)), aliases=("transpose", "swapdims"),
       latex=r"\operatorname{transpose}", code="torch.transpose"),
    Op("stack", stack, stack, arity=None, params=1, shape=nnops.join_shape("stack"), value=nnops.stack_value,
       vjp=nnops.stack_vjp, torch=lambda *a: _torch().stack(a[:-1], dim=a[-1]["dim"]), keywords=(("dim", 0),),
       listed=True, latex=r"\operatorname{stack}", code="torch.stack"),
    Op("cat", cat, cat, arity=None, params=1, shape=nnops.join_shape("cat"), value=nnops.cat_value,
       vjp=nnops.cat_vjp, torch=lambda *a: _torch().cat(a[:-1], dim=a[-1]["dim"]), keywords=(("dim", 0),),
       listed=True, aliases=("concat", "concatenate"), latex=r"\operatorname{cat}", code="torch.cat"),
]

OPS: dict[str, Op] = {op.name: op for op in REGISTRY}
BY_CLASS: dict[type, Op] = {op.cls: op for op in REGISTRY if op.cls is not None}
FUNCTIONS: dict[str, Op] = {
    spelling: op for op in REGISTRY if op.function for spelling in (op.name, *op.aliases)
}
FUNCTIONS["√"] = OPS["sqrt"]


def op_of(expr: sp.Basic) -> Op | None:
    """The registry entry of an expression's head, or None for leaves."""
    return BY_CLASS.get(expr.func)


def operands(expr: sp.Basic, op: Op | None = None) -> tuple:
    """The arguments that carry values (the static params left out)."""
    op = op or op_of(expr)
    return expr.args[:len(expr.args) - op.params] if op and op.params and _has_params(expr, op) else expr.args


def params_of(expr: sp.Basic, op: Op | None = None) -> tuple:
    op = op or op_of(expr)
    return expr.args[len(expr.args) - op.params:] if op and op.params and _has_params(expr, op) else ()


def options_shown(op: Op, opts) -> list[tuple[str, object]]:
    """The options of one call that differ from torch's defaults (conv2d(X, W, padding=1)), in torch's order;
    a pooling stride equal to its window is torch's default too."""
    defaults = dict(op.keywords)
    out = []
    for key, value in opts.items:
        if value == defaults.get(key) or key == "stride" and value == opts.get("kernel_size") and "kernel_size" in defaults:
            continue
        out.append((key, value))
    return out


def _has_params(expr, op) -> bool:
    return len(expr.args) > 1          # every op with params takes one tensor before them


def check_arity(op: Op, count: int) -> Msg | None:
    """A message when `op` cannot take `count` arguments."""
    if op.arity is None and count < 2:
        return Msg("err_arity_many", name=op.name, count=count)
    if isinstance(op.arity, tuple) and count not in op.arity:
        return Msg("err_arity", name=op.name, n=Listing(op.arity, "list_or"), count=count)
    if isinstance(op.arity, int) and count != op.arity:
        if op.arity == 1:
            return Msg("err_arity_one", name=op.name, count=count)
        return Msg("err_arity", name=op.name, n=op.arity, count=count)
    return None


def shape_of_expr(expr: sp.Basic, shapes: dict[str, tuple], memo: dict | None = None) -> tuple[int, ...]:
    """The shape of an expression whose symbols have `shapes` (unknown names: scalars)."""
    memo = {} if memo is None else memo
    if expr in memo:
        return memo[expr]
    if expr.is_Symbol:
        out = shapes.get(expr.name, ())
    elif not expr.args or isinstance(expr, Key):
        out = ()
    else:
        op = op_of(expr)
        if op is None:
            out = ()
        else:
            arg_shapes = [shape_of_expr(a, shapes, memo) for a in operands(expr, op)]
            out = (op.shape or broadcast)(arg_shapes, params_of(expr, op))
    memo[expr] = out
    return out
