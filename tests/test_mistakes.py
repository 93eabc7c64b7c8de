"""The mistake catalogue, checked against values worked out here: by hand for Ejercicio 2 and a ReLU network with
a training step, with torch float64 written from its documentation for Ejercicio 5 (softmax cross-entropy over a
batch). Then a simulated class with planted mistakes is graded, and the Moodle bank's fields are read as Moodle's
importer reads them."""
from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET

import mpmath
import pytest
import torch

import moodle_cloze
from derive import pipeline
from derive.apps import cli
from derive.extend.grading import AMBIGUOUS, FOLLOWS, MISTAKE, grade
from derive.extend.mistakes import Chain, Quantity, answer_name, answers, element, wrong_values
from derive.model.exercise import load, loads

RELU = """kind = "gradient"
[values]
x = 1.5
w1 = 0.8
b1 = -0.2
w2 = -1.3
b2 = 0.4
t = 1
[formulas]
h = "relu(w1 x + b1)"
y = "w2 h + b2"
L = "(y - t)^2"
[gradient]
of = "L"
wrt = ["w1", "b1", "w2", "b2"]
[step]
learning_rate = 0.1
"""


def chain_of(ex) -> Chain:
    return Chain(pipeline.compute(ex, pipeline.Options(checks=False, training=False)).derivation)


@pytest.fixture(scope="module")
def ej2():
    return chain_of(load("ejercicio2"))


@pytest.fixture(scope="module")
def ej5():
    return chain_of(load("ejercicio5"))


@pytest.fixture(scope="module")
def relu():
    return chain_of(loads(RELU))


def given_by(chain: Chain, q: Quantity, index=()) -> dict:
    """Each wrong value of one answer -> the (rule, choice) of the slips that give it."""
    return {mpmath.nstr(w.value, 12): {(s.rule, s.choice) for s in w.slips}
            for w in wrong_values(chain, q, index, 0.01)}


def near(found: dict, value, rule) -> bool:
    return any(abs(mpmath.mpf(v) - value) <= 1e-9 * abs(value) + 1e-40 and any(r == rule for r, _ in rules)
               for v, rules in found.items())


# -- Ejercicio 2, by hand: m = 3a + 4b - 2c + 10d = 90, n = 7a + b + c + 4d = 44, z = max(m,0) - max(n,0) = 46 -----

with mpmath.workdps(60):                         # 1 - σ(46) is 1e-20: more digits than float64's
    S = 1 / (1 + mpmath.exp(mpmath.mpf(-46)))      # pred = σ(z); loss = log σ(z): d loss/dz = 1 - σ(z)
    DZ = 1 - S


@pytest.mark.parametrize("rule, by_hand", [
    ("dropped-factor", DZ * (1 - 7)),              # ∂m/∂a = 3 left out: the path through m gives 1, not 3
    ("missed-path", DZ * 3),                       # the path through n forgotten
    ("kink-branch", DZ * (0 * 3 - 7)),             # ∂p/∂m taken as 0: max(m, 0)'s other branch
    ("sign", DZ * (3 + 7)),                        # ∂z/∂q = -1 taken as 1
    ("activation", mpmath.mpf(3 - 7)),             # σ′ taken as σ: ∂loss/∂z = (1/σ)·σ = 1
    ("activation", DZ * (90 * 3 - 7)),             # relu′ taken as relu: ∂p/∂m = p = 90
])
def test_each_mistake_of_ejercicio_2_gives_the_value_worked_out_by_hand(ej2, rule, by_hand):
    assert near(given_by(ej2, Quantity("adjoint", "a")), by_hand, rule)


def test_the_right_gradient_is_never_listed_as_a_mistake(ej2):
    with mpmath.workdps(40):
        right = DZ * (3 - 7)
    for w in wrong_values(ej2, Quantity("adjoint", "a"), (), 0.01):
        assert abs(w.value - right) > 0.02 * abs(right)


def test_two_mistakes_that_give_the_same_value_are_ambiguous(ej2):
    """Forgetting the path through m and taking max(m, 0)'s other branch both drop the 3 of ∂m/∂a."""
    found = given_by(ej2, Quantity("adjoint", "a"))
    both = [rules for v, rules in found.items() if abs(mpmath.mpf(v) - DZ * (-7)) <= 1e-9 * abs(DZ * 7)]
    assert both and {r for r, _ in both[0]} == {"missed-path", "kink-branch"}
    w = next(w for w in wrong_values(ej2, Quantity("adjoint", "a"), (), 0.01) if len(w.slips) == 2
             and {s.rule for s in w.slips} == {"missed-path", "kink-branch"})
    assert w.ambiguous


# -- a ReLU network and one step of gradient descent, by hand ------------------------------------------------

X, W1, B1, W2, B2, T, ETA = 1.5, 0.8, -0.2, -1.3, 0.4, 1.0, 0.1
H = max(W1 * X + B1, 0.0)                    # 1.0
Y = W2 * H + B2                              # -0.9
DY = 2 * (Y - T)                             # -3.8
GW1 = DY * W2 * 1.0 * X                      # relu′ = 1 here


@pytest.mark.parametrize("q, rule, by_hand", [
    (Quantity("step", "w1"), "step", W1 + ETA * GW1),           # uphill
    (Quantity("step", "w1"), "step", W1 - GW1),                 # without the learning rate
    (Quantity("adjoint", "w1"), "activation", DY * W2 * H * X),  # relu′ taken as relu (h = 1 here: the same)
    (Quantity("adjoint", "b1"), "kink-branch", 0.0),            # relu′ taken as 0: the other branch
    (Quantity("adjoint", "w1"), "dropped-factor", DY * 1 * X),  # ∂y/∂h = w2 left out
    (Quantity("adjoint", "w2"), "sign", -DY * H),               # ∂L/∂y's sign lost
])
def test_each_mistake_of_a_relu_network_with_a_step(relu, q, rule, by_hand):
    found = given_by(relu, q)
    if by_hand == 0.0:
        assert any(abs(mpmath.mpf(v)) < 1e-12 and rule in {r for r, _ in rules} for v, rules in found.items())
    elif rule == "activation":       # h = 1: relu′ taken as relu is right here, and so not a mistake to list
        assert not any("activation" in {r for r, _ in rules} for rules in found.values())
    else:
        assert near(found, mpmath.mpf(by_hand), rule), found


# -- Ejercicio 5 in torch float64, from the documentation of cross_entropy (mean over the batch) and tanh ---------

def torch_ej5():
    f64 = torch.float64
    X = torch.tensor([[1, 2], [0, -1], [-1, 0.5], [2, 1]], dtype=f64)
    y = torch.tensor([0, 2, 1, 1])
    W1 = torch.tensor([[0.5, -0.3, 0.2], [0.1, 0.4, -0.2]], dtype=f64)
    b1 = torch.tensor([0.1, -0.1, 0], dtype=f64)
    W2 = torch.tensor([[0.3, -0.2, 0.1], [-0.1, 0.5, 0.2], [0.2, 0.1, -0.4]], dtype=f64)
    b2 = torch.tensor([0, 0.1, -0.1], dtype=f64)
    H = torch.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    N = X.shape[0]
    P = torch.softmax(Z, dim=1)
    Y = torch.nn.functional.one_hot(y, 3).to(f64)
    return dict(X=X, W2=W2, H=H, N=N, P=P, Y=Y)


def _grads(t, Zbar, tanh_prime=None, transpose=True):
    Hbar = Zbar @ (t["W2"].T if transpose else t["W2"])
    Abar = Hbar * (1 - t["H"] ** 2 if tanh_prime is None else tanh_prime)
    return {"W2": t["H"].T @ Zbar, "b2": Zbar.sum(0), "W1": t["X"].T @ Abar, "b1": Abar.sum(0)}


@pytest.mark.parametrize("rule, wrong", [
    ("softmax", lambda t: _grads(t, t["P"] / t["N"])),                                  # p instead of p - y
    ("reduction", lambda t: _grads(t, (t["P"] - t["Y"]))),                             # the 1/N left out
    ("activation", lambda t: _grads(t, (t["P"] - t["Y"]) / t["N"], 1 - t["H"])),       # tanh′ as 1 - tanh
    ("activation", lambda t: _grads(t, (t["P"] - t["Y"]) / t["N"], t["H"])),           # tanh′ as tanh
    ("transpose", lambda t: _grads(t, (t["P"] - t["Y"]) / t["N"], transpose=False)),   # Z̄ W2, not Z̄ W2ᵀ
])
def test_each_mistake_of_ejercicio_5_agrees_with_torch(ej5, rule, wrong):
    t = torch_ej5()
    right = _grads(t, (t["P"] - t["Y"]) / t["N"])
    expected = wrong(t)
    checked = 0
    for name in ("W1", "b1", "W2", "b2"):
        for index in [tuple(i) for i in torch.nonzero(torch.ones_like(expected[name]))]:
            e, r = float(expected[name][index]), float(right[name][index])
            if abs(e - r) <= 0.02 * max(abs(e), abs(r)):
                continue                     # no different from the right answer: not a mistake to list
            found = given_by(ej5, Quantity("adjoint", name), index)
            assert near(found, mpmath.mpf(e), rule), (name, index, e, found)
            checked += 1
    assert checked >= 3


# -- a simulated class ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["ej2", "ej5", "relu"])
def test_a_simulated_class_gets_its_planted_mistakes_named(which, request):
    """60 students, each with zero to two mistakes drawn at random (seeded) and everything else worked
    correctly from their own answers, written to 6 significant digits: at least 95 % of the wrong answers are
    named by the mistake planted (where it was made, or as following from it), the rest ambiguous, none
    misnamed."""
    chain = request.getfixturevalue(which)
    rng = random.Random(2026)
    named = ambiguous = wrong = 0
    for _ in range(60):
        planted = rng.sample(chain.slips, rng.choice([0, 1, 2]))
        values = chain.values(planted)
        sheet = {answer_name(chain, q, i): mpmath.mpf(mpmath.nstr(element(values[q], i), 6))
                 for q, i in answers(chain)}
        for v in grade(chain, sheet, 0.01, 1e-30):
            if v.status == "right":
                continue
            wrong += 1
            if v.status == MISTAKE:
                assert any(s in planted for s in v.slips), (v.name, v.slips, planted)
                named += 1
            elif v.status == FOLLOWS:
                named += 1
            else:
                assert v.status == AMBIGUOUS, (v.name, v.status, planted)
                ambiguous += 1
    assert wrong > 50 and named >= 0.95 * wrong, (named, ambiguous, wrong)


# -- Moodle and the grader ------------------------------------------------------------------------------------

def test_the_moodle_bank_of_ejercicio_2_lists_each_mistake_as_moodle_reads_it(tmp_path):
    assert cli.main(["variants", "ejercicio2", "-n", "3", "--seed", "4", "--format", "md,moodle", "--workers", "1",
                     "--lang", "es", "--out", str(tmp_path)]) == 0
    root = ET.parse(tmp_path / "ejercicio2-moodle.xml").getroot()
    for q in root.findall("question")[1:]:
        fields = moodle_cloze.subquestions(q.find("questiontext/text").text)
        assert len(fields) == 4
        for kind, alternatives in fields:
            right, *wrong, rest = alternatives
            assert kind == "numerical" and right.fraction == 1.0 and right.feedback == "Correcto."
            assert rest.answer == "*" and rest.fraction == 0.0 and rest.feedback
            assert len(wrong) >= 3
            intervals = [(mpmath.mpf(a.answer), mpmath.mpf(a.tolerance)) for a in [right, *wrong]]
            for i, (v, e) in enumerate(intervals):      # no two intervals overlap: Moodle picks the first match
                assert all(abs(v - w) > e + f for w, f in intervals[i + 1:])
            for a in wrong:
                assert a.fraction == 0.0 and (a.feedback.startswith("Esto es lo que da ")
                                              or a.feedback.startswith("Dos errores distintos"))
    key = (tmp_path / "ejercicio2-answers.md").read_text(encoding="utf-8")
    assert "Respuestas erróneas habituales" in key and "dejar fuera de la regla de la cadena el factor" in key


ANSWERS = """[[student]]
name = "Ana"
m = 90
"dm/da" = 3
"dp/dm" = 0
"dloss/da" = -7.37e-20

[[student]]
name = "Luis"
"dloss/da" = -4.2122e-20
"dloss/db" = 3
"""


def test_grade_marks_a_class_and_writes_its_summary(tmp_path, capsys):
    answers_file = tmp_path / "clase.toml"
    answers_file.write_text(ANSWERS, encoding="utf-8")
    assert cli.main(["grade", "ejercicio2", str(answers_file), "--lang", "en", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Ana: 2 of 4 answers right. The work first departs from the right one at dp/dm." in out
    assert "taking the other branch of max(0, m)" in out
    assert "right given your answer to dp/dm" in out
    assert "Luis: 1 of 2 answers right. The work first departs from the right one at dloss/db." in out
    md = (tmp_path / "out" / "en" / "ejercicio2-grades.md").read_text(encoding="utf-8")
    assert "| local derivatives | taking the other branch of max(0, m)" in md
    assert (tmp_path / "out" / "en" / "ejercicio2-grades.steps.png").stat().st_size > 5000
    assert cli.main(["grade", "ejercicio2", str(answers_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["first_departure"] == "dp/dm" and data[0]["answers"][2]["mistakes"][0]["rule"] == "kink-branch"


def test_grade_reads_csv_and_moodles_responses_report(tmp_path, capsys):
    wide = tmp_path / "clase.csv"
    wide.write_text("student,dp/dm,dloss/da\nAna,0,-7.37e-20\nLuis,1,-4.2122e-20\n", encoding="utf-8")
    assert cli.main(["grade", "ejercicio2", str(wide), "--lang", "es", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "Ana: 0 de 2 respuestas correctas." in out and "Luis: 2 de 2 respuestas correctas." in out
    moodle = tmp_path / "respuestas.csv"
    moodle.write_text('Surname,First name,State,Response 1\n'
                      'Pérez,Ana,Finished,"part 1: -4; part 2: 3; part 3: -3; part 4: 6"\n', encoding="utf-8")
    assert cli.main(["grade", "ejercicio2", str(moodle), "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Ana Pérez: 0 de 4 respuestas correctas.") and "tomar σ′ como el propio σ" in out


def test_a_bad_answers_file_is_located(tmp_path, capsys):
    bad = tmp_path / "mal.toml"
    bad.write_text('[[student]]\nname = "Ana"\n"dloss/dx" = 1\n', encoding="utf-8")
    assert cli.main(["grade", "ejercicio2", str(bad), "--lang", "es"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}:3:") and "la hoja no pide ninguna respuesta llamada 'dloss/dx'" in err
    assert "¿quisiste decir 'dloss/d" in err                         # the closest name the sheet asks
    bad.write_text('[[student]]\nname = "Ana"\n"dloss/da" = "mucho"\n', encoding="utf-8")
    assert cli.main(["grade", "ejercicio2", str(bad)]) == 1
    assert f"{bad}:3:" in capsys.readouterr().err
