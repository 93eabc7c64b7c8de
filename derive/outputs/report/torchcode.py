"""Python that reproduces a result with torch: formulas printed as torch code from the op registry."""
from __future__ import annotations

import keyword
import unicodedata

import mpmath
import sympy as sp
from sympy.printing.str import StrPrinter

from ...model.derivation import Derivation
from ...core.ops import PLAIN_RELATIONS, RELATIONS, op_of, operands, options_shown, params_of
from ...core.i18n import t
from ...checks.numeric import autograd_agrees
from .codewrap import fit

RESERVED = {"torch", "math", "F", "model", "point", "inputs", "exact", "h", "name", "up", "down", "grad",
            "value", "loss_value", "tensors", "fd", "stable_model", "relative"}


def py(name: str) -> str:
    """A node name as a Python identifier that clashes with nothing in the generated code: keywords and the
    code's own names get a trailing _, and a name Python would not read as itself (x½, or ｘ, which Python
    folds into x) is spelled in ASCII, v_x_u00bd."""
    if not name.isidentifier() or unicodedata.normalize("NFKC", name) != name:
        return "v_" + "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else f"_u{ord(ch):04x}"
                              for ch in name)
    return name + "_" if keyword.iskeyword(name) or name in RESERVED else name


class TorchPrinter(StrPrinter):
    """SymPy -> torch expressions: functions through the registry's `code` names, constants from math."""

    def _print_Symbol(self, expr):
        return py(expr.name)

    def _print_Function(self, expr):
        op = op_of(expr)
        if op is not None and op.name in RELATIONS:
            a, b = expr.args
            return f"({self._arg(a)} {PLAIN_RELATIONS[op.name]} {self._arg(b)}).to(torch.float64)"
        if op is not None and op.name == "where":
            c, a, b = expr.args
            cond = self._print(c)
            cond = cond[1:cond.rindex(").to(")] if cond.endswith(".to(torch.float64)") else f"{cond} != 0"
            return f"torch.where({cond}, {self._arg(a)}, {self._arg(b)})"
        if op is not None and op.keywords and op.code:
            tensors = [self._print(a) for a in operands(expr, op)]
            if op.listed:
                tensors = ["[" + ", ".join(tensors) + "]"]
            shown = options_shown(op, params_of(expr, op)[0])
            return f"{op.code}({', '.join(tensors + [f'{k}={_python(v)}' for k, v in shown])})"
        if op is None or op.code is None:
            raise ValueError(f"no torch code for {expr.func}")
        ordered = sorted(expr.args, key=lambda a: bool(a.is_number)) if op.arity is None else expr.args
        args = [self._arg(a) for a in ordered]
        text = args[0]
        if op.arity is None:
            for a in args[1:]:
                text = f"{op.code}({text}, {a})"
            return text
        return f"{op.code}({', '.join(args)})"

    _print_Max = _print_Min = _print_Abs = _print_exp = _print_log = _print_Function

    def _print_matmul(self, expr):
        return f"({self._print(expr.args[0])} @ {self._print(expr.args[1])})"

    def _print_transpose(self, expr):
        return f"{self._print(expr.args[0])}.T"

    def _print_getitem(self, expr):
        x, key = expr.args
        return f"{self._print(x)}[{key.text()}]"

    def _reduce(self, expr, name):
        args = expr.args
        return f"torch.{name}({self._print(args[0])}" + (f", dim={int(args[1])})" if len(args) > 1 else ")")

    def _print_tsum(self, expr):
        return self._reduce(expr, "sum")

    def _print_mean(self, expr):
        return self._reduce(expr, "mean")

    def _last(self, expr, name):
        return f"torch.{name}({self._print(expr.args[0])}, dim=-1)"

    def _print_softmax(self, expr):
        return self._last(expr, "softmax")

    def _print_log_softmax(self, expr):
        return self._last(expr, "log_softmax")

    def _print_logsumexp(self, expr):
        return self._last(expr, "logsumexp")

    def _print_cross_entropy(self, expr):
        z, k = expr.args
        return f"F.cross_entropy({self._print(z)}, {self._print(k)}.round().long())"

    def _print_nll_loss(self, expr):
        z, k = expr.args
        return f"F.nll_loss({self._print(z)}, {self._print(k)}.round().long())"

    def _print_binary_cross_entropy(self, expr):
        return f"F.binary_cross_entropy({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_mse(self, expr):
        return f"F.mse_loss({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_norm(self, expr):
        return f"torch.linalg.vector_norm({self._print(expr.args[0])})"

    def _arg(self, a) -> str:
        # torch.maximum and friends take tensors only
        return f"torch.tensor({float(a)!r}, dtype=torch.float64)" if a.is_number else self._print(a)

    def _print_Pow(self, expr, rational=False):
        base, exponent = expr.args
        if exponent == sp.Rational(1, 2):
            return f"torch.sqrt({self._print(base)})"
        if exponent == sp.Rational(-1, 2):
            return f"1 / torch.sqrt({self._print(base)})"
        return super()._print_Pow(expr, rational)

    def _print_Exp1(self, expr):
        return "math.e"

    def _print_Pi(self, expr):
        return "math.pi"

    def _print_Rational(self, expr):
        return f"({expr.p}/{expr.q})"

    def _print_Float(self, expr):
        return repr(float(expr))


def _python(value) -> str:
    if isinstance(value, sp.Basic):
        return repr(float(value))
    return repr(value)


def code(expr) -> str:
    return TorchPrinter().doprint(expr)


def _only_feeds(d: Derivation, stable_node) -> str | None:
    """The sigmoid node that logsigmoid replaces, when nothing else uses it."""
    if not stable_node:
        return None
    inner = d.nodes[stable_node[0]].expr.args[0]
    if inner.is_Symbol and list(d.graph.successors(inner.name)) == [stable_node[0]] and inner.name != d.target:
        return inner.name
    return None


def _model(d: Derivation, fn: str, stable_node=None) -> list[str]:
    inputs = [n for n in d.order if d.nodes[n].kind == "input"]
    lines = [f"def {fn}({', '.join(py(x) for x in inputs)}):"]
    skipped = _only_feeds(d, stable_node)
    for n in d.order:
        node = d.nodes[n]
        if node.kind != "formula" or n == skipped:
            continue
        if stable_node and n == stable_node[0]:
            lines.append(f"    {py(n)} = F.logsigmoid({code(stable_node[1])})")
        else:
            lines.append(f"    {py(n)} = {code(node.expr)}")
    lines.append(f"    return {py(d.target)}")
    return lines


def _dict_lines(items: dict[str, str]) -> str:
    """A dict literal, on one line when short, else one entry per line."""
    one = "{" + ", ".join(f"{k!r}: {v}" for k, v in items.items()) + "}"
    if len(one) <= 70:
        return one
    return "{\n" + "".join(f"    {k!r}: {v},\n" for k, v in items.items()) + "}"


def agreeing(checks) -> set[str]:
    """The inputs whose every checked element autograd got right (`gradients`' verdicts): the generated code asserts
    autograd against the exact values for these only, and prints the others (torch's binary_cross_entropy clamps
    its gradient where the exact one is 22.8; a notebook that asserted it would stop there)."""
    if checks is None:
        return set()

    bad = {c.wrt for c in checks.checks.values() if not autograd_agrees(c)}
    return {c.wrt for c in checks.checks.values()} - bad


def gradient_script(d: Derivation, lang: str, stable: tuple | None = None, checks=None) -> str:
    """Autograd and central differences for every input, checked against the exact values (asserted where
    `gradients` found autograd agrees, printed beside them elsewhere); with `stable` = (node, z) from numeric's
    stable-rewrite diagnostic, also on the logsigmoid form."""
    inputs = [n for n in d.order if d.nodes[n].kind == "input"]
    wrt = d.exercise.wrt
    point = _dict_lines({py(x): repr(float(d.nodes[x].value)) for x in inputs})
    exact = _dict_lines({py(x): mpmath.nstr(d.gradients[x].value, 17) for x in wrt if d.gradients[x].value is not None})
    wrt = [py(x) for x in wrt]
    lines = ["import math", "", "import torch", "import torch.nn.functional as F", "",
             t(lang, "code_model"), *_model(d, "model"), "",
             f"point = {point}",
             "inputs = {name: torch.tensor(value, dtype=torch.float64, requires_grad=True)",
             "          for name, value in point.items()}",
             "",
             t(lang, "code_autograd", target=d.target),
             "model(**inputs).backward()",
             t(lang, "code_exact"),
             f"exact = {exact}",
             f"agrees = {sorted(py(x) for x in agreeing(checks))!r}" + "  " + t(lang, "code_agrees"),
             f"for name in {wrt!r}:",
             "    grad = inputs[name].grad.item()",
             f"    print(f\"d/d{{name}}: autograd {{grad:.16e}}, {_label(lang, 'code_label_exact')} "
             "{exact.get(name, math.nan):.16e}\")",
             "    if name in exact and name in agrees:",
             "        assert abs(grad - exact[name]) <= 1e-10 * abs(exact[name]) + 1e-300, name",
             "    elif name in exact:",
             f"        print({t(lang, 'code_differs')!r})",
             "",
             t(lang, "code_fd"),
             "def fd(f, name, h=1e-6):",
             "    up, down = dict(point), dict(point)",
             "    up[name] += h",
             "    down[name] -= h",
             "    up = {k: torch.tensor(v, dtype=torch.float64) for k, v in up.items()}",
             "    down = {k: torch.tensor(v, dtype=torch.float64) for k, v in down.items()}",
             "    try:",
             "        return ((f(**up) - f(**down)) / (2 * h)).item()",
             "    except RuntimeError:" + "  " + t(lang, "code_refused"),
             "        return math.nan",
             "",
             f"for name in {wrt!r}:",
             f"    print(f\"d/d{{name}}: {_label(lang, 'code_label_central')} {{fd(model, name):.16e}}\")"]
    if stable:
        lines += ["", t(lang, "code_stable"), *_model(d, "stable_model", stable), "",
                  f"for name in {wrt!r}:",
                  f"    print(f\"d/d{{name}}: {_label(lang, 'code_label_central')}, logsigmoid "
                  "{fd(stable_model, name):.16e}\")"]
    return fit("\n".join(lines) + "\n")


def _label(lang: str, key: str) -> str:
    """A catalog word printed by the generated code, safe inside its f-string's double quotes."""
    return t(lang, key).replace("{", "{{").replace("}", "}}").replace("\\", "\\\\").replace('"', '\\"')


def _tensor_literal(value) -> str:
    """A point's value as a torch.tensor literal in float64."""
    nested = value.tolist() if hasattr(value, "tolist") else value
    floats = _floats(nested)
    return f"torch.tensor({floats!r}, dtype=torch.float64)"


def _floats(nested):
    return [_floats(v) for v in nested] if isinstance(nested, list) else float(nested)


def tensor_script(d: Derivation, lang: str, checks=None) -> str:
    """The tensor model as torch code, one torch operation per formula; autograd checked element by element
    against the exact gradients (to 1e-10), and a central difference on one element of each input."""
    inputs = [n for n in d.order if d.nodes[n].kind == "input"]
    wrt = d.exercise.wrt
    lines = ["import math", "", "import torch", "import torch.nn.functional as F", "",
             t(lang, "code_model"), *_model(d, "model"), ""]
    lines.append("point = {")
    for x in inputs:
        value = d.nodes[x].value
        lines.append(f"    {py(x)!r}: {_tensor_literal(_as_numbers(value))},")
    lines += ["}", "inputs = {name: value.clone().requires_grad_(name in %r) for name, value in point.items()}"
              % [py(x) for x in wrt], "", t(lang, "code_autograd", target=d.target), "model(**inputs).backward()",
              t(lang, "code_exact"), "exact = {"]
    for x in wrt:
        lines.append(f"    {py(x)!r}: {_tensor_literal(_as_numbers(d.gradients[x].value))},")
    lines += ["}",
              f"agrees = {sorted(py(x) for x in agreeing(checks))!r}" + "  " + t(lang, "code_agrees"),
              "for name, value in exact.items():",
              "    grad = inputs[name].grad",
              "    ok = ~torch.isnan(value)               " + t(lang, "code_nan_kink"),
              "    relative = (grad - value).abs()[ok] / value.abs()[ok].clamp(min=1e-300)",
              "    error = relative.max().item() if ok.any() else 0.0",
              t(lang, "code_largest_error"),
              "    if name in agrees:",
              "        assert error <= 1e-10, name",
              "    else:",
              f"        print(name, {t(lang, 'code_differs')!r})",
              "", t(lang, "code_fd"),
              "def fd(name, index, h=1e-6):",
              "    up = {k: v.clone() for k, v in point.items()}",
              "    down = {k: v.clone() for k, v in point.items()}",
              "    up[name][index] += h",
              "    down[name][index] -= h",
              "    try:",
             "        return ((model(**up) - model(**down)) / (2 * h)).item()",
             "    except RuntimeError:" + "  " + t(lang, "code_refused"),
             "        return math.nan", "",
              "for name, value in exact.items():",
              "    index = (0,) * value.dim()",
              t(lang, "code_fd_element")]
    return fit("\n".join(lines) + "\n")


def _as_numbers(value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return np.array([float(v) for v in value.flat]).reshape(value.shape)
    return float(value)
