"""The [step] table of an exercise: training steps after the gradient, as torch.optim.SGD takes them (training.py
runs them; loading a file only reads and checks them, every error located)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..core import arrays
from ..core.errors import DeriveError
from .reading import value_of
from ..core.i18n import Msg

MAX_STEPS = 1000
UPDATES = ("sgd", "momentum")


@dataclass
class Step:
    learning_rate: sp.Expr
    steps: int = 1
    update: str = "sgd"
    momentum: sp.Expr = sp.Integer(0)


def read(table: dict, source) -> Step | None:
    """The [step] table (None when absent), every error located."""
    if not table:
        return None
    for key in table:
        if key not in ("learning_rate", "steps", "update", "momentum"):
            raise DeriveError(Msg("err_step_key", key=f'{key!r}'), source.spot("step", key),
                              Msg("err_allowed", keys='learning_rate, steps, update, momentum'))
    if "learning_rate" not in table:
        raise DeriveError(Msg("err_step_rate"), source.spot("", "step"), Msg("err_step_rate_fix"))
    rate = value_of(table["learning_rate"], "learning_rate", source.under("step"))
    if arrays.shape_of(rate) or not rate > 0:
        raise DeriveError(Msg("err_learning_rate"), source.spot("step", "learning_rate"))
    steps = table.get("steps", 1)
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise DeriveError(Msg("err_steps_range", limit=MAX_STEPS), source.spot("step", "steps"))
    update = table.get("update", "momentum" if "momentum" in table else "sgd")
    if update not in UPDATES:
        raise DeriveError(Msg("err_update", name=f'{update!r}'), source.spot("step", "update"),
                          Msg("err_update_fix"))
    beta = value_of(table.get("momentum", "9/10" if update == "momentum" else 0), "momentum", source.under("step"))
    if arrays.shape_of(beta) or not 0 <= beta < 1:
        raise DeriveError(Msg("err_momentum"), source.spot("step", "momentum"))
    if update == "sgd" and beta != 0:
        raise DeriveError(Msg("err_momentum_update"), source.spot("step", "momentum"))
    return Step(rate, steps, update, beta)
