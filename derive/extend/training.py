"""Training steps after the gradient: plain gradient descent, or with momentum, as torch.optim.SGD does.

    [step]
    learning_rate = 0.5        # η, an exact number
    steps = 1                  # how many updates (at most MAX_STEPS)
    update = "sgd"             # or "momentum", with  momentum = 0.9  (β)

Each step moves every parameter (the inputs in `wrt`) against its gradient, w ← w − η ∂L/∂w (with
momentum: b ← β b + ∂L/∂w, w ← w − η b, the buffer starting at the first gradient, as torch does), then
derives the exercise again at the new point. The first update is exact where its gradient is; after that
the parameters are 60-digit numbers and every loss is given to 30 digits."""
from __future__ import annotations

from dataclasses import dataclass, replace

import mpmath
import sympy as sp

from ..core import arrays
from ..core.budget import known, policy
from ..core.errors import DeriveError, Spot
from ..model.stepspec import MAX_STEPS, UPDATES, Step, read  # noqa: F401  (re-exported)
from ..core.i18n import Msg
from ..core.evaluate import MP
from ..passes.driver import gradient as derive

@dataclass
class Point:
    """The parameters after `step` updates (step 0: the exercise's point) and the loss there."""

    step: int
    exact: dict                  # parameter -> exact value (SymPy or object array), or None past step 1
    value: dict                  # parameter -> mpmath number or object array
    loss: object                 # mpmath


def train(d, step: Step) -> list[Point]:
    """The point before any update and after each of `step.steps` updates."""
    ex = d.exercise
    wrt = list(ex.wrt)
    if any(d.gradients[x].value is None or _undefined(d.gradients[x].value) for x in wrt):
        raise DeriveError(Msg("err_training_kink"),
                          _kink_spot(d), Msg("err_training_kink_hint"))
    points = [Point(0, {x: ex.values[x] for x in wrt}, {x: d.nodes[x].value for x in wrt},
                    d.nodes[d.target].value)]
    exact_grad = {x: d.gradients[x].exact for x in wrt}
    buffer: dict = {}
    current = d
    with mpmath.workdps(60):
        eta, beta = MP.number(step.learning_rate), MP.number(step.momentum)
        for k in range(1, step.steps + 1):
            grad = {x: current.gradients[x].value for x in wrt}
            for x in wrt:
                buffer[x] = grad[x] if x not in buffer or step.update == "sgd" else \
                    arrays.elementwise(lambda b, g: beta * b + g, buffer[x], grad[x])
            value = {x: arrays.elementwise(lambda w, b: w - eta * b, points[-1].value[x], buffer[x]) for x in wrt}
            exact = _exact_update(ex, step, exact_grad) if k == 1 else None
            values = dict(ex.values)
            values.update({x: exact[x] if exact and known(exact[x]) else _float(value[x]) for x in wrt})
            current = derive(replace(ex, values=values, order=1), exact=False)   # the step needs the gradient
                                                                                # only (the Hessian is the file's)
            if any(_undefined(current.gradients[x].value) for x in wrt) and k < step.steps:
                raise DeriveError(Msg("err_step_kink", k=k),
                                  _kink_spot(current), Msg("err_step_kink_fix"))
            points.append(Point(k, exact, value, current.nodes[ex.target].value))
    return points


def _exact_update(ex, step: Step, grad: dict) -> dict | None:
    """w − η ∂L/∂w exactly (the first step; momentum's first buffer is the gradient itself), where known."""
    out = {}
    for x, g in grad.items():
        if not known(g) or (arrays.shape_of(g) and not all(known(v) for v in arrays.flat(g))):
            out[x] = None
            continue
        new = arrays.elementwise(lambda w, gi: policy(w - step.learning_rate * gi), ex.values[x], g)
        out[x] = None if any(not known(v) for v in arrays.flat(new)) else new
    return out


def _float(value):
    """An mpmath number (or array of them) as a 60-digit SymPy Float the engine takes as a value."""
    return arrays.elementwise(lambda v: sp.Float(mpmath.nstr(v, 60), 60), value)


def _undefined(value) -> bool:
    return value is None or any(v is None or mpmath.isnan(v) for v in arrays.flat(value))


def _kink_spot(d) -> Spot:
    """The formula whose kink leaves a gradient undefined (else the [step] table, else the file)."""
    source = d.exercise.source
    for k in d.kinks:
        spot = source.spot("formulas", k.node)
        if spot.line:
            return spot
    spot = source.spot("", "step")
    return spot if spot.line else Spot(file=d.exercise.path)
