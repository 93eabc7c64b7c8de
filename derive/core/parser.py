"""A safe formula parser: text -> SymPy, by a small grammar of our own (no eval, no sympify).

Grammar, loosest binding first (implicit multiplication, @ and · bind like `*`):
    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | "@" | "·" | implicit) unary)*
    unary   := ("-" | "+") unary | power
    power   := postfix (("^" | "**") unary)?          X^T, X^\\top: transpose
    postfix := primary (superscript | "ᵀ" | ".T" | "[" index "]")*
    primary := number | name | function call | "(" expr ")" | "{" expr "}" | "[" expr "]" | "|" expr "|"
             | \\frac{expr}{expr} | \\sqrt[n]{expr} | "√" postfix

Every sub-expression has a shape, () for scalars, checked as it is built, so `W @ x` with shapes that do not
fit is an error pointing at the `@`. `*`, `/`, `+`, `-`, `^` and functions act element-wise with
broadcasting (as in PyTorch); `@` is the matrix product; `·` and juxtaposition multiply numbers and take
the matrix (or dot) product of two tensors.
"""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from .budget import MAX_CHARS, MAX_DEPTH, MAX_DIGITS, MAX_EXPONENT, MAX_LITERAL, MAX_LITERAL_EXPONENT, huge_rational
from .errors import DeriveError, Spot
from .ops import FUNCTIONS, OPS, ShapeError, check_arity, getitem, matmul, op_of, shape_of_expr, transpose
from .static import Key, Options
from .i18n import Msg

SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"}
VULGAR = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
         "xi rho tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
         "Omega").split()
SPACING = {r"\,", r"\;", r"\:", r"\!", "\\ ", r"\quad", r"\qquad", r"\left", r"\right",
           r"\displaystyle"}
SYMBOLS = {"×": "*", "∗": "*", "÷": "/", "−": "-", "–": "-", "·": "·", "⋅": "·",
           r"\times": "*", r"\cdot": "·", r"\div": "/", "**": "^"}
CONSTANTS = {"e": sp.E, "pi": sp.pi, "π": sp.pi}
Shape = tuple

_TOKEN = re.compile(r"""
    (?P<space>[^\S\x00-\x1f\x7f]+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<vulgar>[½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])
  | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)
  | (?P<transpose>ᵀ|\.T(?!\w))
  | (?P<name>[^\W\d](?:(?![⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀ])\w)*)
  | (?P<command>\\(?:[A-Za-z]+|[,;:! ]))
  | (?P<root>√)
  | (?P<cmp><=|>=|==|!=|≤|≥|<|>)
  | (?P<op>\*\*|[-+*/^×·⋅∗÷−–@])
  | (?P<punct>[(){}\[\],|:=])
  | (?P<string>'[^'\n]*'|"[^"\n]*")
""", re.VERBOSE)

OPENERS = {"(": ")", "{": "}", "[": "]"}


@dataclass
class Token:
    kind: str       # num, name, sup, op, punct, frac, sqrt, root, transpose, end
    text: str       # normalised: × and \\times become *
    column: int     # 0-based index into the formula
    raw: str = ""   # as written
    end: int = 0    # 0-based index just past it


@dataclass
class Parsed:
    """A parsed formula: its SymPy expression, its shape, and where each name it uses first appears."""

    expr: sp.Expr
    names: dict[str, int] = field(default_factory=dict)   # name -> 1-based column
    shape: Shape = ()


@lru_cache(maxsize=200_000)
def symbol(name: str) -> sp.Symbol:
    """The SymPy symbol for a quantity name; every quantity is real."""
    return sp.Symbol(name, real=True)


def _error(message: Msg, text: str, column: int, hint: Msg | None = None) -> DeriveError:
    return DeriveError(message, Spot(column=column + 1, text=text), hint)


def _symbol_pair(cls, a, b):
    """a + b or a b of two distinct symbols, built as SymPy's flatten leaves them (the two sorted by
    Basic.compare) without running it: most formulas of a network are w x and s + p, and flatten was half
    of reading 33,000 of them. None for anything else."""
    if type(a) is not sp.Symbol or type(b) is not sp.Symbol or a == b:
        return None
    return cls._exec_constructor_postprocessors(cls._from_args((a, b) if a.compare(b) < 0 else (b, a), True))


def tokenize(text: str) -> list[Token]:
    """Split a formula into tokens, normalising pasted Unicode and LaTeX spellings (remembered: a file's
    formulas are tokenized once to order them and once more to parse them)."""
    return list(_tokens(text))


@lru_cache(maxsize=65_536)
def _tokens(text: str) -> tuple[Token, ...]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = None
            if ord(ch) < 32 or ch == "\x7f":
                hint = Msg("err_control")
            raise _error(Msg("err_unexpected_char", char=f'{ch!r}'), text, pos, hint)
        kind, tok = m.lastgroup, m.group()
        raw = tok
        if kind == "command":
            kind, tok = _command(tok, text, pos)
        elif kind in ("op", "name") and tok in SYMBOLS:
            tok = SYMBOLS[tok]
        elif kind == "cmp":
            tok = {"≤": "<=", "≥": ">="}.get(tok, tok)
        if kind == "num":
            _check_literal(tok, text, pos)
        if kind != "space":
            tokens.append(Token(kind, tok, pos, raw, m.end()))
        pos = m.end()
    tokens.append(Token("end", "", len(text), "", len(text)))
    return tuple(tokens)


def _check_literal(tok: str, text: str, pos: int):
    """Refuse a number literal before anything is built from it: 1e99999999 would never finish."""
    if len(tok) > MAX_LITERAL:
        raise _error(Msg("err_literal_long", limit=MAX_LITERAL), text, pos)
    mantissa, _, exponent = tok.lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_LITERAL_EXPONENT:
        raise _error(Msg("err_literal_exponent", number=tok, limit=f'1e±{MAX_LITERAL_EXPONENT}'), text, pos,
                     Msg("err_float64_range"))


def _number(tok: str) -> sp.Rational:
    """An exact rational from a bounded decimal literal: 0.7 is 7/10, 1e-3 is 1/1000."""
    mantissa, _, exponent = tok.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = int((whole or "0") + fraction)
    power = (int(exponent) if exponent else 0) - len(fraction)
    return sp.Integer(digits) * sp.Integer(10) ** power if power >= 0 else sp.Rational(digits, 10**-power)


def _command(tok: str, text: str, pos: int) -> tuple[str, str]:
    """Classify a LaTeX command such as \\frac, \\cdot or \\alpha."""
    if tok in SPACING:
        return "space", tok
    if tok in SYMBOLS:
        return "op", SYMBOLS[tok]
    if tok in (r"\frac", r"\dfrac", r"\tfrac"):
        return "frac", tok
    if tok == r"\sqrt":
        return "sqrt", tok
    if tok == r"\top":
        return "top", tok
    if tok in FUNCTIONS:
        return "name", tok
    if tok == r"\pi":
        return "name", "pi"
    if tok[1:] in GREEK:
        return "name", tok[1:]
    supported = r"\frac \sqrt \times \cdot \left( \right) \exp \log \ln \max \min \tanh \sigma \top"
    raise _error(Msg("err_latex", command=tok), text, pos, Msg("err_supported", names=supported))


class _Parser:
    def __init__(self, text: str, known, evaluate: bool = True):
        self.evaluate = evaluate   # False: keep the formula as written (for display), no simplification
        self.verified: set = set()  # what `checked` found to hold only derive's own functions
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        # known: None (any name, scalar), a set of scalar names, or a dict name -> shape (not copied: a file's
        # thousands of formulas share one)
        self.known = known
        self.shapes: dict[str, Shape] = known if isinstance(known, dict) else {}
        self.names: dict[str, int] = {}
        self.depth = 0
        self.bars = 0          # how many |...| are open

    # -- helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def expect(self, punct: str) -> Token:
        if self.tok.kind == "punct" and self.tok.text == punct:
            return self.advance()
        found = repr(self.tok.text) if self.tok.kind != "end" else Msg("err_formula_end")
        raise self.error(Msg("err_expected", what=f'{punct!r}', found=found))

    def error(self, message: Msg, tok: Token | None = None, hint: Msg | None = None) -> DeriveError:
        return _error(message, self.text, (tok or self.tok).column, hint)

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(Msg("err_nested", depth=MAX_DEPTH))

    def shape_rule(self, op, shapes, tok, params=()) -> Shape:
        """The result's shape by the op's rule, or a located error naming the shapes."""
        if op.shape is None and not any(shapes):
            return ()                  # numbers combine into a number: the common case, kept quick
        try:
            from .ops import broadcast

            return (op.shape or broadcast)(shapes, params)
        except ShapeError as e:
            what = {"add": "+", "mul": "*", "pow": "^", "matmul": "@", "dot": "dot"}.get(op.name, op.name)
            if tok.kind in ("name", "cmp"):
                what = tok.text               # as the formula spells it: max(X, dim=1) is amax inside
            hint = None if op.name == "getitem" or op.keywords else Msg("err_shape_hint")
            message = e.message if op.name == "getitem" else Msg("err_shape_op", op=what, message=e.message)
            raise self.error(message, tok, hint) from None

    def checked(self, expr: sp.Expr, tok: Token) -> sp.Expr:
        """Refuse what SymPy made of a formula when it left the real numbers or derive's own functions:
        sqrt(-1) is I, cos(I a) becomes cosh(a)."""
        for number in (expr, expr.args[0] if expr.is_Add or expr.is_Mul else None):
            if number is not None and huge_rational(number, MAX_DIGIT_BITS):
                raise self.error(Msg("err_huge_number", n=MAX_DIGITS), tok,
                                 Msg("err_huge_number_fix"))
        if expr.is_number:
            if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                raise self.error(Msg("err_division"), tok)
            if expr.is_extended_real is False:
                raise self.error(Msg("err_not_real"), tok,
                                 Msg("err_not_real_hint"))
        else:
            foreign = self._foreign(expr)
            if foreign is not None:
                raise self.error(Msg("err_rewrites", name=foreign.func.__name__),
                                 tok, REWRITE_HINT)
        self.verified.add(expr)
        return expr

    def _foreign(self, expr):
        """The first function in expr that derive's registry does not hold (SymPy's own rewriting of what was
        built: |exp(√a)| becomes exp(re(√a)), and re(√a) holds atan2), or None. Parts this parser has verified
        before are not searched again, so a formula is searched once in all."""
        stack = [expr]
        while stack:
            e = stack.pop()
            if e.is_Atom or e in self.verified:
                continue
            if isinstance(e, sp.Function) and op_of(e) is None and not isinstance(e, sp.Piecewise):
                return e
            stack.extend(e.args)
        return None

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Parsed:
        if not self.text.strip():
            raise _error(Msg("err_empty"), self.text, 0)
        expr, shape = self.comparison()
        if self.tok.kind != "end":
            raise self.error(Msg("err_unexpected", token=f'{self.tok.raw!r}'), hint=self._closing_hint())
        return Parsed(expr, self.names, shape)

    def _closing_hint(self) -> Msg | None:
        if self.tok.text in (")", "}", "]"):
            return Msg("err_closing")
        return None

    def comparison(self):
        """a < b, a <= b, a == b …: 1 where it holds and 0 where not, element by element (never differentiated)."""
        left = self.expr()
        if self.tok.kind != "cmp":
            return left
        tok = self.advance()
        right = self.expr()
        op = OPS[COMPARISONS[tok.text]]
        shape = self.shape_rule(op, [left[1], right[1]], tok)
        if self.tok.kind == "cmp":
            raise self.error(Msg("err_chained_comparison"), self.tok, Msg("err_chained_comparison_fix"))
        return self.checked(op.build(left[0], right[0]), tok), shape

    def expr(self):
        self.nest()
        first = self.tok
        terms = [self.term()]
        shape = terms[0][1]
        while self.is_op("+", "-"):
            op = self.advance()
            rhs = self.term()
            terms.append(rhs if op.text == "+" else (self.negate(rhs[0]), rhs[1]))
            shape = self.shape_rule(OPS["add"], [shape, rhs[1]], op)
        self.depth -= 1
        if len(terms) == 1:
            return terms[0]
        # one Add, not a chain: long sums stay linear-time
        if self.evaluate and len(terms) == 2 and (quick := _symbol_pair(sp.Add, terms[0][0], terms[1][0])):
            return quick, shape
        return self.checked(sp.Add(*[e for e, _ in terms], evaluate=self.evaluate), first), shape

    def negate(self, value: sp.Expr) -> sp.Expr:
        if self.evaluate:
            return -value
        return sp.Integer(-value) if value.is_Integer else sp.Mul(-1, value, evaluate=False)

    def term(self):
        first = self.tok
        factors = [self.unary()]          # an element-wise product, until a matrix product closes it
        while True:
            tok = self.tok
            if self.is_op("*", "/"):
                self.advance()
                rhs, shape = self.unary()
                factor = _power(rhs, sp.Integer(-1), self, tok) if tok.text == "/" else rhs
                if not self.evaluate and [f for f, _ in factors] == [sp.Integer(1)] and tok.text == "/":
                    factors = [(factor, shape)]   # 1/x as written is \frac{1}{x}, not 1 · \frac{1}{x}
                else:
                    self._join(factors, (factor, shape), tok)
            elif self.is_op("@", "·") or self._starts_primary():
                explicit = self.tok.kind == "op"
                if explicit:
                    self.advance()
                rhs = self.unary()
                left = self._product(factors, first)
                if tok.text == "@" or (left[1] and rhs[1]):
                    if not explicit and len(left[1]) == 1:
                        raise self.error(Msg("err_two_vectors"), tok,
                                         Msg("err_dot_hint"))
                    factors = [self._matmul(left, rhs, tok)]
                else:
                    self._join(factors, rhs, tok)
            else:
                return self._product(factors, first)

    def _join(self, factors: list, factor, tok):
        self.shape_rule(OPS["mul"], [s for _, s in factors] + [factor[1]], tok)
        factors.append(factor)

    def _product(self, factors: list, tok):
        if len(factors) == 1:
            return factors[0]
        shape = self.shape_rule(OPS["mul"], [s for _, s in factors], tok)
        if self.evaluate and len(factors) == 2 and (quick := _symbol_pair(sp.Mul, factors[0][0], factors[1][0])):
            return quick, shape
        return self.checked(sp.Mul(*[f for f, _ in factors], evaluate=self.evaluate), tok), shape

    def _matmul(self, left, right, tok):
        shape = self.shape_rule(OPS["matmul"], [left[1], right[1]], tok)
        return matmul(left[0], right[0]), shape

    def _starts_primary(self) -> bool:
        tok = self.tok
        if tok.kind in ("num", "vulgar", "name", "frac", "sqrt", "root"):
            return True
        if tok.kind == "punct":
            return tok.text in OPENERS or (tok.text == "|" and self.bars == 0)
        return False

    def unary(self):
        if self.is_op("-", "+"):
            sign = self.advance().text
            self.nest()
            operand, shape = self.unary()
            self.depth -= 1
            return (self.negate(operand) if sign == "-" else operand), shape
        return self.power()

    def power(self):
        base = self.postfix()
        if self.is_op("^"):
            op = self.advance()
            if base[1] and self._transpose_follows():
                return self._transpose(base, op)
            self.nest()
            exponent = self.unary()
            self.depth -= 1
            shape = self.shape_rule(OPS["pow"], [base[1], exponent[1]], op)
            return _power(base[0], exponent[0], self, op), shape
        return base

    def _transpose_follows(self) -> bool:
        """After ^: T (when no quantity is named T), \\top, {T} or {\\top}."""
        def is_t(tok):
            return tok.kind == "top" or (tok.kind == "name" and tok.text == "T" and "T" not in (self.known or ()))
        if is_t(self.tok):
            self.advance()
            return True
        if self.tok.text == "{" and is_t(self.peek()) and self.peek(2).text == "}":
            self.i += 3
            return True
        return False

    def _transpose(self, value, tok):
        shape = self.shape_rule(OPS["transpose"], [value[1]], tok)
        return (transpose(value[0]) if value[1] else value[0]), shape

    def postfix(self):
        value = self.primary()
        while True:
            tok = self.tok
            if tok.kind == "sup":
                self.advance()
                digits = "".join(SUPERSCRIPTS[c] for c in tok.text)
                if not re.fullmatch(r"-?\d+", digits):
                    raise self.error(Msg("err_superscript"), tok)
                value = _power(value[0], sp.Integer(int(digits)), self, tok), value[1]
            elif tok.kind == "transpose":
                self.advance()
                value = self._transpose(value, tok)
            elif tok.text == "[" and value[1] and tok.column == self.tokens[self.i - 1].end:
                value = self._index(value)
            else:
                return value

    def _index(self, value):
        """X[0], W[1, 0], X[:, 0], x[1:3]: static indices, 0-based and from the end when negative."""
        opener = self.advance()
        items = []
        while True:
            items.append(self._index_item())
            if self.tok.text == ",":
                self.advance()
                continue
            break
        self.expect("]")
        key = Key(tuple(items))
        shape = self.shape_rule(OPS["getitem"], [value[1]], opener, (key,))
        return getitem(value[0], key), shape

    def _index_item(self):
        def integer():
            sign = -1 if self.is_op("-") else 1
            if sign < 0:
                self.advance()
            if self.tok.kind != "num" or not self.tok.text.isdigit():
                raise self.error(Msg("err_index_whole"), hint=Msg("err_index_whole_fix"))
            return sign * int(self.advance().text)

        start = None if self.tok.text in (":", ",", "]") else integer()
        if self.tok.text != ":":
            if start is None:
                raise self.error(Msg("err_empty_index"), hint=Msg("err_empty_index_fix"))
            return start
        self.advance()
        stop = None if self.tok.text in (",", "]", ":") else integer()
        if self.tok.text != ":":
            return (start, stop)
        step_tok = self.advance()
        step = None if self.tok.text in (",", "]") else integer()
        if step is not None and step < 1:
            raise self.error(Msg("err_index_step", step=step), step_tok, Msg("err_index_step_fix"))
        return (start, stop, step)

    def primary(self):
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            return _number(tok.text), ()
        if tok.kind == "vulgar":
            self.advance()
            return sp.Rational(str(_vulgar(tok.text))), ()
        if tok.kind == "name":
            return self.name()
        if tok.kind == "frac":
            self.advance()
            numerator = self.group("{")
            denominator = self.group("{")
            shape = self.shape_rule(OPS["mul"], [numerator[1], denominator[1]], tok)
            inverse = _power(denominator[0], sp.Integer(-1), self, tok)
            if not self.evaluate and numerator[0] == 1:
                return inverse, shape
            return self.checked(sp.Mul(numerator[0], inverse, evaluate=self.evaluate), tok), shape
        if tok.kind == "sqrt":
            self.advance()
            index = sp.Integer(2)
            if self.tok.text == "[":
                index, shape = self.group("[")
                if shape or not index.is_Rational or index == 0:
                    raise self.error(Msg("err_root_index"), tok)
            radicand = self.group("{")
            return _power(radicand[0], sp.Integer(1) / index, self, tok), radicand[1]
        if tok.kind == "root":
            self.advance()
            self.nest()
            radicand = self.postfix()
            self.depth -= 1
            return _power(radicand[0], sp.Rational(1, 2), self, tok), radicand[1]
        if tok.kind == "punct" and tok.text in OPENERS:
            return self.group(tok.text)
        if tok.kind == "punct" and tok.text == "|":
            self.advance()
            self.bars += 1
            inner, shape = self.expr()
            self.bars -= 1
            self.expect("|")
            return self.checked(sp.Abs(inner, evaluate=self.evaluate), tok), shape
        return self._missing_operand(tok)

    def group(self, opener: str):
        """An expression between matching brackets: ( ), { } or [ ]."""
        if self.tok.text != opener:
            raise self.error(Msg("err_expected_opener", opener=f'{opener!r}'), hint=Msg("err_braces"))
        self.advance()
        saved, self.bars = self.bars, 0
        inner = self.comparison()
        if opener == "[" and self.tok.text == ",":        # [a, b]: an array literal, torch.stack([a, b])
            return self._literal(inner, saved)
        self.bars = saved
        self.expect(OPENERS[opener])
        return inner

    def _literal(self, first, bars):
        tok = self.tokens[self.i - 1]
        items = self._items(first)            # inside the brackets, as their first item was: no |…| open
        self.bars = bars
        return self._build_with_options(OPS["stack"], items, Options((("dim", 0),)), tok)

    def _items(self, first) -> list:
        """The rest of a bracketed list of expressions after its first, up to and past the closing ']'."""
        items = [first]
        while self.tok.text == ",":
            self.advance()
            items.append(self.comparison())
        self.expect("]")
        return items

    def _missing_operand(self, tok: Token):
        if tok.kind == "end":
            raise self.error(Msg("err_ends"), hint=Msg("err_ends_fix"))
        if tok.kind == "op":
            prev = self.tokens[self.i - 1] if self.i else None
            hint = Msg("err_two_operators") if prev and prev.kind == "op" else None
            raise self.error(Msg("err_expected_operand", found=f'{tok.raw!r}'), hint=hint)
        raise self.error(Msg("err_unexpected", token=f'{tok.raw!r}'), hint=self._closing_hint())

    def name(self):
        tok = self.advance()
        name = tok.text
        known = self.known
        if name in FUNCTIONS and (not (known and name in known) or self.tok.text == "("):
            return self.call(tok)            # dot(u, v) calls the function even where a quantity is named dot
        base = re.fullmatch(r"log_(\d+)", name)
        if base and not (known and name in known):
            return self.call(tok, base=int(base.group(1)))
        if self.tok.text == "(" and known is not None and name not in known and name not in CONSTANTS:
            raise self.error(Msg("err_function", name=f'{name!r}'), tok, _suggest(name, FUNCTIONS, "function"))
        if known is not None and name in known or known is None and name not in CONSTANTS:
            self.names.setdefault(name, tok.column + 1)
            return symbol(name), self.shapes.get(name, ())
        if name in CONSTANTS:
            return CONSTANTS[name], ()
        raise self.error(Msg("err_undefined", name=f'{name!r}'), tok, _suggest(name, known, "name"))

    def call(self, tok: Token, base: int | None = None):
        op = FUNCTIONS[tok.text] if base is None else OPS["log"]
        if base is None and op.name == "log" and self.tok.kind == "name" and re.fullmatch(r"_\d*", self.tok.text):
            base = self._log_base()
        statics, options = [], {}
        if self.tok.text == "(":
            self.advance()
            args = self._arguments(op, statics, options)
            self.expect(")")
        elif self.tok.kind in ("num", "name", "frac", "sqrt", "vulgar") or self.tok.text in ("{", "["):
            args = [self.power()]          # \log x, \exp{z}
        else:
            raise self.error(Msg("err_function_call", name=tok.text, call=tok.text.lstrip(chr(92))), tok)
        if op.name in REDUCING and (options or len(args) == 1 and args[0][1]) and not statics:
            return self._reduction(op, args, options, tok)   # max(X), max(X, dim=1): torch.amax
        if op.name in ("sum", "mean") and options:
            return self._sum_keywords(op, args, options, tok)
        if options and op.name in KEYWORD_FORMS:
            op = OPS[KEYWORD_FORMS[op.name]]          # cross_entropy(z, y, label_smoothing=0.1)
        if op.keywords:
            return self._with_options(op, args, statics, options, tok)
        if options:
            raise self.error(Msg("err_keyword_unknown", name=op.name, key=next(iter(options)),
                                 keys=Msg("err_no_keywords")), tok)
        problem = check_arity(op, len(args))
        if problem:
            raise self.error(problem, tok)
        if op.name in AMBIGUOUS_WITH_AN_AXIS and len(args) == 2 and args[0][1] and not args[1][1] \
                and args[1][0].is_Integer:     # max(X, 1): torch.max reduces over axis 1; never silently either
            message, hint = ambiguous_axis(op.name, args[0][0], int(args[1][0]))
            raise self.error(message, tok, hint)
        if op.params:
            return self._with_params(op, args, tok)
        shape = self.shape_rule(op, [s for _, s in args], tok)
        exprs = [e for e, _ in args]
        if op.scalar and self.evaluate and not any(s for _, s in args):
            built = op.scalar(*exprs)      # mse(a, b) of numbers is (a - b)^2: scalar exercises keep their rules
        else:
            built = op.build(*exprs) if self.evaluate or not op.elementwise else op.build(*exprs, evaluate=False)
        if base is not None:
            if base < 2:
                raise self.error(Msg("err_log_base"), tok)
            built = built / sp.log(base) if self.evaluate else sp.Mul(built, sp.Pow(sp.log(base), -1,
                                                                                     evaluate=False), evaluate=False)
        return self.checked(built, tok), shape

    def _arguments(self, op, statics: list, options: dict) -> list:
        """A call's arguments: tensors (expressions) first, then whole numbers, tuples and words that configure
        the op (stride, padding, dim…), positionally in torch's order or as name=value."""
        args = []
        most = max(op.arity) if isinstance(op.arity, tuple) else op.arity
        while True:
            if self.tok.kind == "name" and self.peek().text == "=" and self.peek().kind == "punct":
                key = self.advance()
                self.advance()
                if key.text in options:
                    raise self.error(Msg("err_keyword_twice", key=key.text), key)
                options[key.text] = (self._static(), key)
            elif options:
                raise self.error(Msg("err_positional_after"), hint=Msg("err_positional_after_fix"))
            elif op.keywords and op.listed and not args and self.tok.text == "[":
                self.advance()
                args = self._items(self.comparison())         # stack([a, b], dim=1): the tensors as a list
                most = len(args)
            elif op.keywords and most is not None and len(args) >= most:
                at = self.tok
                statics.append((self._static(), at))
            else:
                args.append(self.comparison())
            if self.tok.text != ",":
                return args
            self.advance()

    def _static(self):
        """A static argument: a whole or decimal number, a tuple of whole numbers, a word in quotes, True/False."""
        tok = self.tok
        if tok.kind == "string":
            self.advance()
            return tok.text[1:-1]
        if tok.kind == "name" and tok.text in ("True", "False", "None"):
            self.advance()
            return {"True": True, "False": False, "None": None}[tok.text]
        if tok.text == "(" and self._tuple_follows():
            self.advance()
            items = [self._static_number()]
            while self.tok.text == ",":
                self.advance()
                if self.tok.text == ")":
                    break
                items.append(self._static_number())
            self.expect(")")
            return tuple(items)
        return self._static_number()

    def _tuple_follows(self) -> bool:
        depth, k = 0, 0
        while True:
            t = self.peek(k)
            if t.kind == "end":
                return False
            if t.text in ("(", "[", "{"):
                depth += 1
            elif t.text in (")", "]", "}"):
                depth -= 1
                if depth == 0:
                    return False
            elif t.text == "," and depth == 1:
                return True
            k += 1

    def _static_number(self):
        tok = self.tok
        value, shape = self.expr()
        if shape or not value.is_Rational:
            raise self.error(Msg("err_static_number"), tok, Msg("err_static_number_fix"))
        return int(value) if value.is_Integer else value

    def _with_options(self, op, args, statics, options, tok):
        """conv2d(X, W, b, stride=2), max_pool2d(X, 2), reshape(X, 2, -1): the tensors and one Options leaf."""
        names = [k for k, _ in op.keywords]
        values = dict(op.keywords)
        if names in (["shape"], ["dims"]):           # reshape(X, 2, -1) or reshape(X, (2, -1)); permute alike
            if statics:
                given = [v for v, _ in statics]
                values[names[0]] = given[0] if len(given) == 1 and isinstance(given[0], tuple) else tuple(given)
                if not all(isinstance(v, int) for v in values[names[0]]):
                    raise self.error(Msg("err_static_number"), statics[0][1], Msg("err_static_number_fix"))
        else:
            if len(statics) > len(names):
                raise self.error(Msg("err_arity", name=op.name, n=len(args) + len(names), count=len(args) + len(statics)),
                                 tok)
            for key, (value, _) in zip(names, statics):
                values[key] = value
        for key, (value, key_tok) in options.items():
            if key not in values:
                raise self.error(Msg("err_keyword_unknown", name=op.name, key=key,
                                     keys=", ".join(names)), key_tok)
            if key in names[:len(statics)]:
                raise self.error(Msg("err_keyword_twice", key=key), key_tok)
            values[key] = value
        for key in ("shape", "dims"):
            if isinstance(values.get(key), int) and not isinstance(values[key], bool):
                values[key] = (values[key],)            # reshape(x, shape=-1) as reshape(x, (-1,))
        for key, value in values.items():
            problem = _option_problem(key, value, dict(op.keywords)[key])
            if problem:
                at = options[key][1] if key in options else tok
                raise self.error(Msg("err_option_type", key=key, value=_option_text(value), kind=problem), at)
        for key, allowed in CHOICES.items():
            if key in values and values[key] not in allowed:
                raise self.error(Msg("err_keyword_choice", key=key, value=repr(values[key]),
                                     choices=", ".join(repr(a) for a in allowed)), tok)
        if values.get("shape", 0) is None or values.get("dims", 0) is None:
            raise self.error(Msg("err_reshape_missing", name=tok.text), tok)
        missing = [k for k in ("dim0", "dim1") if values.get(k, 0) is None]
        if missing:
            raise self.error(Msg("err_option_missing", name=tok.text, key=missing[0]), tok)
        problem = check_arity(op, len(args))
        if problem:
            raise self.error(problem, tok)
        return self._build_with_options(op, args, Options(tuple(values.items())), tok)

    def _build_with_options(self, op, args, opts, tok):
        exprs, shapes = [e for e, _ in args], [s for _, s in args]
        if op.cls is None:                 # a composite: its formula in the registry's primitives
            built = op.build(*exprs, opts)
            try:
                shape = shape_of_expr(built, dict(self.shapes, **_dummy_shapes(exprs, shapes)))
            except ShapeError as e:
                raise self.error(Msg("err_shape_op", op=op.name, message=e.message), tok, Msg("err_shape_hint")) from None
            return self.checked(built, tok), shape
        shape = self.shape_rule(op, shapes, tok, (opts,))
        return op.build(*exprs, opts), shape

    def _reduction(self, op, args, options, tok):
        """max(X), max(X, dim=1), min(X, dim=0, keepdim=True): the largest (smallest) element, as torch.amax."""
        if len(args) != 1:
            raise self.error(Msg("err_arity_one", name=op.name, count=len(args)), tok)
        return self._with_options(OPS[REDUCING[op.name]], args, [], options, tok)

    def _sum_keywords(self, op, args, options, tok):
        """sum(X, dim=1) is sum(X, 1); keepdim=True keeps the reduced axis with length 1, as torch does."""
        extra = set(options) - {"dim", "keepdim"}
        if extra:
            key = sorted(extra)[0]
            raise self.error(Msg("err_keyword_unknown", name=op.name, key=key, keys="dim, keepdim"), options[key][1])
        dim = options.get("dim", (None, None))[0]
        if len(args) != 1 or dim is not None and not isinstance(dim, int):
            raise self.error(Msg("err_axis_whole", name=op.name), tok)
        reduced = self._with_params(op, args + ([(sp.Integer(dim), ())] if dim is not None else []), tok)
        if not options.get("keepdim", (False, None))[0]:
            return reduced
        shape = args[0][1]
        kept = tuple(1 if dim is None or i == dim % len(shape) else n for i, n in enumerate(shape))
        return self._build_with_options(OPS["reshape"], [reduced], Options((("shape", kept),)), tok)

    def _log_base(self) -> int:
        """\\log_2 x and \\log_{10} x: the base after the underscore."""
        tok = self.advance()
        digits = tok.text[1:]
        if not digits:
            inner, shape = self.group("{")
            if shape or not inner.is_Integer:
                raise self.error(Msg("err_log_whole"), tok)
            return int(inner)
        return int(digits)

    def _with_params(self, op, args, tok):
        """sum(X, 1), mean(X, 0): the axis is a whole number written in the formula."""
        tensor, rest = args[0], args[1:]
        params = []
        for value, shape in rest:
            if shape or not value.is_Integer:
                raise self.error(Msg("err_axis_whole", name=op.name), tok)
            params.append(value)
        shape = self.shape_rule(op, [tensor[1]], tok, tuple(params))
        if op.scalar and self.evaluate and not tensor[1]:
            return op.scalar(tensor[0]), shape
        return op.build(tensor[0], *params), shape


COMPARISONS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne"}
REDUCING = {"max": "amax", "min": "amin"}
KEYWORD_FORMS = {"cross_entropy": "cross_entropy_with"}
CHOICES = {"reduction": ("mean", "sum", "none"), "approximate": ("none", "tanh")}


PER_AXIS = {"kernel_size", "stride", "padding", "dilation"}      # one number, or one per spatial axis
AXES = {"dim", "dim0", "dim1", "start_dim", "end_dim"}


def _option_problem(key: str, value, default) -> Msg | None:
    """What an option must be (a sentence), judged by torch's default for it; None when it fits."""
    whole = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, bool):
        return None if isinstance(value, bool) else Msg("opt_true_false")
    if isinstance(default, str):
        return None if isinstance(value, str) else Msg("opt_word")
    if key in PER_AXIS or key in ("shape", "dims"):      # one whole number or a tuple of them
        fits = value is None and default is None or whole or isinstance(value, tuple) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value)
        return None if fits else Msg("opt_whole")
    if key in AXES:
        return None if whole or value is None and default is None else Msg("opt_axis")
    return None if whole or isinstance(value, sp.Rational) else Msg("opt_number")


def _option_text(value) -> str:
    return repr(value) if isinstance(value, (str, tuple, bool)) or value is None else str(value)


def _dummy_shapes(exprs, shapes) -> dict:
    """Shapes of a composite's arguments by name, for the shape of what it expands to (non-symbol arguments
    are found by shape_of_expr through their own symbols)."""
    return {e.name: s for e, s in zip(exprs, shapes) if e.is_Symbol}


AMBIGUOUS_WITH_AN_AXIS = {"max": ("maximum", "relu({x} - {n}) + {n}"), "min": ("minimum", "{n} - relu({n} - {x})")}
AT_ZERO = {"max": "relu({x})", "min": "-relu(-{x})"}


def ambiguous_axis(name: str, tensor: sp.Expr, n: int) -> tuple[Msg, Msg]:
    """max(X, 1) of a tensor: the two readings torch gives it, and how to write the element-wise one."""
    torch_name, rewrite = AMBIGUOUS_WITH_AN_AXIS[name]
    x = tensor.name if tensor.is_Symbol else "X"
    return (Msg("err_ambiguous_axis", name=name, x=x, n=n, elementwise=f"torch.{torch_name}({x}, {n})"),
            Msg("err_ambiguous_axis_fix", rewrite=(AT_ZERO[name] if n == 0 else rewrite).format(x=x, n=n), name=name))


def _vulgar(ch: str):
    from fractions import Fraction

    return Fraction(unicodedata.numeric(ch)).limit_denominator(16)


REWRITE_HINT = Msg("err_rewrites_fix")
MAX_DIGIT_BITS = int(MAX_DIGITS * math.log2(10))


def _power(base: sp.Expr, exponent: sp.Expr, parser: _Parser, tok: Token) -> sp.Expr:
    """base^exponent, refusing numbers too large to compute (9^9^9) before SymPy tries."""
    if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
        raise parser.error(Msg("err_exponent", number=_short(exponent), limit=MAX_EXPONENT), tok)
    if base.is_Number and exponent.is_Number:
        if base == 0 and exponent < 0:
            raise parser.error(Msg("err_division"), tok)
        if base != 0 and float(abs(exponent)) * abs(_log10(base)) > MAX_DIGITS:
            raise parser.error(Msg("err_power_too_large", base=_short(base), exponent=_short(exponent)), tok)
        if base < 0 and not exponent.is_Integer:
            raise parser.error(Msg("err_not_real_number", text=f'{_short(base)}^{_short(exponent)}'), tok,
                               Msg("err_complex_power"))
        if exponent.is_Rational and exponent.q > MAX_EXPONENT:
            raise parser.error(Msg("err_root_too_fine", exponent=_short(exponent), index=_short(exponent.q),
                                   limit=MAX_EXPONENT), tok, Msg("err_root_too_fine_fix"))
    result = sp.Pow(base, exponent, evaluate=parser.evaluate)
    if result.is_Pow and result.exp.is_Number and abs(result.exp) > MAX_EXPONENT:
        raise parser.error(Msg("err_exponent", number=_short(result.exp), limit=MAX_EXPONENT), tok)
    return parser.checked(result, tok)


def _log10(number: sp.Rational) -> float:
    """log10 |number| for an exact rational of any size."""
    p, q = sp.Rational(number).as_numer_denom()
    return math.log10(abs(int(p))) - math.log10(int(q))


def _short(number: sp.Expr) -> str:
    text = str(number)
    return text if len(text) <= 20 else text[:8] + "…" + text[-8:]


def _suggest(name: str, candidates, what: str) -> Msg | None:
    plain = [c for c in candidates or () if not c.startswith("\\")]
    if what == "name":
        for i in range(1, len(name)):
            if name[:i] in plain and name[i:] in plain:
                return Msg("err_product", a=name[:i], b=name[i:], c=name[:i], d=name[i:])
    close = difflib.get_close_matches(name, plain, n=1, cutoff=0.6)
    if close:
        return Msg("err_mean", name=repr(close[0]))
    if what == "function":
        return Msg("err_multiply_hint", names=", ".join(sorted({op.name for op in FUNCTIONS.values()})))
    return None


def parse(text: str, known=None, evaluate: bool = True) -> Parsed:
    """Parse one formula. `known`: the names it may use (None: any name), a set (scalars) or a dict
    name -> shape. `evaluate=False` keeps it as written (2(a + b) stays a product), for display only.
    Raises DeriveError."""
    if len(text) > MAX_CHARS:
        raise DeriveError(Msg("err_long", limit=MAX_CHARS, count=len(text)))
    try:
        return _Parser(text, known, evaluate).parse()
    except RecursionError:
        raise DeriveError(Msg("err_nested_limit", limit=MAX_DEPTH)) from None


def names_in(text: str) -> dict[str, int]:
    """Every name a formula mentions, with its first 1-based column, without building it (so formulas
    can be put in dependency order before their shapes are known)."""
    out: dict[str, int] = {}
    tokens = tokenize(text)
    for tok, after in zip(tokens, tokens[1:]):
        if tok.kind != "name" or after.kind == "punct" and (after.text == "=" or after.text == "("
                                                             and tok.text in FUNCTIONS):
            continue                 # a function called (relu(z) beside a quantity named relu) or a keyword
        out.setdefault(tok.text, tok.column + 1)
    return out


def parse_number(text: str) -> sp.Expr:
    """An exact real number written as text: "1/3", "sqrt(2)", "0.7", "-e"."""
    expr = parse(text, known=set()).expr
    if not expr.is_number or not expr.is_real or expr.has(sp.zoo, sp.nan, sp.oo):
        raise DeriveError(Msg("err_not_real_number", text=f'{text!r}'), Spot(text=text))
    return expr
