"""The formula parser: what teachers write parses to the right SymPy; anything else is a DeriveError."""

import pytest
import torch
import sympy as sp
from hypothesis import assume, given, settings, strategies as st

from derive.core.errors import DeriveError
from derive.core.ops import relu, sigmoid
from derive.core.parser import parse, parse_number

a, b, c, d, m, x, y, z, w, v = sp.symbols("a b c d m x y z w v", real=True)
pred, x1, w0_3 = sp.symbols("pred x1 w0_3", real=True)
KNOWN = {"a", "b", "c", "d", "m", "x", "y", "z", "w", "v", "pred", "x1", "w0_3", "x_1"}


@pytest.mark.parametrize("text, expected", [
    ("3 × a + 4 × b - 2 × c + 10 × d", 3 * a + 4 * b - 2 * c + 10 * d),
    ("7a + b + c + 4d", 7 * a + b + c + 4 * d),
    ("max(m, 0)", sp.Max(m, 0)),
    (r"\frac{1}{1 + e^{-z}}", 1 / (1 + sp.exp(-z))),
    ("log(pred)", sp.log(pred)),
    ("ln(x)", sp.log(x)),
    ("x^2 + 1", x**2 + 1),
    ("x**2", x**2),
    ("2^3^2", sp.Integer(512)),
    ("-x^2", -(x**2)),
    ("x^-2", x**-2),
    ("v²", v**2),
    ("x⁻¹", 1 / x),
    ("2(a+b)", 2 * (a + b)),
    ("(a+b)(a-b)", (a + b) * (a - b)),
    ("w x", w * x),
    ("a(b+c)", a * (b + c)),
    ("a · b ÷ c − d", a * b / c - d),
    (r"a \times b \cdot c", a * b * c),
    (r"\sqrt{x}", sp.sqrt(x)),
    (r"\sqrt[3]{x}", x ** sp.Rational(1, 3)),
    ("sqrt(x)", sp.sqrt(x)),
    (r"\exp(x) + \log(y) + \ln z", sp.exp(x) + sp.log(y) + sp.log(z)),
    (r"\max(a, b, c) - \min(a, b)", sp.Max(a, b, c) - sp.Min(a, b)),
    (r"\tanh(x) + \sigma(y)", sp.tanh(x) + sigmoid(y)),
    (r"\left( a + b \right) \, c", (a + b) * c),
    ("{a + b} c", (a + b) * c),
    ("abs(x) + |y - z|", sp.Abs(x) + sp.Abs(y - z)),
    ("relu(x) + sigmoid(y) + sin(z) + cos(w)", relu(x) + sigmoid(y) + sp.sin(z) + sp.cos(w)),
    ("0.7 x", sp.Rational(7, 10) * x),
    ("1.25", sp.Rational(5, 4)),
    ("1e-3 x", x / 1000),
    ("x1 + w0_3 + x_1", x1 + w0_3 + sp.Symbol("x_1", real=True)),
    ("1/2 x", x / 2),
    ("e", sp.E),
    ("pi x", sp.pi * x),
])
def test_accepts(text, expected):
    from derive.core.diff import rewrite_plain

    assert sp.simplify(rewrite_plain(parse(text, KNOWN).expr) - rewrite_plain(expected)) == 0


def test_the_logistic_function_is_recognised_however_it_is_typed():
    """For what is shown (σ′ = σ(1 − σ)); the parsed formula stays as written, which is what torch computes."""
    from derive.core.diff import recognise

    z = sp.Symbol("z", real=True)
    for text in (r"\frac{1}{1 + e^{-z}}", "1/(1 + exp(-z))", "(1 + e^(-z))^-1"):
        expr = parse(text, {"z"}).expr
        assert expr == 1 / (1 + sp.exp(-z)) and recognise(expr) == sigmoid(z), text


def test_decimals_are_exact():
    assert parse("0.1 + 0.2").expr == sp.Rational(3, 10)


def test_names_record_first_column():
    assert parse("a + 2 b + a", KNOWN).names == {"a": 1, "b": 7}


@pytest.mark.parametrize("text, column, words", [
    ("7 × a + b + × c + 4 × d", 13, "'×'"),            # the seed's own typo
    ("sigmod(z)", 1, "did you mean 'sigmoid'"),
    ("foo + a", 1, "undefined name 'foo'"),
    ("a +", 4, "ends where"),
    ("(a + b", 7, "expected ')'"),
    ("a + b)", 6, "no matching opening"),
    ("max(a)", 1, "two or more"),
    ("exp(a, b)", 1, "1 argument"),
    (r"\foo{a}", 1, r"unknown LaTeX command \foo"),
    ("\x0crac{1}{2}", 1, "single quotes"),
    ("a\tb", 2, "control character"),
    ("1/0", 2, "division by zero"),
    ("a.b", 2, "unexpected character '.'"),
    ("exp + 1", 1, "is a function"),
])
def test_rejects_with_position(text, column, words):
    with pytest.raises(DeriveError) as info:
        parse(text, KNOWN)
    assert info.value.spot.column == column
    assert words in str(info.value)


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hacked')",
    "a.__class__",
    "lambda: 1",
    "[x for x in a]",
    "getattr(a, 'b')",
    "eval('1')",
    "9**9**9**9",
    "9^9^9",
    "10^1001",
    "((x^1000)^1000)^1000",
    "(" * 4000 + "a" + ")" * 4000,
    "-" * 9000 + "a",
    "2^" * 3000 + "2",
    "a" * 1_000_000,
    "1" * 300,
    "a +" * 3000 + "a",
])
def test_hostile_input_is_refused_quickly(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        parse(text, KNOWN)
    except DeriveError:
        pass
    assert list(tmp_path.iterdir()) == []


def test_long_sums_parse():
    expr = parse(" + ".join(["a"] * 2000), KNOWN).expr
    assert expr == 2000 * a


@given(st.text(max_size=60))
def test_fuzz_only_derive_error_escapes(text):
    try:
        parse(text, KNOWN)
    except DeriveError:
        pass


ALPHABET = list("abxyz0123456789.+-*/^()[]{}|, ²×·÷−") + [r"\frac", r"\sqrt", r"\left(", r"\right)", "max",
                                                          "exp", "log", r"\sigma", "e", "**", "sigmoid"]


@given(st.lists(st.sampled_from(ALPHABET), max_size=25))
def test_fuzz_formula_like_tokens(pieces):
    try:
        parse("".join(pieces), KNOWN)
    except DeriveError:
        pass


@pytest.mark.parametrize("text, value", [("1/3", sp.Rational(1, 3)), ("sqrt(2)", sp.sqrt(2)), ("-e", -sp.E),
                                         ("0.7", sp.Rational(7, 10))])
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["x", "sqrt(-2)", "log(0)", ""])
def test_parse_number_rejects(text):
    with pytest.raises(DeriveError):
        parse_number(text)


@given(st.lists(st.sampled_from(ALPHABET), max_size=25))
def test_the_formula_as_written_is_the_same_value(pieces):
    """Display parsing (evaluate=False) accepts what the parser accepts and means the same thing."""
    text = "".join(pieces)
    try:
        expr = parse(text, KNOWN).expr
    except DeriveError:
        return
    written = parse(text, KNOWN, evaluate=False).expr
    point = {s: sp.Rational(k + 2, 3) for k, s in enumerate(sorted(expr.free_symbols, key=str))}
    try:
        value = complex(expr.subs(point).evalf(30))
    except (TypeError, ZeroDivisionError):
        return
    if value == value and abs(value) < 1e12:
        assert abs(complex(written.doit().subs(point).evalf(30)) - value) <= 1e-20 * max(1, abs(value))


@pytest.mark.parametrize("text, latex", [
    ("2(a+b)", r"2 \left(a + b\right)"),
    ("3 × a + 4 × b - 2 × c", "3 a + 4 b - 2 c"),
    (r"\frac{a+b}{2}", r"\frac{a + b}{2}"),
    ("1/(1+exp(-x))", r"\frac{1}{1 + e^{- x}}"),
    ("x^2 + 2x + 1", "x^{2} + 2 x + 1"),
])
def test_formulas_print_as_written(text, latex):
    from derive.core.latex import Printer

    assert Printer({"order": "none"}).doprint(parse(text, KNOWN, evaluate=False).expr) == latex


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,6}", fullmatch=True),
       st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,6}", fullmatch=True), st.sampled_from(["*", "+", " "]))
def test_a_product_or_sum_of_two_names_is_sympys(a, b, op):
    """The parser builds `w x` and `s + p` without SymPy's flatten (most formulas of a network are these):
    the result is SymPy's own, argument order, hash and text included."""
    from derive.core.parser import CONSTANTS, FUNCTIONS, symbol

    assume(not {a, b} & (set(FUNCTIONS) | set(CONSTANTS)) and not a.startswith("log_") and not b.startswith("log_"))
    try:
        got = parse(f"{a} {op} {b}").expr
    except DeriveError:
        return                                               # a name the parser refuses (a keyword, say)
    want = (sp.Add if op == "+" else sp.Mul)(symbol(a), symbol(b))
    assert got == want and got.args == want.args and hash(got) == hash(want) and str(got) == str(want)


REWRITES = {                       # the hint's element-wise rewrite, in torch, beside torch's own element-wise op
    "relu(X - 1) + 1": (lambda X: torch.relu(X - 1) + 1, lambda X: torch.maximum(X, torch.tensor(1.0, dtype=X.dtype))),
    "2 - relu(2 - X)": (lambda X: 2 - torch.relu(2 - X), lambda X: torch.minimum(X, torch.tensor(2.0, dtype=X.dtype))),
    "relu(X)": (lambda X: torch.relu(X), lambda X: torch.maximum(X, torch.tensor(0.0, dtype=X.dtype))),
}


@pytest.mark.parametrize("formula, rewrite", [("sum(max(X, 1))", "relu(X - 1) + 1"), ("sum(min(X, 2))", "2 - relu(2 - X)"),
                                              ("sum(max(X, 0))", "relu(X)")])
def test_max_of_a_tensor_and_an_integer_is_refused_naming_both_readings(formula, rewrite):
    """torch.max(X, 1) reduces over axis 1; the element-wise maximum with 1 is torch.maximum: derive takes neither
    silently. The rewrite the hint gives is the element-wise one, checked here against torch.maximum."""
    from derive.core.errors import DeriveError
    from derive.core.parser import parse

    with pytest.raises(DeriveError) as e:
        parse(formula, {"X": (2, 2)})
    said = str(e.value)
    assert "torch.max(X" in said or "torch.min(X" in said
    assert "reduces over axis" in said and rewrite in said
    X = torch.tensor([[1.0, 2.5], [-3.0, 0.5]], dtype=torch.float64)
    written, expected = REWRITES[rewrite]
    assert torch.equal(written(X), expected(X))
    assert parse("max(a, 1)", {"a": ()}).expr is not None                 # scalars keep their max
