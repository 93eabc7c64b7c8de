"""`derive new`: a commented starter exercise of each kind that runs as it is."""
from __future__ import annotations

from pathlib import Path

from .errors import DeriveError, Spot

STARTERS = {
    "gradient": '''# A gradient exercise: inputs with their values, formulas in any order, and what to differentiate.
# Try it:  python -m derive gradients {name}   or   python -m derive report {name}
title = {{ en = "A neuron with a sigmoid", es = "Una neurona con sigmoide" }}
kind = "gradient"
lang = "es"                      # the report's default language: es or en

[values]                         # the point; a range lets `derive variants` draw new points
x = 2
w = {{ min = -3, max = 3, default = 1 }}
b = {{ choices = [-1, 0, 1], default = 0 }}
y = 1

[formulas]                       # implicit products (2x, w x), ^, |x|, max, min, relu, sigmoid, tanh, exp, log, ...
z = "w x + b"
pred = "sigmoid(z)"
loss = "(pred - y)^2"            # LaTeX works too, in single quotes: '\\frac{{1}}{{2}}(pred - y)^2'

[gradient]                       # optional: default is the last formula and every input
of = "loss"
wrt = ["w", "b"]

[variants]                       # optional: constraints for `derive variants`
max_abs_value = 100
''',
    "linear-system": '''# A linear system to solve exactly and by gradient descent.
# Try it:  python -m derive solve {name}   or   python -m derive report {name}
title = {{ en = "A 2 x 2 system", es = "Un sistema 2 x 2" }}
kind = "linear-system"
lang = "es"
unknowns = ["x", "y"]            # optional: default is the order of first appearance
equations = ["2x + y = 5", "x - 3y = -1"]

[solver]                         # all optional
method = "gradient-descent"      # also: momentum, nesterov, conjugate-gradient, adam
tolerance = 1e-10                # on the relative residual |Ax - b| / |b|
max_iterations = 100000
learning_rate = "auto"           # "auto": 2/(L + mu) from the spectrum of A^T A; or a number

[variants]                       # optional: for `derive variants` (integer solutions)
coefficients = {{ min = -5, max = 5 }}
solution = {{ min = -5, max = 5 }}
max_condition = 30
''',
    "matmul-benchmark": '''# Time A @ B on the CPU and any GPU.
# Try it:  python -m derive bench {name} --quick   or   python -m derive report {name}
title = {{ en = "CPU or GPU?", es = "¿CPU o GPU?" }}
kind = "matmul-benchmark"
lang = "es"
sizes = [256, 512, 1000]         # n for n x n matrices
dtypes = ["float32", "float64"]  # also: tf32, bfloat16, float16
devices = ["cpu", "cuda", "mps"] # a missing device is listed with its reason, never replaced
repeats = 15
quick = [256, 512]               # the sizes --quick uses
''',
}


def new(path: str, kind: str) -> Path:
    """Write a starter exercise; never overwrite a file."""
    target = Path(path)
    if target.suffix != ".toml":
        target = target.with_suffix(".toml")
    if target.exists():
        raise DeriveError(f"{target} already exists; not overwriting it", Spot(str(target)),
                          "choose another name or remove the file first")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as f:
            f.write(STARTERS[kind].format(name=target))
    except OSError as e:
        raise DeriveError(f"cannot write {target}: {e.strerror}", Spot(str(target))) from None
    return target
