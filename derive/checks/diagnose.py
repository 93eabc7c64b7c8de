"""Floating-point diagnostics without torch: what float64 and float32 make of each node (saturation,
overflow, rounding to zero, cancellation, float32 underflow). `check` uses them with NumPy's floats;
the numeric checks use them with the values torch computed."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from ..core import arrays
from ..model.derivation import Derivation, Diagnostic
from ..core.evaluate import Arrays, evaluate
from ..core.ops import RELATIONS, sigmoid
from ..core.i18n import Msg

SATURATING = (sp.exp, sp.tanh, sigmoid)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(0, x)


_FLOAT = {"add": lambda *x: sum(x[1:], x[0]), "mul": lambda *x: math.prod(x[1:], start=x[0]),
          "pow": np.power, "exp": np.exp, "log": np.log, "abs": np.abs, "max": lambda *x: _fold(np.maximum, x),
          "min": lambda *x: _fold(np.minimum, x), "relu": lambda x: np.maximum(x, 0), "sigmoid": _sigmoid,
          "tanh": np.tanh, "sin": np.sin, "cos": np.cos, "softplus": _softplus, "log_sigmoid": lambda x: -_softplus(-x),
          "detach": lambda x: x, "erf": np.vectorize(math.erf, otypes=[float]),
          "where": lambda c, a, b: np.where(np.asarray(c) != 0, a, b),
          **{name: (lambda f: lambda a, b: np.asarray(f(a, b), dtype=float))(f) for name, (f, _) in RELATIONS.items()}}


def _fold(f, xs):
    out = xs[0]
    for x in xs[1:]:
        out = f(out, x)
    return out


class Float(Arrays):
    """NumPy floats of one dtype (float64 or float32), as torch would compute the formulas."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.zero, self.one, self.undefined = dtype(0), dtype(1), dtype("nan")

    def _fn(self, name):
        return {"exp": np.exp, "log": np.log, "sqrt": np.sqrt}[name]

    def map(self, f, *args):
        return f(*args)

    def number(self, x):
        return self.dtype(float(x))

    def elementwise(self, op, args):
        with np.errstate(all="ignore"):
            return self.dtype(_FLOAT[op.name](*args)) if not any(isinstance(a, np.ndarray) for a in args) \
                else _FLOAT[op.name](*args).astype(self.dtype)

    def apply(self, op, args, params=(), expr=None):
        if op.elementwise:
            return self.elementwise(op, args)
        args = [np.asarray(a, dtype=self.dtype) if isinstance(a, np.ndarray) else a for a in args]
        with np.errstate(all="ignore"):
            out = op.value(self, args, params)
        return out.astype(self.dtype) if isinstance(out, np.ndarray) else self.dtype(out)


def float_values(d: Derivation, dtype) -> dict:
    """Every node's value in one NumPy float dtype (overflow is what the diagnostics look for: no warning)."""
    with np.errstate(all="ignore"):
        return _float_values(d, dtype)


def _float_values(d: Derivation, dtype) -> dict:
    backend = Float(dtype)
    values = {}
    for n in d.order:
        node = d.nodes[n]
        if node.kind == "input":
            values[n] = np.array([float(v) for v in arrays.flat(node.value)], dtype=dtype).reshape(node.shape) \
                if node.shape else dtype(float(node.value))
        else:
            value = evaluate(node.expr, {p: values[p] for p in d.graph.predecessors(n)}, backend)
            values[n] = np.broadcast_to(value, node.shape) if node.shape else value
    return values


def node_diagnostics(d: Derivation, v64: dict, v32: dict) -> list[Diagnostic]:
    """Per node (tensors: the first element concerned): overflow, saturation, rounds-to-zero, cancellation."""
    out: list[Diagnostic] = []
    for n in d.order:
        node = d.nodes[n]
        for index in arrays.indices(node.shape):
            label = arrays.element_name(n, index)
            exact = node.value[index] if index else node.value
            f64 = float(v64[n][index] if index else v64[n])
            f32 = float(v32[n][index] if index else v32[n])
            found = _diagnose(node, label, index, exact, f64, f32)
            if found:
                out.append(found)
                break
    return out


def _diagnose(node, label, index, exact, f64, f32) -> Diagnostic | None:
    n = node.name
    if not math.isfinite(f64) or not math.isfinite(f32):
        bad = "float64" if not math.isfinite(f64) else "float32"
        value = f64 if bad == "float64" else f32
        return Diagnostic("overflow", n, Msg("err_overflow", label=label, value=value, dtype=bad), {"dtype": bad, "value": value, "element": index})
    if node.kind != "formula" or exact == 0:
        return None
    if f64 in (0.0, 1.0, -1.0) and mpmath.mpf(f64) != exact and node.expr.has(*SATURATING):
        return Diagnostic("saturation", n, Msg("err_saturation", label=label, exact=mpmath.nstr(exact, 20), f64=f64, f32=f32), {"element": index})
    if f64 == 0.0:
        return Diagnostic("rounds-to-zero", n, Msg("err_rounds", label=label, exact=mpmath.nstr(exact, 20)), {"element": index})
    if abs(f64 - float(exact)) > 1e-8 * abs(float(exact)) and isinstance(node.expr, sp.Add):
        return Diagnostic("cancellation", n, Msg("err_cancellation", label=label, f64=f'{f64!r}', exact=mpmath.nstr(exact, 17)), {"element": index})
    return None


def underflow(d: Derivation, exact: dict, grads32: dict, wrt: dict) -> list[Diagnostic]:
    """Gradients that float32 autograd returns as 0 although they are not."""
    out = []
    for key, value in exact.items():
        if value and value != 0 and grads32[key] == 0.0:
            out.append(Diagnostic("float32-underflow", wrt[key], Msg("err_underflow", target=d.target, key=key, value=f'{value:.3e}'), {"element": key}))
    return out


def float_diagnostics(d: Derivation) -> list[Diagnostic]:
    """The same diagnostics from NumPy's floats, for `check` (no torch): float32 gradients are the exact
    ones rounded to float32."""
    v64, v32 = float_values(d, np.float64), float_values(d, np.float32)
    exact, grads32, wrt = {}, {}, {}
    for x, g in d.gradients.items():
        if g.value is None:
            continue
        for index in arrays.indices(d.nodes[x].shape):
            key = arrays.element_name(x, index)
            v = g.value[index] if index else g.value
            if mpmath.isnan(v):
                continue
            with np.errstate(all="ignore"):
                exact[key], grads32[key], wrt[key] = float(v), float(np.float32(float(v))), x
    return node_diagnostics(d, v64, v32) + underflow(d, exact, grads32, wrt)
