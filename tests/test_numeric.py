"""Numeric checks: torch autograd and finite differences against the exact derivatives."""
import math

import pytest
import torch
from hypothesis import assume, given, settings

from derive.checks.numeric import check_gradients, finite_differences, relative_error
from conftest import differentiate
from test_engine import exercises


@settings(max_examples=30)
@given(exercises())
def test_autograd_and_central_differences_agree_at_smooth_points(case):
    values, formulas = case
    d = differentiate(values, formulas, of="out")
    assume(not d.kinks)
    checks = check_gradients(d)
    # central differences need a well-scaled target; skip points where the target is huge
    assume(abs(checks.values["float64"]) < 1e6)
    checks.assert_agree(float64=1e-10, fd=1e-6)


def test_assert_agree_shows_the_table_when_it_fails():
    d = differentiate({"x": 46}, {"s": "sigmoid(x)", "out": "log(s)"})
    checks = check_gradients(d)
    with pytest.raises(AssertionError) as info:
        checks.assert_agree()
    text = str(info.value)
    assert "exact" in text and "autograd f64" in text and "best central" in text


def test_micrograd_style_against_torch_by_hand():
    # relu, powers, division and a node used twice, as in micrograd's test_more_ops
    d = differentiate({"a": -4, "b": 2}, {
        "c": "a + b", "d": "a b + b^3", "c2": "c + c + 1", "c3": "c2 + 1 + c2 + (-a)",
        "d2": "d + d*2 + relu(b + a)", "d3": "d2 + 3 d2 + relu(d2 - a)", "e": "c3 - d3", "f": "e^2",
        "g": "f / 2.0", "out": "g + 10.0 / f"})
    a = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    c = a + b
    dd = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    dd = dd + dd * 2 + (b + a).relu()
    dd = dd + 3 * dd + (dd - a).relu()
    e = c - dd
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    checks = check_gradients(d)
    assert math.isclose(checks.values["float64"], g.item(), rel_tol=1e-12)
    for name, t in (("a", a), ("b", b)):
        assert math.isclose(float(d.gradients[name].value), t.grad.item(), rel_tol=1e-12)
        assert math.isclose(checks.checks[name].autograd["float64"], t.grad.item(), rel_tol=1e-12)


def test_seed_explains_its_zero_finite_differences(seed):
    checks = check_gradients(seed)
    codes = {w.code for w in checks.warnings}
    assert {"saturation", "rounds-to-zero", "stable-rewrite"} <= codes
    for x, c in checks.checks.items():
        assert relative_error(c.autograd["float64"], c.exact) < 1e-10          # autograd matches exact
        assert all(v == 0.0 for v in c.fd.central)                            # loss rounds to 0 ...
        assert "cannot resolve" in str(c.verdict) and "autograd agrees" in str(c.verdict)
    assert checks.values["float64"] == 0.0
    rewrite = next(w for w in checks.warnings if w.code == "stable-rewrite")
    assert "-1.05306173575538" in str(rewrite.message)                             # logsigmoid gets it right


def test_kink_reports_each_torch_formulation_as_measured():
    d = differentiate({"m": 0}, {"p": "max(m, 0)", "out": "3p"})
    c = check_gradients(d).checks["m"]
    assert c.exact is None and "undefined" in str(c.verdict)
    m = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    measured = {}
    for name, form in {"relu": torch.relu, "clamp": lambda x: torch.clamp(x, min=0),
                       "maximum": lambda x: torch.maximum(x, torch.zeros_like(x))}.items():
        (grad,) = torch.autograd.grad(3 * form(m), [m])
        measured[name] = grad.item()
    assert c.conventions == measured


def test_finite_differences_are_one_batched_pass(monkeypatch):
    """All inputs and steps of a small exercise in one pass (after one at the point itself): by levels for a
    scalar graph, node by node for tensors."""
    import derive.passes.levels as levels
    import derive.checks.numeric as numeric

    calls = []
    real = levels.evaluate
    monkeypatch.setattr(levels, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    d = differentiate({"x": 1, "y": 2, "z": 3}, {"out": "x y + sin(z) x"})
    forward, central = finite_differences(d, torch.float64)
    assert len(calls) == 2                                                    # the point, then every step at once
    assert len(central) == 3 and len(central[0]) == 12
    assert math.isclose(central[0][4], 2 + math.sin(3), rel_tol=1e-8)        # h = 1e-5

    calls.clear()
    real_graph = numeric.run_graph
    monkeypatch.setattr(numeric, "run_graph", lambda *a, **k: calls.append(1) or real_graph(*a, **k))
    d = differentiate({"v": "[1, 2]", "w": "[3, 4]"}, {"out": "sum(v * sin(w))"})
    forward, central = finite_differences(d, torch.float64)
    assert len(calls) == 2 and len(central) == 4
    assert math.isclose(central[2][4], 1 * math.cos(3), rel_tol=1e-8)        # d/dw0 = v0 cos(w0)


def _by_nodes(monkeypatch):
    """Run the checks node by node, as they ran before scalar graphs were batched by levels."""
    import derive.passes.levels as levels

    monkeypatch.setattr(levels, "schedule", lambda d: None)


@settings(max_examples=15, deadline=None)
@given(exercises())
def test_levels_give_the_node_by_node_numbers(case):
    """The level-by-level run of a scalar graph is the same computation as the node-by-node run: autograd
    in float64 and every central difference agree to round-off (torch's own order of summation differs)."""
    import derive.passes.levels as levels
    import derive.checks.numeric as numeric

    values, formulas = case
    d = differentiate(values, formulas, of="out")
    plan = levels.schedule(d)
    assume(plan is not None)
    by_levels = numeric.autograd(d, torch.float64)
    central = finite_differences(d, torch.float64)[1]
    with pytest.MonkeyPatch.context() as m:
        _by_nodes(m)
        d.memo.pop("schedule", None)
        by_nodes = numeric.autograd(d, torch.float64)
        central_nodes = finite_differences(d, torch.float64)[1]
    d.memo.pop("schedule", None)
    for n, v in by_nodes[0].items():
        assert by_levels[0][n] == pytest.approx(v, rel=1e-12, abs=1e-300, nan_ok=True)
    for x, g in by_nodes[1].items():
        assert by_levels[1][x] == pytest.approx(g, rel=1e-9, abs=1e-12, nan_ok=True)
    for a, b in zip(central, central_nodes):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9, nan_ok=True)


def test_levels_batch_a_network_into_few_calls_and_bound_memory(monkeypatch):
    """A 2-8-8-1 network (193 formulas) runs in a few dozen torch calls, one per shape and depth, and the
    finite differences hold no more numbers than the memory budget allows (counted, not timed)."""
    import sys
    from pathlib import Path

    import derive.passes.levels as levels
    import derive.checks.numeric as numeric
    from derive.engine import derive
    from derive.model.exercise import loads

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from mlp_gradients import mlp_exercise

    d = derive(loads(mlp_exercise([2, 8, 8, 1])), exact=False)
    plan = levels.schedule(d)
    assert len(plan.groups) < len(d.nodes) / 4
    limit = 2 * len(numeric.STEPS) * 8 * (len(d.nodes) + plan.widest) * 3     # three inputs' columns at a time
    monkeypatch.setattr(numeric, "FD_MAX_MEMORY", limit)
    held = []
    targets = numeric.sample(d)[0]
    numeric.finite_differences(d, torch.float64, targets, held.append)
    assert len(held) == math.ceil(len(targets) / 3)                           # chunks of three inputs
    assert max(held) * 8 <= limit
    by_levels = numeric.autograd(d, torch.float64)[1]
    _by_nodes(monkeypatch)
    d.memo.pop("schedule")
    by_nodes = numeric.autograd(d, torch.float64)[1]
    assert all(by_levels[x] == pytest.approx(by_nodes[x], rel=1e-9, abs=1e-15) for x in by_nodes)


def test_float64_error_curve_is_a_v():
    d = differentiate({"x": "0.7"}, {"out": "exp(x) sin(x)"})
    c = check_gradients(d).checks["x"]
    errors = [relative_error(v, c.exact) for v in c.fd.forward]
    best = errors.index(min(errors))
    assert 0 < best < len(errors) - 1
    assert errors[0] > errors[best] < errors[-1]
    assert relative_error(c.fd.richardson, c.exact) < 1e-9
