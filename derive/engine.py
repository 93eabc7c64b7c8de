"""One exercise derived: the gradient by the two passes (driver.py), then the derivatives of higher order the
exercise asks for (hessian.py). `derive(exercise)` is what every command, the API and the tests call for the
mathematics; `pipeline.compute` adds the training steps and torch's checks."""
from __future__ import annotations

from .model.derivation import Adjoint, Derivation, Diagnostic, Edge, Gradient, Kink, Node, decimal, plain
from .passes.driver import gradient
from .model.exercise import GradientExercise
from .extend.hessian import hessian


def derive(ex: GradientExercise, exact: bool = True) -> Derivation:
    """The gradient of an exercise (exact forms too unless exact=False), and its Hessian or higher derivative
    when its [gradient] order asks for one."""
    d = gradient(ex, exact)
    if ex.order > 1:
        d.hessian = hessian(d)
    return d


__all__ = ["Adjoint", "Derivation", "Diagnostic", "Edge", "Gradient", "Kink", "Node", "decimal", "derive", "plain"]
