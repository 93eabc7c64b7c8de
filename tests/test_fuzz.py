"""Differential fuzzing: random tensor exercises, each written twice, as derive's formula text and as torch code
written here from torch's documentation (never through derive's op registry or its torch translation), and
derive's 30-digit gradients compared with torch's float64 autograd. Seeded; DERIVE_FUZZ_CASES=2000 runs more.

Also the pipeline fuzzer of the robustness issue over what comes after the gradient: tensors, [step], order,
seed and require, each case an answer or a located error."""
from __future__ import annotations

import math
import os
import random

import numpy as np
import pytest
import torch

from derive.engine import derive
from derive.core.errors import DeriveError
from derive.model.exercise import loads

CASES = int(os.environ.get("DERIVE_FUZZ_CASES", "300"))

# name -> (derive's text, torch written by hand, shape rule); {a} {b} are operands
UNARY = {
    "tanh": ("tanh({a})", lambda a: torch.tanh(a)),
    "sigmoid": ("sigmoid({a})", lambda a: 1 / (1 + torch.exp(-a))),
    "exp": ("exp(0.3 {a})", lambda a: torch.exp(0.3 * a)),
    "square": ("({a})^2", lambda a: a * a),
    "softplus": ("softplus({a})", lambda a: torch.log1p(torch.exp(a))),
    "log": ("log(1 + ({a})^2)", lambda a: torch.log(1 + a * a)),
    "sin": ("sin({a})", lambda a: torch.sin(a)),
    "sqrt": ("sqrt(1 + ({a})^2)", lambda a: torch.sqrt(1 + a * a)),
    "neg": ("-{a} / 2", lambda a: -a / 2),
    # issue #26's functions, each by hand from its documented formula
    "erf": ("erf({a})", lambda a: torch.erf(a)),
    "gelu": ("gelu({a})", lambda a: a / 2 * (1 + torch.erf(a / math.sqrt(2)))),
    "silu": ("silu({a})", lambda a: a / (1 + torch.exp(-a))),
    "leaky_relu": ("leaky_relu({a}, 0.1)", lambda a: torch.where(a > 0, a, 0.1 * a)),
    "elu": ("elu({a})", lambda a: torch.where(a > 0, a, torch.exp(a) - 1)),
    "huber": ("where(abs({a}) < 1, {a}^2 / 2, abs({a}) - 1/2)",
              lambda a: torch.where(a.abs() < 1, a * a / 2, a.abs() - 0.5)),
    "step": ("({a} > 0.25) * {a}", lambda a: (a > 0.25).double() * a),
}
BINARY = {                                   # element-wise, with broadcasting as NumPy and torch define it
    "add": ("{a} + {b}", lambda a, b: a + b),
    "sub": ("{a} - {b}", lambda a, b: a - b),
    "mul": ("{a} * {b}", lambda a, b: a * b),
    "div": ("{a} / (1 + ({b})^2)", lambda a, b: a / (1 + b * b)),
    "maximum": ("max({a}, {b})", lambda a, b: torch.maximum(a, b)),
    "minimum": ("minimum({a}, {b})", lambda a, b: torch.minimum(a, b)),
    "where": ("where({a} > {b}, {a} * {b}, {b})", lambda a, b: torch.where(a > b, a * b, b)),
}
MATRIX = {                                   # one matrix operand (rows are examples)
    "softmax": ("softmax({a})", lambda a: torch.exp(a) / torch.exp(a).sum(-1, keepdim=True), lambda s: s),
    "logsumexp": ("logsumexp({a})", lambda a: torch.log(torch.exp(a).sum(-1)), lambda s: s[:1]),
    "rowsum": ("sum({a}, 1)", lambda a: a.sum(1), lambda s: s[:1]),
    "colmean": ("mean({a}, 0)", lambda a: a.sum(0) / a.shape[0], lambda s: s[1:]),
    "transpose": ("{a}ᵀ", lambda a: a.t(), lambda s: s[::-1]),
    "rowmax": ("max({a}, dim=1)", lambda a: a.max(1).values, lambda s: s[:1]),
    "colmin": ("min({a}, dim=0, keepdim=True)", lambda a: a.min(0, keepdim=True).values, lambda s: (1, s[1])),
    "keepdim": ("sum({a}, dim=1, keepdim=True)", lambda a: a.sum(1, keepdim=True), lambda s: (s[0], 1)),
    "flatten": ("flatten({a})", lambda a: a.reshape(-1), lambda s: (s[0] * s[1],)),
    "reshape": ("reshape({a}, -1, 1)", lambda a: a.reshape(-1, 1), lambda s: (s[0] * s[1], 1)),
    "strided": ("{a}[:, ::2]", lambda a: a[:, ::2], lambda s: (s[0], (s[1] + 1) // 2)),
    "negative": ("{a}[-1:, :]", lambda a: a[-1:, :], lambda s: (1, s[1])),
    "stack": ("stack([{a}, 2 {a}], dim=2)", lambda a: torch.stack([a, 2 * a], dim=2), lambda s: s + (2,)),
    "cat": ("cat([{a}, {a} * {a}], dim=1)", lambda a: torch.cat([a, a * a], dim=1), lambda s: (s[0], 2 * s[1])),
}
SEQUENCE = {                                 # one (N, C, L) operand: the layers of a 1-D convolutional network
    "maxpool": ("max_pool1d({a}, 2)", lambda a: torch.nn.functional.max_pool1d(a, 2),
                lambda s: s[:2] + (s[2] // 2,)),
    "avgpool": ("avg_pool1d({a}, 2, stride=1)", lambda a: torch.nn.functional.avg_pool1d(a, 2, stride=1),
                lambda s: s[:2] + (s[2] - 1,)),
    "flatten1": ("flatten({a}, 1)", lambda a: torch.flatten(a, 1), lambda s: (s[0], s[1] * s[2])),
    "permute": ("permute({a}, 2, 0, 1)", lambda a: a.permute(2, 0, 1), lambda s: (s[2], s[0], s[1])),
    "swap": ("transpose({a}, 1, 2)", lambda a: a.transpose(1, 2), lambda s: (s[0], s[2], s[1])),
}
SHAPES = [(), (2,), (3,), (2, 3), (3, 2), (2, 2), (2, 2, 3), (1, 2, 4)]


def broadcast(sa, sb):
    try:
        return tuple(np.broadcast_shapes(sa, sb))
    except ValueError:
        return None


def case(seed: int):
    """One random exercise: (values, formulas in derive's text, the same model as a torch function)."""
    rng = random.Random(seed)
    values, shapes, steps = {}, {}, []
    for i in range(rng.randint(2, 4)):
        shape = rng.choice(SHAPES)
        size = int(np.prod(shape)) if shape else 1
        numbers = [v / 100 for v in rng.sample(range(-150, 151), size)]     # distinct: a pool's window has no tie
        values[f"x{i}"] = np.array(numbers).reshape(shape).tolist() if shape else numbers[0]
        shapes[f"x{i}"] = shape
    names = list(values)
    for k in range(rng.randint(1, 5)):
        a, b = rng.choice(names), rng.choice(names)
        sa, sb = shapes[a], shapes[b]
        options = [("u", name) for name in UNARY]
        if broadcast(sa, sb) is not None:
            options += [("b", name) for name in BINARY]
        if len(sa) == 2:
            options += [("m", name) for name in MATRIX]
        if len(sa) == 2 and 1 <= len(sb) <= 2 and sa[1] == sb[0]:
            options.append(("matmul", None))
        if len(sa) == 3 and len(sb) == 2 and sa[2] == sb[0]:
            options.append(("bmm", None))         # a batch of matrices times one matrix, torch.matmul
        if len(sa) == 1 and sa == sb:
            options.append(("dot", None))
        if len(sa) == 3 and sa[2] >= 2:
            options += [("s", name) for name in SEQUENCE] + [("conv", None)]
        kind, op = rng.choice(options)
        name = f"f{k}"
        if kind == "u":
            text, fn, shape = UNARY[op][0].format(a=a), (lambda t, op=op, a=a: UNARY[op][1](t[a])), sa
        elif kind == "b":
            text, fn, shape = BINARY[op][0].format(a=a, b=b), \
                (lambda t, op=op, a=a, b=b: BINARY[op][1](t[a], t[b])), broadcast(sa, sb)
        elif kind == "m":
            text, fn, shape = MATRIX[op][0].format(a=a), (lambda t, op=op, a=a: MATRIX[op][1](t[a])), \
                MATRIX[op][2](sa)
        elif kind == "s":
            text, fn, shape = SEQUENCE[op][0].format(a=a), (lambda t, op=op, a=a: SEQUENCE[op][1](t[a])), \
                SEQUENCE[op][2](sa)
        elif kind == "conv":                 # a kernel (2 out channels, C in, width 2) and a bias, new inputs
            kernel, bias = f"w{k}", f"c{k}"
            values[kernel] = (np.array(rng.sample(range(-99, 100), 4 * sa[1])) / 100).reshape(2, sa[1], 2).tolist()
            values[bias] = [round(rng.uniform(-0.5, 0.5), 2) for _ in range(2)]
            text = f"conv1d({a}, {kernel}, {bias}, padding=1)"
            fn = (lambda t, a=a, w=kernel, c=bias: torch.nn.functional.conv1d(t[a], t[w], t[c], padding=1))
            shape = (sa[0], 2, sa[2] + 1)
        elif kind == "bmm":
            text, fn, shape = f"{a} @ {b}", (lambda t, a=a, b=b: torch.matmul(t[a], t[b])), sa[:2] + sb[1:]
        elif kind == "matmul":
            text, fn, shape = f"{a} @ {b}", (lambda t, a=a, b=b: t[a] @ t[b]), sa[:1] + sb[1:]
        else:
            text, fn, shape = f"{a} · {b}", (lambda t, a=a, b=b: (t[a] * t[b]).sum()), ()
        steps.append((name, text, fn))
        shapes[name] = tuple(shape)
        names.append(name)
    made = [name for name, _, _ in steps]
    out = " + ".join(f"sum({f})" if shapes[f] else f for f in made)
    formulas = {name: text for name, text, _ in steps}
    formulas["out"] = out

    def model(t):
        t = dict(t)
        for name, _, fn in steps:
            t[name] = fn(t)
        return sum(t[f].sum() if shapes[f] else t[f] for f in made)
    return values, formulas, model


def exercise_text(values: dict, formulas: dict) -> str:
    import json

    lines = ['kind = "gradient"', "[values]"] + [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    lines += ["[formulas]"] + [f"{k} = {json.dumps(v)}" for k, v in formulas.items()]
    lines += ["[gradient]", 'of = "out"', "wrt = [" + ", ".join(json.dumps(k) for k in values) + "]"]
    return "\n".join(lines) + "\n"


def as_float(value):
    return np.array([float(v) for v in value.flat]).reshape(value.shape) if isinstance(value, np.ndarray) \
        else float(value)


def test_random_tensor_exercises_agree_with_torch_written_by_hand():
    compared, worst = 0, 0.0
    for seed in range(CASES):
        values, formulas, model = case(seed)
        try:
            d = derive(loads(exercise_text(values, formulas)), exact=False)
        except DeriveError as e:             # never expected for these: a located refusal is still not a bug
            pytest.fail(f"seed {seed}: {formulas}: {e}")
        if d.kinks or any(np.isnan(as_float(d.gradients[n].value)).any() for n in values):
            continue                          # a tie (max(a, b), a pool's window, max(X, dim=1)): no derivative
        t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
        model(t).backward()
        assert float(d.nodes["out"].value) == pytest.approx(float(model(t).detach()), rel=1e-12, abs=1e-12)
        for name in values:
            got = as_float(d.gradients[name].value)
            want = t[name].grad.numpy() if t[name].grad is not None else np.zeros_like(got)
            scale = max(1.0, float(np.max(np.abs(want))))
            error = float(np.max(np.abs(np.asarray(got) - want))) / scale
            worst = max(worst, error)
            assert error <= 1e-12, (seed, name, formulas, got, want)
        compared += 1
    assert compared >= 0.9 * CASES, compared
    assert worst <= 1e-12


# -- the pipeline after the gradient ----------------------------------------------------------------------

TAILS = [
    "", "[step]\nlearning_rate = 0.1\nsteps = 2\n", '[step]\nlearning_rate = "1/2"\nupdate = "momentum"\nsteps = 2\n',
    "[gradient]\norder = 2\n", '[gradient]\nof = "out"\nseed = 2\n', '[gradient]\nkink = "torch"\n',
    '[variants]\nrequire = ["out > 0"]\n', '[variants]\nrequire = ["out > 1e300"]\nmax_attempts = 3\n',
    "[gradient]\norder = 9\n", "[step]\nlearning_rate = 0\n", '[gradient]\nseed = [1e308]\nof = ["out"]\n',
]
SCALARS = ["a", "b", "0.5", "1e300", "1e-300", "max(a, b)", "relu(a - b)", "tanh(a b)", "exp(b)", "log(a)",
           "|a|", "sum(z)", "z[0]", "z[1:]", "z[:0]", "softmax(z)", "z · z", "a^b", "sigmoid(a)"]


def test_fuzz_the_pipeline_after_the_gradient():
    """Random formulas over a scalar and a vector, with every table that follows the gradient: load, derive,
    train, variants' screening, lint: an answer or derive's own located error, never another exception."""
    from derive.apps import variants
    from derive.apps.lint import check
    from derive.extend.training import train

    rng = random.Random(7)
    outcomes = {"answer": 0, "located": 0}
    for _ in range(60):
        text = " + ".join(rng.choice(SCALARS) for _ in range(rng.randint(1, 3)))
        a, b = rng.choice(["1", "-2", "0", "1e308", "{ min = 1, max = 3, default = 2 }"]), rng.choice(["2", "0.5"])
        source = (f'kind = "gradient"\n[values]\na = {a}\nb = {b}\nz = [0.5, -1, 2]\n[formulas]\n'
                  f'out = "sum({text})"\n' + rng.choice(TAILS))
        try:
            ex = loads(source)
            d = derive(ex)
            if ex.step is not None:
                train(d, ex.step)
            if ex.ranges:
                variants.limits(ex)
            check(ex)
            outcomes["answer"] += 1
        except DeriveError as e:
            assert e.message and e.spot is not None, source
            outcomes["located"] += 1
    assert outcomes["answer"] and outcomes["located"], outcomes
    assert not math.isnan(outcomes["answer"])
