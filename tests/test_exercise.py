"""Exercise files: every kind of bad input is a DeriveError naming the file, line and column."""
import math

import pytest
import sympy as sp

from derive.core.errors import DeriveError
from derive.engine import derive
from derive.model.exercise import bundled, load, loads

SEED = """kind = "gradient"
[values]
a = 2
b = 3
c = -1
d = 7
[formulas]
m = "3 × a + 4 × b - 2 × c + 10 × d"
n = "7 × a + b + × c + 4 × d"
loss = "m + n"
"""


def error_of(text: str) -> DeriveError:
    with pytest.raises(DeriveError) as info:
        loads(text)
    return info.value


def test_seed_typo_points_at_the_stray_operator():
    e = error_of(SEED)
    assert (e.spot.line, e.spot.column) == (9, 18)
    assert e.spot.text == 'n = "7 × a + b + × c + 4 × d"'
    assert e.spot.text[e.spot.column - 1] == "×"
    shown = str(e)
    assert "<string>:9:18" in shown and "formula 'n'" in shown and "^" in shown and "hint:" in shown


def test_bundled_exercises_load():
    names = bundled()
    assert {"ejercicio1", "ejercicio2", "ejercicio3"} <= set(names)
    ex = load("ejercicio2")
    assert ex.values == {"a": 2, "b": 3, "c": -1, "d": 7}
    assert ex.target == "loss" and ex.wrt == ["a", "b", "c", "d"]


def test_floats_are_the_decimal_written():
    ex = loads('kind = "gradient"\n[values]\nx = 0.7\ny = "1/3"\nz = "sqrt(2)"\n[formulas]\nf = "x y z"\n')
    assert ex.values == {"x": sp.Rational(7, 10), "y": sp.Rational(1, 3), "z": sp.sqrt(2)}


def test_formulas_in_any_order_and_default_target():
    ex = loads('kind = "gradient"\n[values]\nx = 1\n[formulas]\nloss = "h^2"\nh = "3x"\n')
    assert ex.target == "loss" and ex.wrt == ["x"]


@pytest.mark.parametrize("text, line, words", [
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nm = "n + x"\nn = "m + 1"\nloss = "m"\n', 5,
     "cycle: m -> n -> m"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = "x + y"\n', 5, "undefined name 'y'"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nx = "2"\n', 5, "defined twice"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = "x"\nf = "2x"\n', 6, "invalid TOML"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = "x"\n[gradient]\nwrt = ["f"]\n', 7, "not an input"),
    ('kind = "gradient"\n[values]\nx = true\n[formulas]\nf = "x"\n', 3, "not a number"),
    ('kind = "gradient"\n[values]\nx = "abc"\n[formulas]\nf = "x"\n', 3, "undefined name 'abc'"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\npred = "\\frac{1}{2}"\n', 5, "single quotes"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = 3\n', 5, "must be a string"),
    ('kind = "gradient"\n[valuse]\nx = 1\n[formulas]\nf = "x"\n', 2, "did you mean 'values'"),
    ('kind = "gradiant"\n[values]\nx = 1\n', 1, "kind must be"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = "x"\n[gradient]\nof = "g"\n', 7, "not a formula"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = "x"\ng = "2x"\n', 4, "which formula is the target"),
    ('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = "x +\n', 5, "invalid TOML"),
])
def test_bad_files(text, line, words):
    e = error_of(text)
    assert words in str(e)
    assert e.spot.line == line
    assert e.spot.file == "<string>"


def test_self_reference_is_a_cycle():
    e = error_of('kind = "gradient"\n[values]\nx = 1\n[formulas]\nf = "f + x"\n')
    assert "f -> f" in str(e)


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(DeriveError, match="no such file"):
        load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DeriveError, match="not UTF-8"):
        load(bad)


def test_a_quantity_may_be_named_like_a_function():
    """CS231n's sigmoid neuron names its pre-activation `dot` (and new function names must never break a file
    that loads): `dot` alone is the quantity, `dot(u, v)` and `exp(dot)` call the functions."""
    ex = loads('kind = "gradient"\n[values]\nw = [2, -3, -3]\nx = [-1, -2]\nu = [1, 2]\n[formulas]\n'
               'dot = "w[0]*x[0] + w[1]*x[1] + w[2]"\nexp = "dot(u, x) + dot"\nf = "1 / (1 + exp(-exp))"\n')
    d = derive(ex)
    assert d.nodes["dot"].exact == 1 and d.nodes["exp"].exact == -4
    assert abs(float(d.nodes["f"].value) - 1 / (1 + math.exp(4))) < 1e-15
    assert set(d.graph.predecessors("f")) == {"exp"} and set(d.graph.predecessors("exp")) == {"dot", "u", "x"}
