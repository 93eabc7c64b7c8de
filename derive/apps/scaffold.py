"""`derive new`: a commented starter exercise of each kind that runs as it is."""
from __future__ import annotations

from pathlib import Path

from ..core.errors import DeriveError, Spot, os_reason
from ..core.tomltext import comment_text
from ..core.i18n import Msg, t
from ..model.exercise import Source, loads

# Each starter's comments are catalog sentences ({new_*}); {name} is the file's own path
STARTERS = {
    'gradient': '''# {new_gradient_intro}
# {new_try}
title = {{ en = "A neuron with a sigmoid", es = "Una neurona con sigmoide" }}
kind = "gradient"
lang = "es"                      # {new_lang}

[values]                         # {new_values}
x = 2
w = {{ min = -3, max = 3, default = 1 }}
b = {{ choices = [-1, 0, 1], default = 0 }}
y = 1

[formulas]                       # {new_formulas}
z = "w x + b"
pred = "sigmoid(z)"
loss = "(pred - y)^2"            # {new_latex}

[gradient]                       # {new_gradient}
of = "loss"
wrt = ["w", "b"]

[variants]                       # {new_variants}
max_abs_value = 100
''',
    'linear-system': '''# {new_system_intro}
# {new_try}
title = {{ en = "A 2 x 2 system", es = "Un sistema 2 x 2" }}
kind = "linear-system"
lang = "es"
unknowns = ["x", "y"]            # {new_unknowns}
equations = ["2x + y = 5", "x - 3y = -1"]

[solver]                         # {new_solver}
method = "gradient-descent"      # {new_method}
tolerance = 1e-10                # {new_tolerance}
max_iterations = 100000
learning_rate = "auto"           # {new_learning_rate}

[variants]                       # {new_system_variants}
coefficients = {{ min = -5, max = 5 }}
solution = {{ min = -5, max = 5 }}
max_condition = 30
''',
    'matmul-benchmark': '''# {new_bench_intro}
# {new_try}
title = {{ en = "CPU or GPU?", es = "¿CPU o GPU?" }}
kind = "matmul-benchmark"
lang = "es"
sizes = [256, 512, 1000]         # {new_sizes}
dtypes = ["float32", "float64"]  # {new_dtypes}
devices = ["cpu", "cuda", "mps"] # {new_devices}
repeats = 15
quick = [256, 512]               # {new_quick}
''',
}

TRY = {"gradient": ("gradients {name}", "report {name}"), "linear-system": ("solve {name}", "report {name}"),
       "matmul-benchmark": ("bench {name} --quick", "report {name}")}
COMMENTS = ("new_gradient_intro", "new_system_intro", "new_bench_intro", "new_lang", "new_values", "new_formulas",
            "new_gradient", "new_variants", "new_unknowns", "new_solver", "new_method", "new_tolerance",
            "new_learning_rate", "new_system_variants", "new_sizes", "new_dtypes", "new_devices", "new_quick")


def starter(kind: str, lang: str = "en", name: str = "{name}") -> str:
    """The starter file of `kind`, its comments in `lang`, naming itself `name` in its "try it" line."""
    first, second = (f"python -m derive {c.format(name=name)}" for c in TRY[kind])
    said = {key: t(lang, key) for key in COMMENTS}
    return STARTERS[kind].format(name=name, new_try=t(lang, "new_try", first=first, second=second),
                                 new_latex=t(lang, "new_latex", example="'\\frac{1}{2}(pred - y)^2'"), **said)


def new(path: str, kind: str, lang: str = "en") -> Path:
    """Write a starter exercise; never overwrite a file."""
    target = Path(path)
    if target.suffix != ".toml":
        target = target.with_suffix(".toml")
    if target.exists():
        raise DeriveError(Msg("err_exists", target=target), Spot(str(target)),
                          Msg("err_exists_fix"))
    text = starter(kind, lang, comment_text(str(target)))      # the name sits in a comment

    loads(Source(target.name, text))                   # read back before it is written: it runs as it is
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise DeriveError(Msg("err_cannot_write", target=target, why=os_reason(e)), Spot(str(target))) from None
    return target
