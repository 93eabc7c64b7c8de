"""A scalar graph run in torch level by level: every formula of one shape at one depth is one call.

A node's depth is one more than its deepest parent's, so the formulas of one depth never need each other.
Formulas of the same shape share one program (program.program_for), so `w1_3_0 * x0` and the 16,000 other
products of a layer are one torch multiply on gathered rows, not 16,000 calls of a few microseconds of
Python each. Values live in one matrix, a row per node and a column per evaluation (the columns of finite
differences: one per input, step and sign), so the checks hold nodes x columns numbers and a little more.

Only scalar graphs whose every op is element-wise qualify (a formula's program then works on rows as it
does on numbers); anything else runs node by node (numeric.run_graph).
"""
from __future__ import annotations

from .program import program_for, run
from ..core.evaluate import Torch


class Schedule:
    """rows: node -> row of the value matrix (inputs first, in `inputs` order); groups: (program, output
    rows, argument rows per program input), shallowest first; widest: the most rows one group gathers."""

    __slots__ = ("rows", "inputs", "groups", "widest", "floats")

    def __init__(self, rows, inputs, groups, widest):
        self.rows, self.inputs, self.groups, self.widest = rows, inputs, groups, widest
        self.floats = None                  # the inputs' values at the point as floats, made once


def schedule(d) -> Schedule | None:
    """The levels of a scalar derivation (made once per derivation), or None when it does not qualify."""
    if "schedule" not in d.memo:
        d.memo["schedule"] = _schedule(d)
    return d.memo["schedule"]


def _schedule(d) -> Schedule | None:
    import torch

    if d.tensor:
        return None
    inputs = [n for n in d.order if d.nodes[n].kind == "input"]
    rows = {n: i for i, n in enumerate(inputs + [n for n in d.order if d.nodes[n].kind != "input"])}
    depth = dict.fromkeys(inputs, 0)
    grouped: dict[tuple, tuple] = {}
    for n in d.order:
        if n in depth:
            continue
        prog, names = program_for(d.nodes[n].expr)
        if any(kind != "op" or not op.elementwise for kind, op, _, _ in prog.code):
            return None
        depth[n] = 1 + max((depth[p] for p in names), default=0)
        outs, args = grouped.setdefault((depth[n], id(prog)), (prog, [], [[] for _ in names]))[1:]
        outs.append(rows[n])
        for column, p in zip(args, names):
            column.append(rows[p])
    groups = [(prog, torch.tensor(outs), [torch.tensor(a) for a in args])
              for _, (prog, outs, args) in sorted(grouped.items(), key=lambda item: item[0][0])]
    widest = max((len(outs) * (1 + len(args)) for _, outs, args in groups), default=0)
    return Schedule(rows, inputs, groups, widest)


def point(plan: Schedule, d, dtype, device="cpu"):
    """The inputs' values at the point, one row each, one column."""
    import torch

    if plan.floats is None:
        plan.floats = [[float(d.nodes[n].value)] for n in plan.inputs]
    return torch.tensor(plan.floats, dtype=dtype, device=device)


def evaluate(plan: Schedule, inputs, backend, count=None):
    """The value matrix for the input rows `inputs` (one column per evaluation). Autograd follows the rows
    written in place. count(elements) sees the most numbers held at once: the matrix and the widest group's
    gathered arguments and result."""
    torch = backend.torch
    columns = inputs.shape[1]
    values = torch.empty(len(plan.rows), columns, dtype=backend.dtype, device=backend.device)
    values[:len(plan.inputs)] = inputs
    for prog, outs, args in plan.groups:
        result = run(prog, [values[a] for a in args], backend)[-1]
        values[outs] = result.expand(len(outs), columns) if result.dim() < 2 else result
    if count:
        count(values.numel() + plan.widest * columns)
    return values


def autograd(plan: Schedule, d, dtype, device="cpu") -> tuple[dict, dict]:
    """Every node's value and the target's gradient by torch.autograd.grad, the inputs one leaf tensor."""
    import torch

    inputs = point(plan, d, dtype, device).requires_grad_(True)
    values = evaluate(plan, inputs, Torch(dtype, device))
    numbers = dict(zip(plan.rows, values.detach().to("cpu", torch.float64).reshape(-1).tolist()))
    (grad,) = torch.autograd.grad(values[plan.rows[d.target], 0], [inputs], allow_unused=True)
    grad = [0.0] * len(plan.inputs) if grad is None else grad.to("cpu", torch.float64).reshape(-1).tolist()
    return numbers, {x: grad[plan.rows[x]] for x in d.exercise.wrt}
