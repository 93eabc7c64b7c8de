"""`derive new`: a commented starter exercise of each kind that runs as it is."""
from __future__ import annotations

from pathlib import Path

from ..core.errors import DeriveError, Spot
from ..core.tomltext import comment_text

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


# Each comment of the starters in Spanish (`new --lang es`, or a Spanish locale)
COMMENTS_ES = {
    "A gradient exercise: inputs with their values, formulas in any order, and what to differentiate.":
        "Un ejercicio de gradiente: las entradas con sus valores, las fórmulas en cualquier orden y qué derivar.",
    "A linear system to solve exactly and by gradient descent.":
        "Un sistema lineal que se resuelve de forma exacta y por descenso de gradiente.",
    "Time A @ B on the CPU and any GPU.": "Cronometra A @ B en la CPU y en cualquier GPU.",
    "Try it:": "Pruébalo:",
    "   or   ": "   o   ",
    "the report's default language: es or en": "el idioma por defecto del informe: es o en",
    "the point; a range lets `derive variants` draw new points":
        "el punto; un rango permite a `derive variants` sortear puntos nuevos",
    "implicit products (2x, w x), ^, |x|, max, min, relu, sigmoid, tanh, exp, log, ...":
        "productos implícitos (2x, w x), ^, |x|, max, min, relu, sigmoid, tanh, exp, log, ...",
    "LaTeX works too, in single quotes:": "también vale LaTeX, entre comillas simples:",
    "optional: default is the last formula and every input":
        "opcional: por defecto, la última fórmula y todas las entradas",
    "optional: constraints for `derive variants`": "opcional: restricciones para `derive variants`",
    "optional: default is the order of first appearance": "opcional: por defecto, el orden de aparición",
    "all optional": "todo opcional",
    "also: momentum, nesterov, conjugate-gradient, adam": "también: momentum, nesterov, conjugate-gradient, adam",
    "on the relative residual |Ax - b| / |b|": "sobre el residuo relativo |Ax - b| / |b|",
    '"auto": 2/(L + mu) from the spectrum of A^T A; or a number':
        '"auto": 2/(L + mu) a partir del espectro de A^T A; o un número',
    "optional: for `derive variants` (integer solutions)": "opcional: para `derive variants` (soluciones enteras)",
    "n for n x n matrices": "n para matrices n x n",
    "also: tf32, bfloat16, float16": "también: tf32, bfloat16, float16",
    "a missing device is listed with its reason, never replaced":
        "un dispositivo ausente se lista con su motivo, nunca se sustituye",
    "the sizes --quick uses": "los tamaños que usa --quick",
}


def starter(kind: str, lang: str = "en") -> str:
    """The starter file's template, its comments in `lang`."""
    text = STARTERS[kind]
    if lang != "es":
        return text
    lines = []
    for line in text.splitlines(keepends=True):
        code, mark, comment = line.partition("# ")
        if mark and not code.count('"') % 2 and not code.count("'") % 2:      # a comment, not inside a string
            for english, spanish in sorted(COMMENTS_ES.items(), key=lambda kv: -len(kv[0])):
                comment = comment.replace(english, spanish)
        lines.append(code + mark + comment)
    return "".join(lines)


def new(path: str, kind: str, lang: str = "en") -> Path:
    """Write a starter exercise; never overwrite a file."""
    target = Path(path)
    if target.suffix != ".toml":
        target = target.with_suffix(".toml")
    if target.exists():
        raise DeriveError(f"{target} already exists; not overwriting it", Spot(str(target)),
                          "choose another name or remove the file first")
    text = starter(kind, lang).format(name=comment_text(str(target)))      # the name sits in a comment
    from ..model.exercise import Source, loads

    loads(Source(target.name, text))                   # read back before it is written: it runs as it is
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise DeriveError(f"cannot write {target}: {e.strerror}", Spot(str(target))) from None
    return target
