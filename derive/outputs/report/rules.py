"""Each op's vector-Jacobian product as a LaTeX template in matrix notation, the rule the walkthrough prints
before its numbers (W̄ = Ȳ Xᵀ), and a short form of it for the graph's arrows (·xᵀ ⊙σ′). One entry per op,
keyed as the registry is; tests check that every registry op has one."""
from __future__ import annotations

from ...core.i18n import t
from ...core.ops import OPS

# f'(u) for element-wise functions, given the argument's LaTeX `u` and the result's `y`
PRIME = {
    "exp": lambda u, y: y,
    "log": lambda u, y: rf"\frac{{1}}{{{u}}}",
    "tanh": lambda u, y: rf"\left(1 - {y}^{{2}}\right)",
    "sigmoid": lambda u, y: rf"{y} \odot \left(1 - {y}\right)",
    "relu": lambda u, y: rf"\mathbb{{1}}\left[{u} > 0\right]",
    "abs": lambda u, y: rf"\operatorname{{sign}}\left({u}\right)",
    "sin": lambda u, y: rf"\cos\left({u}\right)",
    "cos": lambda u, y: rf"\left(-\sin\left({u}\right)\right)",
    "softplus": lambda u, y: rf"\sigma\left({u}\right)",
    "log_sigmoid": lambda u, y: rf"\sigma\left(-{u}\right)",
    "detach": lambda u, y: "0",
    "erf": lambda u, y: rf"\frac{{2}}{{\sqrt{{\pi}}}} e^{{-{_paren(u)}^{{2}}}}",
}
ARROW = {"exp": "⊙exp", "log": "⊘", "tanh": "⊙tanh′", "sigmoid": "⊙σ′", "relu": "⊙relu′", "abs": "⊙sign",
         "sin": "⊙cos", "cos": "⊙(−sin)", "softplus": "⊙σ", "log_sigmoid": "⊙σ(−·)",
         "detach": "⊙0", "erf": "⊙erf′"}
COMPARISON = ("lt", "le", "gt", "ge", "eq", "ne")


def reduce_to(text: str, have: tuple, want: tuple) -> str:
    """The adjoint of a broadcast: summed over the axes broadcasting added or stretched."""
    if have == want:
        return text
    if want == ():
        return rf"\operatorname{{sum}}\left({text}\right)"
    lead = len(have) - len(want)
    axes = [i for i in range(lead)] + [lead + i for i, n in enumerate(want) if n == 1 and have[lead + i] != 1]
    return rf"\operatorname{{sum}}_{{{','.join(map(str, axes))}}}\left({text}\right)"


def _paren(text: str) -> str:
    """Parentheses around an operand unless it is one name: x, W_{1}, \\overline{h}, {h^{(1)}}."""
    simple = text
    for token in (r"\overline", r"\mathit", r"\bar", "{", "}", "_", "^", "(", ")", " "):
        simple = simple.replace(token, "")
    if text.startswith(r"\left("):
        return text
    return text if simple.isalnum() and "+" not in text and "-" not in text else rf"\left({text}\right)"


def rule(op_name: str, bar: str, args: list[str], out: str, shapes: list[tuple], out_shape: tuple, i: int,
         lang: str = "en") -> str:
    """LaTeX of the adjoint that argument i receives from one application of the op."""
    a = args[i]
    if op_name in PRIME:
        return reduce_to(rf"{_paren(bar)} \odot {PRIME[op_name](a, out)}", out_shape, shapes[i])
    if op_name == "add":
        return reduce_to(bar, out_shape, shapes[i])
    if op_name == "mul":
        others = [x for j, x in enumerate(args) if j != i]
        tensor = any(shapes[j] for j in range(len(args)) if j != i) and out_shape
        joined = (r" \odot " if tensor else r" \, ").join(_paren(x) for x in others)
        return reduce_to(rf"{_paren(bar)} \odot {joined}" if out_shape else rf"{_paren(bar)} \, {joined}",
                         out_shape, shapes[i])
    if op_name == "pow":
        base, exponent = args
        if i == 0:
            return reduce_to(rf"{_paren(bar)} \odot {_paren(exponent)} \, {_paren(base)}^{{{exponent} - 1}}",
                             out_shape, shapes[0])
        return reduce_to(rf"{_paren(bar)} \odot {out} \odot \ln {_paren(base)}", out_shape, shapes[1])
    if op_name in ("max", "min"):
        word = t(lang, "r_is_largest" if op_name == "max" else "r_is_smallest")
        return reduce_to(rf"{_paren(bar)} \odot \mathbb{{1}}\left[{a} \text{{ {word}}}\right]", out_shape,
                         shapes[i])
    if op_name == "matmul":
        x, y = args
        if len(shapes[0]) == 1 and len(shapes[1]) == 1:
            return rf"{_paren(bar)} \, {_paren(y if i == 0 else x)}"
        if i == 0:
            return rf"{_paren(bar)} \, {_paren(y)}^{{\top}}" if len(shapes[0]) == 2 else rf"{_paren(y)} \, {_paren(bar)}"
        return rf"{_paren(x)}^{{\top}} \, {_paren(bar)}"
    if op_name == "transpose":
        return rf"{_paren(bar)}^{{\top}}"
    if op_name == "getitem":
        return rf"{_paren(bar)} \text{{ {t(lang, 'r_in_place')}}}"
    if op_name == "sum":
        return rf"{_paren(bar)} \, \mathbf{{1}}"
    if op_name == "mean":
        return rf"\frac{{{bar}}}{{N}} \, \mathbf{{1}}"
    if op_name == "norm":
        return rf"{_paren(bar)} \, \frac{{{a}}}{{\lVert {a} \rVert}}"
    if op_name == "softmax":
        per_row = rf"_{{\text{{{t(lang, 'r_per_row')}}}}}" if len(out_shape) == 2 else ""   # a batch: row by row
        return rf"{out} \odot \left({bar} - \left\langle {bar}, {out} \right\rangle{per_row}\right)"
    if op_name == "log_softmax":
        return rf"{bar} - \operatorname{{softmax}}\left({a}\right) \odot \operatorname{{sum}}\left({bar}\right)"
    if op_name == "logsumexp":
        return rf"{_paren(bar)} \, \operatorname{{softmax}}\left({a}\right)"
    if op_name == "cross_entropy":
        return rf"\frac{{{bar}}}{{N}} \left(\operatorname{{softmax}}\left({a}\right) - \operatorname{{onehot}}\left({args[1]}\right)\right)"
    if op_name == "nll_loss":
        return rf"-\frac{{{bar}}}{{N}} \operatorname{{onehot}}\left({args[1]}\right)"
    if op_name == "binary_cross_entropy":
        p, y = args
        if i == 0:
            return rf"\frac{{{bar}}}{{N}} \, \frac{{{p} - {y}}}{{{p} \odot \left(1 - {p}\right)}}"
        return rf"\frac{{{bar}}}{{N}} \left(\ln\left(1 - {p}\right) - \ln {p}\right)"
    if op_name == "mse":
        x, y = args
        sign = "" if i == 0 else "-"
        return rf"{sign}\frac{{2 \, {bar}}}{{N}} \left({x} - {y}\right)"
    if op_name in LAYER_RULES:
        return LAYER_RULES[op_name](bar, args, shapes, out_shape, i, lang)
    raise KeyError(op_name)


def _conv(bar, args, shapes, out_shape, i, lang):
    """X̄ = the full convolution of Ȳ with the flipped kernel, W̄ = the correlation of X with Ȳ, b̄ = Ȳ summed
    over the batch and the positions (the walkthrough's numbers follow torch's stride, padding and dilation)."""
    x, w = args[0], args[1]
    if i == 0:
        return rf"\operatorname{{conv}}_{{\text{{{t(lang, 'r_full')}}}}}\left({bar}, \operatorname{{flip}}\left({w}\right)\right)"
    if i == 1:
        return rf"\operatorname{{corr}}\left({x}, {bar}\right)"
    axes = [0] + list(range(2, len(out_shape))) if len(out_shape) == len(shapes[0]) and len(shapes[0]) == len(shapes[1]) \
        else list(range(1, len(out_shape)))
    return rf"\operatorname{{sum}}_{{{','.join(map(str, axes))}}}\left({bar}\right)"


def _words(key):
    return lambda bar, args, shapes, out_shape, i, lang: rf"{_paren(bar)} \text{{ {t(lang, key)}}}"


def _same_shape(bar, args, shapes, out_shape, i, lang):
    shape = shapes[i]
    text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    return rf"\operatorname{{reshape}}\left({bar}, {text}\right)"


def _extreme(word):
    return lambda bar, args, shapes, out_shape, i, lang: \
        rf"{_paren(bar)} \odot \mathbb{{1}}\left[{args[0]} \text{{ {t(lang, word)}}}\right]"


def _where(bar, args, shapes, out_shape, i, lang):
    if i == 0:
        return "0"
    c = args[0]
    return reduce_to(rf"{_paren(bar)} \odot {c}" if i == 1 else rf"{_paren(bar)} \odot \left(1 - {c}\right)",
                     out_shape, shapes[i])


LAYER_RULES = {
    "conv1d": _conv, "conv2d": _conv,
    "max_pool1d": _words("r_to_window_max"), "max_pool2d": _words("r_to_window_max"),
    "avg_pool1d": _words("r_spread_window"), "avg_pool2d": _words("r_spread_window"),
    "reshape": _same_shape, "flatten": _same_shape,
    "permute": _words("r_permuted_back"), "swapaxes": _words("r_swapped_back"),
    "stack": _words("r_its_part"), "cat": _words("r_its_part"),
    "amax": _extreme("r_is_largest"), "amin": _extreme("r_is_smallest"),
    "argmax": lambda *a: "0", "where": _where,
    **{name: (lambda *a: "0") for name in COMPARISON},
}
LAYER_ARROWS = {"conv1d": ("⋆flip(W)", "⋆X", "Σ"), "conv2d": ("⋆flip(W)", "⋆X", "Σ"),
                "max_pool1d": ("→max",), "max_pool2d": ("→max",), "avg_pool1d": ("/k",), "avg_pool2d": ("/k",),
                "reshape": ("reshape",), "flatten": ("reshape",), "permute": ("permute⁻¹",), "swapaxes": ("transpose",), "stack": ("[i]",), "cat": ("[i]",),
                "amax": ("⊙1[max]",), "amin": ("⊙1[min]",), "argmax": ("0",), "where": ("0", "⊙1[c]", "⊙(1−1[c])"),
                **{name: ("0", "0") for name in COMPARISON}}


def arrow(op_name: str, args: list[str], shapes: list[tuple], i: int) -> str:
    """A short plain-text form of the same rule, for an arrow of the graph: what multiplies the adjoint."""
    if op_name in ARROW:
        return ARROW[op_name]
    if op_name in LAYER_ARROWS:
        forms = LAYER_ARROWS[op_name]
        return forms[min(i, len(forms) - 1)]
    batch = "/N" if shapes and len(shapes[0]) == 2 else ""
    if op_name == "cross_entropy":            # only names of the exercise: no p the reader has not met
        return f"(softmax({args[0]})−onehot({args[1]})){batch}"
    if op_name == "mse":
        return ("" if i == 0 else "−") + f"2({args[0]}−{args[1]})/N"
    if op_name == "matmul":
        other = args[1 - i]
        if len(shapes[0]) == 1 and len(shapes[1]) == 1:
            return f"·{other}"
        return f"·{other}ᵀ" if i == 0 else f"{other}ᵀ·"
    return {"add": "", "mul": "⊙" + "".join(x for j, x in enumerate(args) if j != i), "pow": "⊙pow′",
            "transpose": "ᵀ", "getitem": "scatter", "sum": "·1", "mean": "/N", "norm": "·x/‖x‖",
            "softmax": "softmax′", "log_softmax": "log softmax′", "logsumexp": "·softmax",
            "binary_cross_entropy": "BCE′", "nll_loss": "−onehot/N",
            "max": "⊙1[max]", "min": "⊙1[min]"}[op_name]


def covered() -> set[str]:
    """The registry ops this table has a rule for (every op with values)."""
    out = set()
    for name, op in OPS.items():
        if op.cls is None:
            continue
        try:
            rule(name, "b", ["x", "y", "z"][: (op.arity if isinstance(op.arity, int) else 2)], "o",
                 [(2,), (2,), (2,)], (2,), 0)
            out.add(name)
        except KeyError:
            pass
    return out
