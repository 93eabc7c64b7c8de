"""After the gradient: training steps, second and higher derivatives, stop-gradient, several outputs with a
seed, conventions at kinks. Each against published numbers, torch written by hand, or SymPy's own diff."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import mpmath
import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from derive.apps import cli
from derive.engine import derive
from derive.core.errors import DeriveError
from derive.model.exercise import loads
from derive.passes.graph import stopped
from derive.checks.numeric import check_gradients
from derive.outputs.report import diagram


def exercise(values: dict, formulas: dict, extra: str = ""):
    lines = ['kind = "gradient"', "[values]"] + [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    lines += ["[formulas]"] + [f"{k} = {json.dumps(v)}" for k, v in formulas.items()]
    return loads("\n".join(lines) + "\n" + extra)


def floats(value) -> np.ndarray:
    return np.array([float(v) for v in np.asarray(value, dtype=object).flat]).reshape(np.shape(value))


MAZUR = {"x": [0.05, 0.10], "W1": [[0.15, 0.20], [0.25, 0.30]], "b1": [0.35, 0.35],
         "W2": [[0.40, 0.45], [0.50, 0.55]], "b2": [0.60, 0.60], "t": [0.01, 0.99]}
MAZUR_FORMULAS = {"h": "sigmoid(W1 @ x + b1)", "o": "sigmoid(W2 @ h + b2)", "E": "sum(0.5 (t - o)^2)"}


# -- training steps ------------------------------------------------------------------------------------

def test_mazur_one_step_gives_his_eight_weights_and_the_new_error():
    """Matt Mazur's 'A Step by Step Backpropagation Example' with η = 0.5: w1…w8 after one step (published to
    9 digits), and the error at those weights, 0.291027774 (his blog's 0.291027924 does not follow from them)."""
    ex = exercise(MAZUR, MAZUR_FORMULAS, '[gradient]\nwrt = ["W1", "W2"]\n[step]\nlearning_rate = 0.5\n')
    from derive.extend.training import train

    d = derive(ex)
    before, after = train(d, ex.step)
    w = [mpmath.nstr(v, 9) for v in (*after.value["W1"].flat, *after.value["W2"].flat)]
    assert w == ["0.149780716", "0.199561432", "0.249751144", "0.299502287",
                 "0.35891648", "0.408666186", "0.51130127", "0.561370121"]
    assert mpmath.nstr(after.loss, 9) == "0.291027774"
    assert after.exact["W2"] is not None                       # the first update is exact


def test_karpathy_neuron_one_step_matches_a_hand_computation():
    """micrograd's lecture neuron o = tanh(x1 w1 + x2 w2 + b), one step of η = 0.01 on w1, w2, b to lower o."""
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    ex = exercise({"x1": 2, "x2": 0, "w1": -3, "w2": 1, "b": "6.8813735870195432"},
                  {"n": "x1 w1 + x2 w2 + b", "o": "tanh(n)"},
                  '[gradient]\nwrt = ["w1", "w2", "b"]\n[step]\nlearning_rate = 0.01\n')
    from derive.extend.training import train

    _, after = train(derive(ex), ex.step)
    o = math.tanh(x1 * w1 + x2 * w2 + b)
    slope = 1 - o * o                                            # do/dn = 0.5 in the lecture
    new = {"w1": w1 - 0.01 * slope * x1, "w2": w2 - 0.01 * slope * x2, "b": b - 0.01 * slope}
    for k, v in new.items():
        assert abs(float(after.value[k]) - v) < 1e-14
    assert abs(float(after.loss) - math.tanh(x1 * new["w1"] + x2 * new["w2"] + new["b"])) < 1e-14


def test_momentum_steps_match_torch_optim_sgd():
    ex = exercise({"w": [1, -2], "x": [0.5, 1.5], "y": 1}, {"p": "sigmoid(w · x)", "L": "(p - y)^2"},
                  '[gradient]\nwrt = ["w"]\n[step]\nlearning_rate = 0.5\nsteps = 4\nupdate = "momentum"\n'
                  "momentum = 0.9\n")
    from derive.extend.training import train

    points = train(derive(ex), ex.step)
    w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([0.5, 1.5], dtype=torch.float64)
    opt = torch.optim.SGD([w], lr=0.5, momentum=0.9)
    for point in points[1:]:
        opt.zero_grad()
        ((torch.sigmoid(w @ x) - 1) ** 2).backward()
        opt.step()
        assert np.allclose(floats(point.value["w"]), w.detach().numpy(), rtol=1e-13, atol=0)


def test_step_in_json_text_and_both_reports(tmp_path, capsys):
    path = tmp_path / "m.toml"
    path.write_text('kind = "gradient"\n[values]\na = 2\n[formulas]\nL = "(a - 5)^2"\n')
    assert cli.main(["gradients", str(path), "--json", "--exact-only", "--step", "1/4", "--steps", "3"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    # a ← a − (1/4)·2(a − 5): 2 → 3.5 → 4.25 → 4.625, exactly
    assert [s["parameters"]["a"][:5] for s in steps] == ["2.000", "3.500", "4.250", "4.625"]
    assert steps[1]["exact"] == {"a": "7/2"}
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md", "--lang", "all",
                     "--step", "1/4", "--steps", "3"]) == 0
    en, es = ((tmp_path / "o" / lang / "m.md").read_text() for lang in ("en", "es"))
    assert "Training steps" in en and "Pasos de entrenamiento" in es and "\\leftarrow" in en
    assert (tmp_path / "o" / "en" / "m.loss.png").exists()


@pytest.mark.parametrize("table, message", [
    ("learning_rate = -1", "positive"),
    ("learning_rate = 1\nsteps = 0", "steps"),
    ('learning_rate = 1\nupdate = "adam"', "update"),
    ("rate = 1", "unknown key"),
])
def test_bad_step_tables_are_located(table, message):
    with pytest.raises(DeriveError) as e:
        exercise({"a": 1}, {"y": "a^2"}, "[step]\n" + table + "\n")
    assert message in str(e.value.message) and e.value.spot.line is not None


# -- second and higher derivatives ---------------------------------------------------------------------

def test_third_derivative_of_tanh_at_two():
    """The JAX cookbook's grad(grad(grad(tanh)))(2.0), 0.2526544 in float32; exactly 8t² − 6t⁴ − 2, t = tanh 2."""
    d = derive(exercise({"x": 2}, {"y": "tanh(x)"}, "[gradient]\norder = 3\n"))
    assert mpmath.nstr(d.hessian.value, 10) == "0.2526540651"
    x = sp.Symbol("x")
    assert sp.simplify(d.hessian.exact - sp.diff(sp.tanh(x), x, 3).subs(x, 2)) == 0


UNARY = ["tanh", "sigmoid", "exp", "sin", "softplus"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(UNARY), st.sampled_from(UNARY), st.integers(-3, 3), st.integers(-3, 3),
       st.integers(-2, 2), st.integers(1, 3))
def test_hessian_matches_torch_and_sympy(f, g, p, q, a, b):
    """A random smooth exercise: the Hessian equals torch.autograd.functional.hessian (float64, 1e-10), and its
    exact entries equal SymPy's diff of the whole expression."""
    ex = exercise({"a": a, "b": b}, {"u": f"{f}({p} a + b)", "v": f"{g}(a b + {q})", "y": "u v + a^2 u"},
                  "[gradient]\norder = 2\n")
    d = derive(ex)
    torch_f = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "exp": torch.exp, "sin": torch.sin,
               "softplus": torch.nn.functional.softplus}

    def y(z):
        u = torch_f[f](p * z[0] + z[1])
        return u * torch_f[g](z[0] * z[1] + q) + z[0] ** 2 * u

    H = torch.autograd.functional.hessian(y, torch.tensor([float(a), float(b)], dtype=torch.float64))
    value = np.array([[float(v) for v in row] for row in d.hessian.value])
    assert np.allclose(value, H.numpy(), rtol=1e-10, atol=1e-12)
    assert np.allclose(value, value.T, rtol=1e-25, atol=0)
    A, B = sp.symbols("a b", real=True)
    sym = {"tanh": sp.tanh, "sigmoid": lambda z: 1 / (1 + sp.exp(-z)), "exp": sp.exp, "sin": sp.sin,
           "softplus": lambda z: sp.log(1 + sp.exp(z))}
    u = sym[f](p * A + B)
    whole = u * sym[g](A * B + q) + A ** 2 * u
    if isinstance(d.hessian.exact, list):
        for i, s in enumerate((A, B)):
            for j, t in enumerate((A, B)):
                want = sp.diff(whole, s, t).subs({A: a, B: b})
                assert abs(sp.N(d.hessian.exact[i][j] - want, 40)) < 1e-30


def test_hessian_of_a_tensor_exercise_matches_torch():
    ex = exercise({"w": [0.5, -1], "x": [1, 2], "b": 0.25}, {"L": "log_sigmoid(w · x + b)"},
                  '[gradient]\nwrt = ["w", "b"]\norder = 2\n')
    d = derive(ex)
    checks = check_gradients(d)
    assert checks.hessian["torch_hessian"] < 1e-12 and checks.hessian["autograd_differences"] < 1e-6
    assert d.hessian.names == ["w[0]", "w[1]", "b"]


def test_hessian_in_both_reports(tmp_path):
    path = tmp_path / "h.toml"
    path.write_text('kind = "gradient"\n[values]\na = 1\nb = 2\n[formulas]\ny = "a^3 b + exp(b)"\n'
                    "[gradient]\norder = 2\n")
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md", "--lang", "all"]) == 0
    en, es = ((tmp_path / "o" / lang / "h.md").read_text() for lang in ("en", "es"))
    assert "forward-over-reverse" in en and "la hessiana" in es.lower()
    assert r"\frac{\partial^2 y}{\partial a^{2}} &= 12" in en          # 6 a b at (1, 2)

@pytest.mark.parametrize("extra, message", [
    ("[gradient]\norder = 3\n", "one input"),
    ("[gradient]\norder = 0\n", "order"),
])
def test_bad_orders_are_located(extra, message):
    with pytest.raises(DeriveError) as e:
        exercise({"a": 1, "b": 2}, {"y": "a b"}, extra)
    assert message in str(e.value.message) and e.value.spot.line is not None


def test_no_second_derivative_at_a_kink():
    with pytest.raises(DeriveError, match="kink"):
        derive(exercise({"a": 0}, {"y": "relu(a) + a^2"}, "[gradient]\norder = 2\n"))


# -- stop-gradient ------------------------------------------------------------------------------------

def test_d2l_detach():
    """d2l's autograd chapter: y = x * x, u = y.detach(), z = u * x; z.sum().backward() gives x.grad == u."""
    d = derive(exercise({"x": [0, 1, 2, 3]}, {"y": "x * x", "u": "detach(y)", "z": "sum(u * x)"}))
    assert [int(v) for v in d.gradients["x"].exact] == [0, 1, 4, 9]
    checks = check_gradients(d)
    checks.assert_agree()                           # finite differences hold what detach stops
    assert stopped(d.exercise, "y", "u") and not stopped(d.exercise, "x", "z")
    assert "-. " in diagram.mermaid(d) and "style=dashed" in diagram.dot(d)


def test_stopgrad_inside_a_formula():
    # z = x·stopgrad(x²) + stopgrad(x)·x at x = 2: dz/dx = x² + x = 6 (not 3x² + 2x = 16)
    d = derive(exercise({"x": 2}, {"z": "x * stopgrad(x^2) + stopgrad(x) * x"}))
    assert d.gradients["x"].exact == 6
    check_gradients(d).assert_agree()


# -- several outputs, seeds ---------------------------------------------------------------------------

def test_pytorch_tutorial_external_grad():
    """The PyTorch autograd tutorial: Q = 3a³ − b², Q.backward(gradient=[1, 1]): 9a² = [36, 81], −2b = [−12, −8]."""
    d = derive(exercise({"a": [2, 3], "b": [6, 4]}, {"Q": "3 a^3 - b^2"}, '[gradient]\nof = "Q"\nseed = [1, 1]\n'))
    assert [int(v) for v in d.gradients["a"].exact] == [36, 81]
    assert [int(v) for v in d.gradients["b"].exact] == [-12, -8]
    assert d.exercise.wrt == ["a", "b"]                       # the seed is not differentiated
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    (3 * a ** 3 - b ** 2).backward(gradient=torch.tensor([1.0, 1.0]))
    assert a.grad.tolist() == [36, 81] and b.grad.tolist() == [-12, -8]


def test_several_scalar_outputs_with_a_seed(tmp_path):
    ex = exercise({"a": 2, "b": 6}, {"Q1": "3 a^3 - b^2", "Q2": "a b"},
                  '[gradient]\nof = ["Q1", "Q2"]\nseed = [1, "-1/2"]\n')
    d = derive(ex)
    assert d.gradients["a"].exact == 36 - 3 and d.gradients["b"].exact == -12 - 1
    from derive.outputs.report import build, compute

    text = "".join(str(b) for b in build(compute(ex), "es").blocks)
    assert "semilla" in text


@pytest.mark.parametrize("extra, message", [
    ('[gradient]\nof = ["Q1", "Q2"]\n', "need a seed"),
    ('[gradient]\nof = ["Q1", "Q2"]\nseed = [1]\n', "shape"),
    ('[gradient]\nof = "Q1"\nseed = [1, 2]\n', "shape"),
    ('[gradient]\nof = ["Q1", "R"]\nseed = [1, 2]\n', "not a formula"),
])
def test_bad_seeds_are_located(extra, message):
    with pytest.raises(DeriveError) as e:
        exercise({"a": 2, "b": 6}, {"Q1": "a b", "Q2": "a + b"}, extra)
    assert message in str(e.value.message) and e.value.spot.line is not None


# -- conventions at kinks -----------------------------------------------------------------------------

XOR = {"x": [0, 0], "W": [[1, 1], [1, 1]], "c": [0, -1], "w": [1, -2], "b": 0, "y": 1}
XOR_FORMULAS = {"h": "relu(W @ x + c)", "f": "w · h + b", "loss": "(f - y)^2"}


def xor_torch():
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in ("W", "c", "w", "b")) for k, v in XOR.items()}
    h = torch.relu(t["W"] @ t["x"] + t["c"])
    ((t["w"] @ h + t["b"] - t["y"]) ** 2).backward()
    return {k: t[k].grad.numpy() for k in ("W", "c", "w", "b")}


def test_goodfellow_xor_on_its_kink_with_torch_convention(tmp_path):
    """Goodfellow et al.'s XOR network at (0, 0): h's first unit sits on relu's kink. With kink = "torch" the
    gradient is torch's own; without a convention it is undefined there."""
    extra = '[gradient]\nwrt = ["W", "c", "w", "b"]\nkink = "torch"\n'
    d = derive(exercise(XOR, XOR_FORMULAS, extra))
    want = xor_torch()
    for k in want:
        assert np.allclose(floats(d.gradients[k].value), want[k], rtol=0, atol=1e-15)
        assert d.gradients[k].convention == ("torch" if k in ("W", "c") else None)     # upstream of the kink
    undefined = derive(exercise(XOR, XOR_FORMULAS, extra.replace('"torch"', '"undefined"')))
    assert math.isnan(float(undefined.gradients["c"].value[0]))


def test_scalar_conventions_torch_and_subgradient(capsys, tmp_path):
    formulas = {"m": "relu(a) + max(a, 0) + |a| + max(b, 2 + a)", "y": "3 m"}
    for kink in ("torch", "subgradient"):
        d = derive(exercise({"a": 0, "b": 2}, formulas, f'[gradient]\nkink = "{kink}"\n'))
        # relu′(0) = 0, maximum splits 1/2 + 1/2, |x|′(0) = 0 (torch 2.x measured; least-norm the same here)
        assert d.gradients["a"].exact == 3 and d.gradients["b"].exact == sp.Rational(3, 2)
    a = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    z = torch.zeros((), dtype=torch.float64)
    (3 * (torch.relu(a) + torch.maximum(a, z) + torch.abs(a) + torch.maximum(b, 2 + a))).backward()
    assert (a.grad.item(), b.grad.item()) == (3.0, 1.5)
    path = tmp_path / "k.toml"
    path.write_text('kind = "gradient"\n[values]\na = 0\n[formulas]\ny = "relu(a) + a"\n[gradient]\nkink = "torch"\n')
    assert cli.main(["gradients", str(path)]) == 0
    out = capsys.readouterr().out
    assert "dy/da = 1  (at a kink: torch's convention, not the derivative)" in out
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md", "--lang", "all"]) == 0
    assert "torch's convention" in (tmp_path / "o" / "en" / "k.md").read_text()
    assert "convención de torch" in (tmp_path / "o" / "es" / "k.md").read_text()


def test_unknown_convention_is_located():
    with pytest.raises(DeriveError) as e:
        exercise({"a": 0}, {"y": "relu(a)"}, '[gradient]\nkink = "left"\n')
    assert "convention" in str(e.value.message) and e.value.spot.text == 'kink = "left"'


def test_every_elementwise_op_has_a_float_counterpart_for_the_diagnostics():
    from derive.checks.diagnose import _FLOAT
    from derive.core.ops import REGISTRY

    assert [op.name for op in REGISTRY if op.elementwise and op.name not in _FLOAT] == []


def test_each_kink_is_named_once_in_the_report(tmp_path):
    path = tmp_path / "k.toml"
    path.write_text('kind = "gradient"\n[values]\na = 0\nb = 2\n[formulas]\n'
                    'y = "relu(a) + max(a, 0) + |a| + max(b, 2 + a)"\n[gradient]\nkink = "subgradient"\n')
    assert cli.main(["report", str(path), "--out", str(tmp_path / "o"), "--format", "md", "--lang", "en"]) == 0
    lines = [line for line in (tmp_path / "o" / "en" / "k.md").read_text().splitlines() if "sits exactly" in line]
    assert len(lines) == 4 and len(set(lines)) == 4 and all("subgradient of least norm" in line for line in lines)


# -- the student's version ----------------------------------------------------------------------------

def _numbers(text: str) -> set[str]:
    """Every number written in a text, normalised (0.60 and 0.6 are one number)."""
    import re
    from decimal import Decimal

    return {format(Decimal(t).normalize(), "f") for t in re.findall(r"-?\d+(?:\.\d+)?", text)}


@pytest.mark.parametrize("name", ["ejercicio2", "ejercicio4", "ejercicio5", "ejercicio6"])
def test_the_student_sheet_has_none_of_the_solutions_numbers(tmp_path, name):
    from derive.model.exercise import load

    assert cli.main(["report", name, "--for", "student", "--out", str(tmp_path), "--format", "md", "--lang", "all"]) == 0
    d = derive(load(name))
    given = _numbers(load(name).source.text)
    for lang in ("en", "es"):
        sheet = (tmp_path / lang / f"{name}-student.md").read_text()
        shown = _numbers(sheet) - given
        solution = [v for n in d.order if n in d.exercise.formulas for v in np.asarray(d.nodes[n].value).flat]
        solution += [v for a in d.adjoints.values() for v in np.asarray(a.value, dtype=object).flat]
        for v in solution:
            for digits in (3, 4, 6):
                text = _numbers(mpmath.nstr(v, digits, min_fixed=-10, max_fixed=10)).pop()
                assert text in given or text not in shown, (lang, text)
        assert (tmp_path / lang / f"{name}-student.graph.png").exists()
        assert ("Paso hacia delante" if lang == "es" else "Forward pass") in sheet
        assert "tres maneras" not in sheet and "three ways" not in sheet


def test_i18n_has_no_key_twice():
    """A key written twice in the table's source silently keeps only the last sentence."""
    import re
    from collections import Counter
    from pathlib import Path

    import derive.core.i18n as i18n

    keys = re.findall(r'^    "([a-z0-9_]+)":', Path(i18n.__file__).read_text(), re.M)
    assert [k for k, c in Counter(keys).items() if c > 1] == []


def test_a_hessian_entry_exactly_zero_is_shown_as_zero():
    """sigmoid(a + b) tanh(a b + 1) + a^2 sigmoid(a + b) at a = -1, b = 1: the mixed entry is exactly 0, and the
    differences of the reverse pass left -5.8e-121 and -2.5e-121 in its two places (their truncation error; found by
    the Hessian property test in CI). Shown: 0, and the Hessian symmetric."""
    ex = exercise({"a": -1, "b": 1}, {"u": "sigmoid(1 a + b)", "v": "tanh(a b + 1)", "y": "u v + a^2 u"},
                  "[gradient]\norder = 2\n")
    d = derive(ex)
    assert d.hessian.exact == [[sp.Rational(1, 2), 0], [0, sp.Rational(-1, 2)]]
    assert d.hessian.value[0][1] == 0 and d.hessian.value[1][0] == 0
    assert abs(d.hessian.value[0][0] - 0.5) < 1e-40 and abs(d.hessian.value[1][1] + 0.5) < 1e-40


def test_a_hessian_entry_within_the_differences_error_is_zero_with_a_warning(tmp_path):
    """The same function written with vectors of one element, where no exact Hessian is computed: the mixed
    entry came out as -4.2e-121, the differences' truncation error shown as if it were a value. It is shown as
    0, with a warning that says it is not proven 0, in both languages; the diagonal keeps its digits."""
    f = tmp_path / "h.toml"
    f.write_text('kind = "gradient"\n[values]\na = [-1]\nb = [1]\n[formulas]\nu = "sigmoid(a + b)"\n'
                 'v = "tanh(a * b + 1)"\ny = "sum(u * v + a * a * u)"\n[gradient]\norder = 2\n')
    from derive.model.exercise import load

    d = derive(load(str(f)))
    assert d.hessian.value[0][1] == 0 and d.hessian.value[1][0] == 0
    assert abs(d.hessian.value[0][0] - 0.5) < 1e-40 and abs(d.hessian.value[1][1] + 0.5) < 1e-40
    (w,) = [w for w in d.warnings if w.code == "hessian-vanishing"]
    assert w.data["entries"] == "(a[0], b[0])" and "not proven exactly 0" in str(w.message)
    for lang, words in (("en", ("exact form not computed: exact second derivatives are computed for exercises "
                                "without tensors only", "not proven exactly 0")),
                        ("es", ("forma exacta no calculada: las segundas derivadas exactas solo se calculan en "
                                "ejercicios sin tensores", "no está demostrado que sean exactamente 0"))):
        out = subprocess.run([sys.executable, "-m", "derive", "gradients", str(f), "--exact-only", "--lang", lang],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0 and all(w in out.stdout for w in words), out.stdout[-800:]
        assert "e-121" not in out.stdout


def test_every_reason_for_a_missing_exact_form_is_said_in_both_languages():
    """Every reason an exact form is Unknown has its sentence in both languages, with the cap filled in."""
    from derive.core.budget import Unknown

    for reason in ("size", "nesting", "magnitude", "time", "parent", "kink", "domain", "tensor"):
        english, spanish = Unknown(reason).text("en"), Unknown(reason).text("es")
        assert english and spanish and english != spanish and "{" not in english + spanish
    assert Unknown("size").text() == "its exact form has more than 400 terms"
    assert Unknown("size").text("es") == "su forma exacta tiene más de 400 términos"


def test_a_hessian_entry_the_differences_lose_takes_its_exact_digits():
    """softplus''(3000) = σ(3000)(1 - σ(3000)) ≈ 1e-1303: the gradient σ(3000 ± h) rounds to 1 even at 1200
    digits, so the differences give 0; the exact form gives the digits (it was shown as 0.0). An input that does
    not reach y has an exact Hessian row of zeros (it made the whole exact Hessian unknown, "too large")."""
    d = derive(exercise({"a": 3000, "b": 1}, {"y": "softplus(a)"}, "[gradient]\norder = 2\n"))
    a = sp.Integer(3000)
    with mpmath.workdps(40):
        want = mpmath.mpf(str(sp.N(sp.exp(-a) / (1 + sp.exp(-a)) ** 2, 40, maxn=10_000)))
        assert abs(d.hessian.value[0][0] - want) <= want * mpmath.mpf(10) ** -30
    assert d.hessian.exact[1] == [0, 0] and d.hessian.value[1] == [0, 0]


def test_training_steps_compute_the_hessian_once(monkeypatch):
    """order = 2 with [step]: the Hessian is the file's point's, computed once (it was recomputed at every step,
    5 times for 4 steps, and a point on the way where it does not exist aborted the training)."""
    import derive.engine as hessian                # engine.derive calls the Hessian by this name
    from derive.engine import derive
    from derive.model.exercise import loads
    from derive.extend.training import train

    calls = []
    real = hessian.hessian
    monkeypatch.setattr(hessian, "hessian", lambda d: calls.append(1) or real(d))
    ex = loads('kind = "gradient"\n[values]\nw = 1.5\n[formulas]\ny = "relu(w - 1) + w^2/4"\n'
               "[gradient]\norder = 2\n[step]\nlearning_rate = 1\nsteps = 4\n")
    d = derive(ex)
    points = train(d, ex.step)
    assert len(points) == 5 and len(calls) <= 1
