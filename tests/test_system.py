"""Linear systems: parsing equations, the exact analysis, and the iterative solvers against theory."""
from __future__ import annotations

import json
import math

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.apps import cli
from derive.core.errors import DeriveError
from derive.model.exercise import load, loads
from derive.checks.solvers import random_system, study, study_tensors
from derive.model.system import METHODS, Solver, analyse


def system_text(equations: list[str], unknowns: list[str] | None = None, solver: str = "") -> str:
    lines = ['kind = "linear-system"', "equations = [" + ", ".join(f'"{e}"' for e in equations) + "]"]
    if unknowns:
        lines.append("unknowns = [" + ", ".join(f'"{u}"' for u in unknowns) + "]")
    return "\n".join(lines) + "\n" + solver


def solved(equations, unknowns=None, solver=""):
    system = loads(system_text(equations, unknowns, solver)).system
    analysis = analyse(system)
    return system, analysis, study(system, analysis)


def test_the_seed_system_exactly_by_gradient_descent_within_the_bound_and_by_cg_in_three():
    system = load("ejercicio3").system
    assert system.A == sp.Matrix([[3, 4, -2], [2, -3, 4], [1, -2, 3]]) and list(system.b) == [0, 11, 7]
    analysis = analyse(system)
    assert analysis.classification == "unique" and analysis.exact == {"x": 2, "y": -1, "z": 1}
    s = study(system, analysis)
    gd = s.runs["gradient-descent"]
    assert gd.converged and gd.iterations <= gd.step.bound
    assert max(abs(v - e) for v, e in zip(gd.solution, (2, -1, 1))) < 1e-8
    cg = s.runs["conjugate-gradient"]
    assert cg.converged and cg.iterations == 3
    assert all(run.converged for run in s.runs.values())


def test_the_bound_is_the_textbook_formula():
    """K = ceil(log(tol / κ(A)) / log ρ), ρ = (κ − 1)/(κ + 1) with κ = κ(A)² (that of AᵀA), by hand."""
    system = load("ejercicio3").system
    a = analyse(system)
    import mpmath

    ata = system.A.T * system.A                      # eigenvalues of AᵀA by a symmetric eigensolver
    eigen, _ = mpmath.eigsy(mpmath.matrix([[int(v) for v in ata.row(i)] for i in range(3)]))
    sv = sorted(float(mpmath.sqrt(e)) for e in eigen)
    kappa_A = sv[-1] / sv[0]
    assert a.condition_number == pytest.approx(kappa_A, rel=1e-12)
    rho = (kappa_A**2 - 1) / (kappa_A**2 + 1)
    run = study(system, a).runs["gradient-descent"]
    assert run.step.rho == pytest.approx(rho, rel=1e-12)
    assert run.step.bound == math.ceil(math.log(1e-10 / kappa_A) / math.log(rho))
    assert run.step.rate == pytest.approx(2 / (sv[-1] ** 2 + sv[0] ** 2), rel=1e-12)


def test_the_engine_derives_the_gradient_of_the_objective():
    system = load("ejercicio3").system
    s = study(system, analyse(system))
    x, y, z = (sp.Symbol(n, real=True) for n in "xyz")
    by_hand = system.A.T * (system.A * sp.Matrix([x, y, z]) - system.b)
    for (name, engine), hand in zip(s.gradient.engine.items(), by_hand):
        assert sp.expand(engine - hand) == 0, name
    assert s.gradient.matches_formula and s.gradient.autograd_agrees


def test_inconsistent_system_gets_the_least_squares_solution():
    system, a, s = solved(["x + y = 1", "x + y = 2", "x - y = 0"])
    assert a.classification == "none" and a.exact is None
    # least squares by hand: normal equations [[2,0],[0,... ]]: AᵀA = [[3,1],[1,3]], Aᵀb = [3,3] -> x = y = 3/4
    assert a.least_squares == {"x": sp.Rational(3, 4), "y": sp.Rational(3, 4)}
    assert all(abs(v - 0.75) < 1e-6 for v in s.runs["conjugate-gradient"].solution)
    gd = s.runs["gradient-descent"]               # stops on the gradient, since the residual cannot vanish
    assert gd.criterion == "gradient" and gd.converged and gd.iterations <= gd.step.bound
    assert all(abs(v - 0.75) < 1e-9 for v in gd.solution)


def test_underdetermined_system_gets_the_minimum_norm_solution():
    system, a, _ = solved(["x + y + z = 3", "x - y = 1"])
    assert a.classification == "infinite" and a.free == ["z"]
    A, b = sp.Matrix([[1, 1, 1], [1, -1, 0]]), sp.Matrix([3, 1])
    by_hand = A.T * (A * A.T).inv() * b           # the minimum-norm solution, independently
    assert [a.minimum_norm[u] for u in "xyz"] == list(by_hand)


def test_ill_conditioned_system_is_honest_about_gradient_descent():
    solver = "[solver]\nmax_iterations = 2000\n"
    system, a, s = solved(["x + y = 2", "x + 1.0001y = 2.0001"], solver=solver)
    assert a.exact == {"x": 1, "y": 1} and a.condition_number > 1e4
    gd = s.runs["gradient-descent"]
    assert not gd.converged and gd.iterations == 2000 and gd.step.bound > 2000
    assert s.runs["conjugate-gradient"].converged


def test_a_step_past_two_over_L_diverges():
    system = load("ejercicio3").system
    d = study(system, analyse(system)).divergence
    residuals = [r for _, r in d.history]
    assert d.step.rate > 2 / analyse(system).L and residuals[-1] > 100 * residuals[0]


@pytest.mark.parametrize("equations, message, column", [
    (["x y = 3", "x + y = 1"], "not linear", 1),
    (["x^2 + y = 3", "x + y = 1"], "not linear", 1),
    (["3x + 4y", "x + y = 1"], "exactly one '='", None),
    (["3x + 4y = 1 = 2", "x + y = 1"], "exactly one '='", 13),
    (["3x + * y = 1", "x + y = 1"], "in equation", 6),
    (["= 4", "x = 1"], "nothing on one side", 1),
])
def test_bad_equations_point_at_their_spot(equations, message, column):
    text = system_text(equations)
    with pytest.raises(DeriveError) as e:
        loads(text)
    assert message in str(e.value.message)
    assert e.value.spot.line == 2
    if column is not None:
        line = text.splitlines()[1]
        start = line.index(equations[0]) + 1
        assert e.value.spot.column == start + column - 1


def test_unknowns_must_match_the_equations():
    with pytest.raises(DeriveError, match="'w' does not appear"):
        loads(system_text(["x + y = 1", "x - y = 0"], ["x", "y", "w"]))
    with pytest.raises(DeriveError, match="'y' in equation 'x \\+ y = 1' is not one of the unknowns"):
        loads(system_text(["x + y = 1", "x - y = 0"], ["x"]))


def test_solve_json_has_the_documented_shape(capsys):
    assert cli.main(["solve", "ejercicio3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["unknowns"] == ["x", "y", "z"] and out["classification"] == "unique"
    assert out["exact"] == {"x": "2", "y": "-1", "z": "1"} and out["least_squares"] is None
    assert set(out["methods"]) == set(METHODS)
    gd = out["methods"]["gradient-descent"]
    assert gd["converged"] and gd["iterations"] <= gd["bound"] and gd["learning_rate"] > 0
    assert set(gd["solution"]) == {"x", "y", "z"}


def test_solve_random_recovers_the_integer_solution(capsys):
    assert cli.main(["solve", "--random", "40", "--seed", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    exact = {k: int(v) for k, v in out["exact"].items()}
    for method in ("gradient-descent", "conjugate-gradient"):
        run = out["methods"][method]
        assert run["converged"]
        assert max(abs(run["solution"][k] - v) for k, v in exact.items()) < 1e-7
    assert out["condition_number"] < 3.5


def test_random_systems_are_strictly_diagonally_dominant():
    A, b, x = random_system(50, seed=1)
    off = A.abs().sum(dim=1) - A.diagonal().abs()
    assert bool((A.diagonal().abs() > off).all()) and bool(((A @ x) == b).all())


def test_solve_refuses_other_kinds(capsys):
    assert cli.main(["solve", "ejercicio2"]) == 1
    assert "linear-system" in capsys.readouterr().err


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(st.integers(-5, 5), min_size=3, max_size=3), min_size=3, max_size=3),
       st.lists(st.integers(-5, 5), min_size=3, max_size=3))
def test_methods_agree_with_sympy_on_random_integer_systems(rows, answer):
    import torch

    A = sp.Matrix(rows)
    if A.det() == 0:
        return
    b = A * sp.Matrix(answer)
    singular = [float(s) for s in torch.linalg.svdvals(torch.tensor(rows, dtype=torch.float64))]
    kappa = singular[0] / singular[-1]
    if kappa > 50:
        return
    s = study_tensors(torch.tensor(rows, dtype=torch.float64), torch.tensor([float(v) for v in b], dtype=torch.float64),
                      singular[0] ** 2, singular[-1] ** 2, kappa, Solver(tolerance=1e-12, max_iterations=200_000),
                      ["gradient-descent", "conjugate-gradient"])
    for run in s.runs.values():
        assert run.converged
        assert max(abs(v - e) for v, e in zip(run.solution, answer)) < 1e-8 * kappa
    assert s.runs["gradient-descent"].iterations <= s.runs["gradient-descent"].step.bound
