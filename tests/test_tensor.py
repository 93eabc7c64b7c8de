"""Tensor exercises: published worked examples at the level of matrices, torch written by hand, a property
test against torch autograd, and located errors for shapes, ragged arrays and indices."""
from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from derive.core import arrays
from derive.apps import cli
from derive.engine import derive
from derive.core.errors import DeriveError
from derive.model.exercise import load, loads
from derive.checks.numeric import check_gradients


def tensor_exercise(values: dict, formulas: dict, of: str | None = None, wrt: list | None = None):
    lines = ['kind = "gradient"', "[values]"] + [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    lines += ["[formulas]"] + [f"{k} = {json.dumps(v)}" for k, v in formulas.items()]
    if of or wrt:
        lines.append("[gradient]")
        if of:
            lines.append(f'of = "{of}"')
        if wrt:
            lines.append("wrt = " + json.dumps(wrt))
    return loads("\n".join(lines) + "\n")


def as_float(value) -> np.ndarray:
    return np.array([float(v) for v in arrays.flat(value)]).reshape(arrays.shape_of(value))


MAZUR = {"x": [0.05, 0.10], "W1": [[0.15, 0.20], [0.25, 0.30]], "b1": 0.35,
         "W2": [[0.40, 0.45], [0.50, 0.55]], "b2": 0.60, "t": [0.01, 0.99]}


def test_mazur_two_layer_network_with_matrices():
    """Matt Mazur's 'A Step by Step Backpropagation Example': E_total = 0.298371109, dE/dw5 = 0.082167041."""
    ex = tensor_exercise(MAZUR, {"h": "sigmoid(W1 @ x + b1)", "o": "sigmoid(W2 @ h + b2)", "E": "sum(0.5 (t - o)^2)"},
                         wrt=["W1", "b1", "W2", "b2"])
    d = derive(ex)
    assert mpmath.nstr(d.nodes["E"].value, 9) == "0.298371109"
    assert mpmath.nstr(d.gradients["W2"].value[0, 0], 8) == "0.082167041"     # w5
    # his other published partials: dE/dw1 = 0.000438568, dE/dw6 = 0.082667628
    assert mpmath.nstr(d.gradients["W1"].value[0, 0], 6) == "0.000438568"
    assert mpmath.nstr(d.gradients["W2"].value[0, 1], 8) == "0.082667628"
    # torch written by hand, float64
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in ("W1", "b1", "W2", "b2")) for k, v in MAZUR.items()}
    h = torch.sigmoid(t["W1"] @ t["x"] + t["b1"])
    o = torch.sigmoid(t["W2"] @ h + t["b2"])
    E = (0.5 * (t["t"] - o) ** 2).sum()
    E.backward()
    for name in ("W1", "b1", "W2", "b2"):
        assert np.allclose(as_float(d.gradients[name].value), t[name].grad.numpy(), rtol=1e-12, atol=0)


def test_cs231n_neuron_with_vectors():
    """CS231n's backprop notes: f = σ(w·x + b) at w = [2, -3], b = -3, x = [-1, -2] gives
    dx = [0.39, -0.59], dw = [-0.2, -0.39], db = 0.2 (printed there from ddot = (1 - f) f)."""
    ex = tensor_exercise({"w": [2, -3], "x": [-1, -2], "b": -3}, {"f": "σ(w · x + b)"})
    d = derive(ex)
    ddot = (1 - 1 / (1 + mpmath.e ** -1)) / (1 + mpmath.e ** -1)
    assert [round(float(v), 2) for v in d.gradients["x"].value] == [0.39, -0.59]
    assert [round(float(v), 2) for v in d.gradients["w"].value] == [-0.2, -0.39]
    assert round(float(d.gradients["b"].value), 2) == 0.2
    assert abs(d.gradients["b"].value - ddot) < mpmath.mpf("1e-14")
    w = torch.tensor([2.0, -3.0], dtype=torch.float64, requires_grad=True)
    x = torch.tensor([-1.0, -2.0], dtype=torch.float64, requires_grad=True)
    torch.sigmoid(w @ x - 3).backward()
    assert np.allclose(as_float(d.gradients["w"].value), w.grad.numpy(), rtol=1e-12)
    assert np.allclose(as_float(d.gradients["x"].value), x.grad.numpy(), rtol=1e-12)


def test_micrograd_softmax_negative_log_likelihood():
    """micrograd's exercise: logits [0, 3, -2, 1], loss = -log softmax(logits)[3]; its published gradient."""
    ex = tensor_exercise({"logits": [0, 3, -2, 1]}, {"probs": "softmax(logits)", "loss": "-log(probs[3])"})
    d = derive(ex)
    published = [0.041772570515350445, 0.8390245074625319, 0.005653302662216329, -0.8864503806400986]
    assert np.allclose(as_float(d.gradients["logits"].value), published, rtol=1e-12, atol=0)
    same = derive(tensor_exercise({"logits": [0, 3, -2, 1], "k": 3}, {"loss": "cross_entropy(logits, k)"}))
    assert np.allclose(as_float(same.gradients["logits"].value), published, rtol=1e-12, atol=0)
    logits = torch.tensor([0.0, 3.0, -2.0, 1.0], dtype=torch.float64, requires_grad=True)
    (-torch.log(torch.softmax(logits, dim=-1)[3])).backward()
    assert np.allclose(as_float(d.gradients["logits"].value), logits.grad.numpy(), rtol=1e-12, atol=0)


def test_cross_entropy_over_a_batch_is_torchs_mean():
    ex = load("ejercicio5")
    d = derive(ex)
    vals = {k: torch.tensor(as_float(d.nodes[k].value), dtype=torch.float64, requires_grad=k in ex.wrt)
            for k in ex.values}
    H = torch.tanh(vals["X"] @ vals["W1"] + vals["b1"])
    Z = H @ vals["W2"] + vals["b2"]
    L = torch.nn.functional.cross_entropy(Z, vals["y"].long())
    L.backward()
    assert abs(float(d.nodes["L"].value) - L.item()) < 1e-13
    for name in ex.wrt:
        assert np.allclose(as_float(d.gradients[name].value), vals[name].grad.numpy(), rtol=1e-11, atol=1e-15)
    check_gradients(d).assert_agree()


def test_bundled_neuron_agrees_three_ways():
    d = derive(load("ejercicio4"))
    checks = check_gradients(d)
    checks.assert_agree()
    z = 2 * -1 + -3 * -2 - 3
    with mpmath.workdps(50):
        p = 1 / (1 + mpmath.e ** -z)
        assert abs(d.gradients["b"].value - (p - 1) * p * (1 - p)) < mpmath.mpf("1e-28")


def test_json_has_shapes_nested_values_and_adjoints(capsys):
    assert cli.main(["gradients", "ejercicio5", "--json", "--exact-only"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nodes"]["H"]["shape"] == [4, 3] and len(data["nodes"]["H"]["decimal"]) == 4
    assert len(data["nodes"]["H"]["decimal"][0]) == 3
    g = data["gradients"]["W1"]
    assert g["shape"] == [2, 3] and len(g["decimal"]) == 2 and len(g["decimal"][0]) == 3
    assert g["latex"] is None or g["latex"].startswith(r"\begin{pmatrix}")
    assert set(data["adjoints"]) >= {"L", "Z", "H", "W1", "b1", "W2", "b2"}
    assert data["adjoints"]["Z"]["shape"] == [4, 3]
    assert data["nodes"]["L"]["shape"] == []


def test_scalar_exercises_get_adjoints_too(capsys):
    assert cli.main(["gradients", "ejercicio2", "--json", "--exact-only"]) == 0
    adjoints = json.loads(capsys.readouterr().out)["adjoints"]
    assert adjoints["pred"]["decimal"].startswith("1.00000000000000000001")      # d log(pred)/d pred = 1/pred
    assert adjoints["z"]["shape"] == []


# -- errors -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values, formulas, line, words", [
    ('W = [[1, 2, 3], [4, 5, 6]]\nx = [1, 2]', 'y = "sum(W @ x)"', 6, "(2, 3) and (2,) do not match"),
    ('W = [[1, 2], [3]]', 'y = "sum(W)"', 3, "different lengths"),
    ('W = []', 'y = "sum(W)"', 3, "empty array"),
    ('W = [1, "a"]', 'y = "sum(W)"', 3, "undefined name 'a'"),
    ('W = [[1, 2], [3, 4]]', 'y = "W[2, 0]"', 5, "index 2 is out of range"),
    ('z = [1, 2, 3]\nk = 3', 'y = "cross_entropy(z, k)"', 6, "class index"),
    ('z = [1, 2, 3]\nk = 1.5', 'y = "cross_entropy(z, k)"', 6, "class index"),
    ('u = [1, 2]\nv = [3, 4]', 'y = "sum(u v)"', 6, "ambiguous"),
    ('W = [[1, 2], [3, 4]]', 'y = "W + 1"', 5, "a gradient needs a single number"),
    ('W = [[[[[[[1]]]]]]]', 'y = "sum(W)"', 3, "more than 6 dimensions"),
    ('W = [[[1, 2]], [[3]]]', 'y = "sum(W)"', 3, "different lengths"),
    ('W = [[[1], [2]], [3, 4]]', 'y = "sum(W)"', 3, "mixes numbers and lists"),
])
def test_tensor_errors_are_located(tmp_path, capsys, values, formulas, line, words):
    path = tmp_path / "t.toml"
    path.write_text(f'kind = "gradient"\n[values]\n{values}\n[formulas]\n{formulas}\n')
    status = cli.main(["gradients", str(path)])
    err = capsys.readouterr().err
    assert status == 1 and "Traceback" not in err and "internal error" not in err
    assert f":{line}" in err.splitlines()[0] and words in err, err


def test_a_class_index_input_is_not_differentiated():
    ex = tensor_exercise({"z": [[1, 2, 0], [0, 1, 3]], "k": [2, 0]}, {"L": "cross_entropy(z, k)"})
    assert ex.wrt == ["z"] and "k" in ex.indices
    with pytest.raises(DeriveError, match="class index"):
        tensor_exercise({"z": [1, 2, 0], "k": 2}, {"L": "cross_entropy(z, k)"}, wrt=["z", "k"])


def test_scalar_notation_students_type():
    d = derive(tensor_exercise({"a": 0.5, "b": 2}, {"y": "σ(a) + ReLU(b) + softplus(a) + √b + ½ a + log_2(b)"}))
    a, b = 0.5, 2.0
    want = (1 / (1 + np.exp(-a))) * (1 - 1 / (1 + np.exp(-a))) + 1 / (1 + np.exp(-a)) + 0.5
    assert abs(float(d.gradients["a"].value) - want) < 1e-14
    assert abs(float(d.gradients["b"].value) - (1 + 0.5 / np.sqrt(b) + 1 / (b * np.log(2)))) < 1e-14


def test_a_juxtaposed_name_gets_a_hint():
    with pytest.raises(DeriveError) as e:
        tensor_exercise({"w": 1, "x": 2}, {"y": "wx"})
    assert 'write "w x" or "w*x"' in str(e.value)


def test_a_unicode_minus_in_toml_gets_a_hint(tmp_path, capsys):
    path = tmp_path / "m.toml"
    path.write_text('kind = "gradient"\n[values]\na = −1\n[formulas]\ny = "a^2"\n', encoding="utf-8")
    assert cli.main(["gradients", str(path)]) == 1
    assert "U+2212" in capsys.readouterr().err


# -- the property test: random small tensor graphs against torch float64 autograd ---------------------------

SHAPES = [(), (3,), (2, 3), (3, 2), (2, 2)]
UNARY = ["tanh({})", "sigmoid({})", "exp(0.3 {})", "({})^2", "softplus({})", "log(1 + ({})^2)", "sin({})"]


@st.composite
def tensor_graphs(draw):
    """Inputs of shapes up to 3x3, formulas built from the ops that fit them, a scalar target."""
    rng = draw(st.randoms(use_true_random=False))
    values = {}
    shapes = {}
    for i in range(draw(st.integers(2, 4))):
        shape = draw(st.sampled_from(SHAPES))
        values[f"x{i}"] = np.round(np.array([rng.uniform(-1.5, 1.5) for _ in range(max(1, int(np.prod(shape))))]), 2) \
            .reshape(shape).tolist() if shape else round(rng.uniform(-1.5, 1.5), 2)
        shapes[f"x{i}"] = shape
    formulas = {}
    names = list(values)
    for k in range(draw(st.integers(1, 4))):
        a = draw(st.sampled_from(names))
        b = draw(st.sampled_from(names))
        sa, sb = shapes[a], shapes[b]
        options = [draw(st.sampled_from(UNARY)).format(a)]
        try:
            shape_ab = tuple(np.broadcast_shapes(sa, sb))
            options.append(f"{a} * {b} + {a}")
        except ValueError:
            shape_ab = None
        if len(sa) == 2 and len(sb) >= 1 and sa[1] == sb[0]:
            options.append(f"{a} @ {b}")
        if len(sa) == 2:
            options += [f"softmax({a})", f"sum({a}, 1)", f"{a}ᵀ", f"logsumexp({a})"]
        if len(sa) == 1 and sa == sb:
            options.append(f"{a} · {b}")
        text = draw(st.sampled_from(options))
        name = f"f{k}"
        try:
            from derive.core.parser import parse

            shapes[name] = parse(text, shapes).shape
        except DeriveError:
            continue
        formulas[name] = text
        names.append(name)
    assume(formulas)
    formulas["out"] = " + ".join(f"sum({f})" if shapes[f] else f for f in formulas)
    return values, formulas


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(tensor_graphs())
def test_random_tensor_graphs_agree_with_torch_autograd(case):
    values, formulas = case
    d = derive(tensor_exercise(values, formulas, of="out"), exact=False)
    assume(not d.kinks)
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    from derive.core.evaluate import Torch
    from derive.checks.numeric import run_graph

    nodes = run_graph(d, t, Torch(torch.float64))
    nodes["out"].backward()
    for name in values:
        got = as_float(d.gradients[name].value)
        want = t[name].grad.numpy() if t[name].grad is not None else np.zeros_like(got)
        assert np.allclose(got, want, rtol=1e-10, atol=1e-12), (name, got, want)
