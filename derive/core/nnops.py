"""The layers of a convolutional network as registry ops: convolution, pooling and the ops that move elements
about (reshape, flatten, stack, cat). Values and vector-Jacobian products are written once in NumPy over
arrays of any number type, so the exact (SymPy), the 30-digit (mpmath) and the float passes share them; each
follows torch's definition (cross-correlation; padding, stride and dilation per spatial axis; pooling windows
scanned in row-major order; a window whose largest value is tied has no derivative there, though its value is
the same whichever maximum is taken).

Shapes: an input of a `conv{n}d` or `*_pool{n}d` is (C, *spatial) or (N, C, *spatial), n spatial axes."""
from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import sympy as sp

from . import arrays
from .budget import TIE_DIGITS, shielded
from .errors import ShapeError
from .i18n import Msg


def shape_text(shape) -> str:
    return "()" if not shape else "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def per_axis(value, n: int) -> tuple[int, ...]:
    """stride=2 or stride=(2, 1): one whole number per spatial axis (a tuple of another length is refused by
    the shape rule, as torch refuses it)."""
    return tuple(value) if isinstance(value, tuple) else (value,) * n


def _per_axis_checked(opts, keys, n):
    for key in keys:
        value = opts.get(key)
        if isinstance(value, tuple) and len(value) != n:
            raise ShapeError(Msg("err_option_axes", key=key, value=shape_text(value), n=n))


# -- convolution -----------------------------------------------------------------------------------------------

class Geometry:
    """Where each kernel offset reads the (padded) input: one strided slice per offset."""

    def __init__(self, spatial, kernel, stride, padding, dilation):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.out = tuple((m + 2 * p - d * (k - 1) - 1) // s + 1
                         for m, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))

    def offsets(self):
        return itertools.product(*(range(k) for k in self.kernel))

    def window(self, offset) -> tuple:
        return tuple(slice(o * d, o * d + s * (m - 1) + 1, s)
                     for o, d, s, m in zip(offset, self.dilation, self.stride, self.out))


def _conv_geometry(n, x_shape, w_shape, opts) -> Geometry:
    return Geometry(x_shape[-n:], w_shape[2:], per_axis(opts["stride"], n), per_axis(opts["padding"], n),
                    per_axis(opts["dilation"], n))


def conv_shape(n: int):
    def rule(shapes, params):
        x, w, *b = shapes
        opts = params[0]
        if len(x) not in (n + 1, n + 2) or len(w) != n + 2:
            raise ShapeError(Msg("err_conv_ranks", x=shape_text(x), w=shape_text(w),
                                 batched=n + 2, single=n + 1, kernel=n + 2))
        if x[-n - 1] != w[1]:
            raise ShapeError(Msg("err_conv_channels", x=shape_text(x), w=shape_text(w), c=x[-n - 1],
                                 cw=w[1]))
        if b and b[0] != (w[0],):
            raise ShapeError(Msg("err_conv_bias", b=shape_text(b[0]), o=w[0]))
        _per_axis_checked(opts, ("stride", "padding", "dilation"), n)
        _options_whole(opts, ("stride", "dilation"), 1)
        _options_whole(opts, ("padding",), 0)
        g = _conv_geometry(n, x, w, opts)
        if min(g.out) < 1:
            raise ShapeError(Msg("err_window_large", x=shape_text(x), k=shape_text(w[2:])))
        return x[:-n - 1] + (w[0],) + g.out
    return rule


def _options_whole(opts, keys, least):
    for key in keys:
        for v in per_axis(opts[key], 1):
            if not isinstance(v, int) or v < least:
                raise ShapeError(Msg("err_option_whole", key=key, least=least, value=v))


def _batched(x, n):
    return x if x.ndim == n + 2 else x[None]


def _pad(x, padding, fill):
    if not any(padding):
        return x
    out = np.full(x.shape[:-len(padding)] + tuple(m + 2 * p for m, p in zip(x.shape[-len(padding):], padding)),
                  fill, dtype=x.dtype)
    out[(Ellipsis,) + tuple(slice(p, p + m) for m, p in zip(x.shape[-len(padding):], padding))] = x
    return out


def _crop(x, padding):
    return x[(Ellipsis,) + tuple(slice(p, x.shape[-len(padding) + i] - p) for i, p in enumerate(padding))]


def conv_value(n: int):
    def value(A, args, params):
        x, w = args[0], args[1]
        xb = _batched(x, n)
        g = _conv_geometry(n, xb.shape, w.shape, params[0])
        xp = _pad(xb, g.padding, A.zero)
        out = None
        for offset in g.offsets():
            patch = xp[(slice(None), slice(None)) + g.window(offset)]             # (N, C, *out)
            with shielded():
                term = np.tensordot(patch, w[(slice(None), slice(None)) + offset], axes=([1], [1]))   # (N, *out, O)
            out = term if out is None else out + term
        out = np.moveaxis(out, -1, 1)
        if len(args) == 3:
            out = out + args[2].reshape((1, -1) + (1,) * n)
        return out if x.ndim == n + 2 else out[0]
    return value


def conv_vjp(n: int):
    """X̄ is the full convolution of Ȳ with the flipped kernel (each offset adds Ȳ·W[:, :, offset] back where that
    offset read), W̄ the correlation of X with Ȳ, b̄ the sum of Ȳ over the batch and the positions."""
    def vjp(A, bar, args, out, params):
        x, w = args[0], args[1]
        xb, gb = _batched(x, n), _batched(np.asarray(bar, dtype=object), n)
        g = _conv_geometry(n, xb.shape, w.shape, params[0])
        xp = _pad(xb, g.padding, A.zero)
        gx = np.full(xp.shape, A.zero, dtype=object)
        gw = np.empty(w.shape, dtype=object)
        spatial = list(range(2, n + 2))
        for offset in g.offsets():
            window = (slice(None), slice(None)) + g.window(offset)
            kernel = (slice(None), slice(None)) + offset
            with shielded():
                gw[kernel] = np.tensordot(gb, xp[window], axes=([0] + spatial, [0] + spatial))      # (O, C)
                back = np.moveaxis(np.tensordot(gb, w[kernel], axes=([1], [0])), -1, 1)         # (N, C, *out)
            gx[window] += back
        gx = _crop(gx, g.padding)
        grads = [gx if x.ndim == n + 2 else gx[0], gw]
        if len(args) == 3:
            grads.append(np.sum(gb, axis=tuple([0] + spatial)))
        return grads
    return vjp


# -- pooling ---------------------------------------------------------------------------------------------------

def _pool_geometry(n, x_shape, opts) -> Geometry:
    kernel = per_axis(opts["kernel_size"], n)
    stride = per_axis(opts["stride"], n) if opts["stride"] is not None else kernel
    dilation = per_axis(opts.get("dilation", 1), n)
    return Geometry(x_shape[-n:], kernel, stride, per_axis(opts["padding"], n), dilation)


def pool_shape(n: int, kind: str):
    def rule(shapes, params):
        (x,) = shapes
        opts = params[0]
        if len(x) not in (n + 1, n + 2):
            raise ShapeError(Msg("err_pool_rank", x=shape_text(x), single=n + 1, batched=n + 2))
        _per_axis_checked(opts, ("kernel_size", "stride", "padding", "dilation"), n)
        _options_whole(opts, ("kernel_size",) + (("stride",) if opts["stride"] is not None else ())
                       + (("dilation",) if "dilation" in dict(opts.items) else ()), 1)
        _options_whole(opts, ("padding",), 0)
        g = _pool_geometry(n, x, opts)
        if any(2 * p > k for p, k in zip(g.padding, g.kernel)):
            raise ShapeError(Msg("err_pool_padding"))
        if min(g.out) < 1:
            raise ShapeError(Msg("err_window_large", x=shape_text(x), k=shape_text(g.kernel)))
        return x[:-n] + g.out
    return rule


def _lowest(x):
    """Padding for a max: below every element, in the elements' own number type."""
    first = x.flat[0]
    if isinstance(first, mpmath.mpf):
        return mpmath.ninf
    if isinstance(first, sp.Basic):
        return sp.S.NegativeInfinity
    return -np.inf


def _candidates(n, x, opts, fill):
    g = _pool_geometry(n, x.shape, opts)
    xp = _pad(x, g.padding, fill)
    return g, xp, [(Ellipsis,) + g.window(offset) for offset in g.offsets()]


def _argmax(n, x, opts):
    """Per output element, which window offset holds the first maximum, and whether another one ties it."""
    g, xp, windows = _candidates(n, x, opts, _lowest(x))
    parts = [xp[w] for w in windows]
    best = np.zeros(parts[0].shape, dtype=np.int64)
    top = parts[0].copy()
    tie = np.zeros(parts[0].shape, dtype=bool)
    for k, part in enumerate(parts[1:], 1):
        for index in np.ndindex(part.shape):
            v = part[index]
            if tied(v, top[index]):
                tie[index] = True
            elif v > top[index]:
                top[index], best[index], tie[index] = v, k, False
    return g, xp, windows, top, best, tie


def tied(u, v) -> bool:
    """Equal as the numbers allow: exactly for SymPy's and floats, and for mpmath's to the working precision less
    TIE_DIGITS (two routes to one value differ in their last bits; the engine's kinks use the same margin)."""
    if isinstance(u, mpmath.mpf) and isinstance(v, mpmath.mpf):
        if not (mpmath.isfinite(u) and mpmath.isfinite(v)):
            return u == v
        return abs(u - v) <= max(1, abs(u), abs(v)) * mpmath.mpf(10) ** (TIE_DIGITS - mpmath.mp.dps)
    return bool(u == v)


def max_pool_value(n: int):
    def value(A, args, params):
        return _argmax(n, args[0], params[0])[3]
    return value


def max_pool_vjp(n: int):
    """Ȳ goes back to the element that won each window (the first maximum, as torch routes it); where two
    elements of a window tie, each receives an undefined adjoint (the pool is not differentiable there)."""
    def vjp(A, bar, args, out, params):
        x = args[0]
        g, xp, windows, top, best, tie = _argmax(n, x, params[0])
        grad = np.full(xp.shape, A.zero, dtype=object)
        bar = np.asarray(bar, dtype=object)
        for k, window in enumerate(windows):
            view = grad[window]
            part = xp[window]
            for index in np.ndindex(view.shape):
                if tie[index] and tied(part[index], top[index]) and bar[index] != 0:
                    view[index] = A.undefined
                elif best[index] == k and not tie[index]:
                    view[index] = view[index] + bar[index]
        return [_crop(grad, g.padding)]
    return vjp


def avg_pool_value(n: int):
    def value(A, args, params):
        x = args[0]
        g, xp, windows = _candidates(n, x, params[0], A.zero)
        total = None
        for w in windows:
            total = xp[w] if total is None else total + xp[w]
        count = A.number(sp.Integer(math.prod(g.kernel)))
        return A.map(lambda v: v / count, total)
    return value


def avg_pool_vjp(n: int):
    """Ȳ / (window size) spread evenly over each window (padding counted, as torch's default count_include_pad)."""
    def vjp(A, bar, args, out, params):
        x = args[0]
        g, xp, windows = _candidates(n, x, params[0], A.zero)
        count = A.number(sp.Integer(math.prod(g.kernel)))
        share = A.map(lambda v: v / count, np.asarray(bar, dtype=object))
        grad = np.full(xp.shape, A.zero, dtype=object)
        for w in windows:
            grad[w] += share
        return [_crop(grad, g.padding)]
    return vjp


# -- moving elements about -------------------------------------------------------------------------------------

def reshape_target(shape, wanted) -> tuple[int, ...]:
    size = arrays.size_of(shape)
    wanted = tuple(int(v) for v in wanted)
    if wanted.count(-1) > 1 or any(v < -1 or v == 0 for v in wanted):
        raise ShapeError(Msg("err_reshape", a=shape_text(shape), b=shape_text(wanted), size=size))
    known = math.prod(v for v in wanted if v != -1)
    if -1 in wanted:
        if size % known:
            raise ShapeError(Msg("err_reshape", a=shape_text(shape), b=shape_text(wanted), size=size))
        wanted = tuple(size // known if v == -1 else v for v in wanted)
    if math.prod(wanted) != size:
        raise ShapeError(Msg("err_reshape", a=shape_text(shape), b=shape_text(wanted), size=size))
    return wanted


def reshape_shape(shapes, params):
    return reshape_target(shapes[0], params[0]["shape"])


def flatten_target(shape, opts) -> tuple[int, ...]:
    if not shape:
        return (1,)
    start, end = _dim(opts["start_dim"], shape), _dim(opts["end_dim"], shape)
    if start > end:
        raise ShapeError(Msg("err_flatten_dims", start=opts["start_dim"], end=opts["end_dim"], a=shape_text(shape)))
    return shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]


def _dim(d, shape):
    if not -len(shape) <= d < len(shape):
        raise ShapeError(Msg("err_axis_range", axis=d, shape=shape_text(shape)))
    return d % len(shape)


def flatten_shape(shapes, params):
    return flatten_target(shapes[0], params[0])


def reshape_value(A, args, params):
    shape = reshape_target(arrays.shape_of(args[0]), params[0]["shape"])
    return arrays.settle(np.asarray(args[0], dtype=object).reshape(shape))


def flatten_value(A, args, params):
    shape = flatten_target(arrays.shape_of(args[0]), params[0])
    return arrays.settle(np.asarray(args[0], dtype=object).reshape(shape))


def back_to_shape(A, bar, args, out, params):
    """reshape and flatten move no number: the adjoint is Ȳ put back in the input's shape."""
    return [arrays.settle(np.asarray(bar, dtype=object).reshape(arrays.shape_of(args[0])))]


def join_shape(kind: str):
    def rule(shapes, params):
        dim = params[0]["dim"]
        first = shapes[0]
        if any(s != first for s in shapes) if kind == "stack" else \
                any(len(s) != len(first) or any(a != b for j, (a, b) in enumerate(zip(s, first))
                                                if j != _dim(dim, first)) for s in shapes):
            raise ShapeError(Msg("err_join_shapes", shapes=", ".join(shape_text(s) for s in shapes)))
        if kind == "stack":
            d = _dim(dim, first + (1,))
            return first[:d] + (len(shapes),) + first[d:]
        if not first:
            raise ShapeError(Msg("err_cat_scalar"))
        d = _dim(dim, first)
        return first[:d] + (sum(s[d] for s in shapes),) + first[d + 1:]
    return rule


def stack_value(A, args, params):
    parts = [np.asarray(a, dtype=object) for a in args]
    return np.stack(parts, axis=params[0]["dim"])


def stack_vjp(A, bar, args, out, params):
    bar = np.asarray(bar, dtype=object)
    return [arrays.settle(np.take(bar, i, axis=params[0]["dim"])) for i in range(len(args))]


def cat_value(A, args, params):
    return np.concatenate([np.asarray(a, dtype=object) for a in args], axis=params[0]["dim"])


def cat_vjp(A, bar, args, out, params):
    bar = np.asarray(bar, dtype=object)
    cuts = list(itertools.accumulate(arrays.shape_of(a)[params[0]["dim"]] for a in args))[:-1]
    return list(np.split(bar, cuts, axis=params[0]["dim"]))


def permute_dims(shape, opts) -> tuple[int, ...]:
    dims = tuple(opts["dims"]) if opts["dims"] is not None else ()
    if sorted(d % len(shape) if -len(shape) <= d < len(shape) else d for d in dims) != list(range(len(shape))):
        raise ShapeError(Msg("err_permute", dims=shape_text(dims), a=shape_text(shape)))
    return tuple(d % len(shape) for d in dims)


def permute_shape(shapes, params):
    return tuple(shapes[0][d] for d in permute_dims(shapes[0], params[0]))


def permute_value(A, args, params):
    return np.transpose(np.asarray(args[0], dtype=object), permute_dims(arrays.shape_of(args[0]), params[0]))


def permute_vjp(A, bar, args, out, params):
    dims = permute_dims(arrays.shape_of(args[0]), params[0])
    return [np.transpose(np.asarray(bar, dtype=object), np.argsort(dims))]


def swap_dims(shape, opts) -> tuple[int, int]:
    return _dim(opts["dim0"], shape), _dim(opts["dim1"], shape)


def swap_shape(shapes, params):
    a, (i, j) = list(shapes[0]), swap_dims(shapes[0], params[0])
    a[i], a[j] = a[j], a[i]
    return tuple(a)


def swap_value(A, args, params):
    return np.swapaxes(np.asarray(args[0], dtype=object), *swap_dims(arrays.shape_of(args[0]), params[0]))


def swap_vjp(A, bar, args, out, params):
    return [np.swapaxes(np.asarray(bar, dtype=object), *swap_dims(arrays.shape_of(args[0]), params[0]))]
