"""Fair variants: every student's exercise of the same kind.

A draw may take another branch of a max, min, abs or relu than the file's own point (m ≤ 0 makes
p = max(m, 0) a dead branch, and half the chain rule vanishes), so by default a variant must take the same
branch of every such function, element by element, as the default point (`[variants] same_branches`), and
meet every condition of `[variants] require = ["m > 0", "z < 10"]` (read by the safe parser, on any node)."""
from __future__ import annotations

import re
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from ..core import arrays
from ..passes import program
from ..core.errors import DeriveError
from ..core.evaluate import MP, evaluate
from ..core.i18n import Msg
from ..core.parser import parse

BRANCHED = ("max", "min", "abs", "relu")
COMPARISONS = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b, "≤": lambda a, b: a <= b,
               "≥": lambda a, b: a >= b, "<": lambda a, b: a < b, ">": lambda a, b: a > b}


@dataclass(frozen=True)
class Condition:
    text: str
    left: sp.Expr
    relation: str
    right: sp.Expr

    def holds(self, d) -> bool:
        env = {n: node.value for n, node in d.nodes.items()}
        return bool(COMPARISONS[self.relation](evaluate(self.left, env, MP()), evaluate(self.right, env, MP())))


def conditions(ex, texts) -> list[Condition]:
    """The `require` list of [variants], each a comparison of two numbers made of the exercise's names."""
    spot = ex.source.spot("variants", "require")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise DeriveError(Msg("err_require_list"), spot, Msg("err_require_fix"))
    shapes = {n: ex.shape(n) for n in (*ex.values, *ex.formulas)}
    out = []
    for text in texts:
        parts = re.split(r"(<=|>=|≤|≥|<|>)", text)
        if len(parts) != 3:
            raise DeriveError(Msg("err_condition", text=f'{text!r}'), spot,
                              Msg("err_condition_fix"))
        try:
            left, right = (parse(side, shapes) for side in (parts[0], parts[2]))
        except DeriveError as e:
            raise DeriveError(Msg("err_in_condition", text=f'{text!r}', message=e.message), spot, e.hint) from None
        if left.shape or right.shape:
            raise DeriveError(Msg("err_condition_tensors", text=f'{text!r}'), spot,
                              Msg("err_condition_tensors_fix"))
        out.append(Condition(text, left.expr, parts[1], right.expr))
    return out


def branches(d) -> tuple:
    """Which branch every max, min, abs and relu takes at the derivation's point: per formula and
    application, the winning argument (max, min) or the sign (abs, relu), element by element."""
    out = []
    for n in d.order:
        if n not in d.exercise.formulas:
            continue
        prog, names = program.program_for(d.exercise.formulas[n].expr)
        if not any(kind == "op" and op.name in BRANCHED for kind, op, _, _ in prog.code):
            continue
        slots = program.run(prog, [d.nodes[p].value for p in names], MP())
        for k, (kind, op, args, _) in enumerate(prog.code):
            if kind == "op" and op.name in BRANCHED:
                out.append((n, k, _branch(op.name, [slots[a] for a in args])))
    return tuple(out)


def _branch(name: str, values: list):
    shape = np.broadcast_shapes(*[arrays.shape_of(v) for v in values]) if any(arrays.shape_of(v) for v in values) \
        else ()
    if shape:
        values = [arrays.broadcast_to(v, shape) if not arrays.shape_of(v) else np.broadcast_to(v, shape)
                  for v in values]
        return tuple(_branch(name, [v[i] for v in values]) for i in arrays.indices(shape))
    if name in ("abs", "relu"):
        return int(mpmath.sign(values[0]))
    pick = max if name == "max" else min
    return values.index(pick(values))
