"""A safe formula parser: text -> SymPy, by a small grammar of our own (no eval, no sympify).

Grammar, loosest binding first (implicit multiplication binds like `*`):
    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | implicit) unary)*
    unary   := ("-" | "+") unary | power
    power   := postfix (("^" | "**") unary)?
    postfix := primary superscript*
    primary := number | name | function call | "(" expr ")" | "{" expr "}" | "|" expr "|"
             | \\frac{expr}{expr} | \\sqrt[n]{expr}
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from .errors import DeriveError, Spot
from .ops import FUNCTIONS, check_arity

MAX_CHARS = 10_000        # per formula
MAX_DEPTH = 100           # nesting of parentheses, signs and powers
MAX_EXPONENT = 1_000      # |n| in x^n for a numeric n
MAX_DIGITS = 10_000       # digits of a number computed from literals (9^9^9 is refused)
MAX_LITERAL = 200         # characters in one number literal

SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"}
GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
         "xi rho tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
         "Omega").split()
SPACING = {r"\,", r"\;", r"\:", r"\!", "\\ ", r"\quad", r"\qquad", r"\left", r"\right",
           r"\displaystyle"}
SYMBOLS = {"×": "*", "·": "*", "⋅": "*", "∗": "*", "÷": "/", "−": "-", "–": "-",
           r"\times": "*", r"\cdot": "*", r"\div": "/", "**": "^"}
CONSTANTS = {"e": sp.E, "pi": sp.pi, "π": sp.pi}

_TOKEN = re.compile(r"""
    (?P<space>[^\S\x00-\x1f\x7f]+)
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)
  | (?P<name>[^\W\d](?:(?![⁰¹²³⁴⁵⁶⁷⁸⁹⁻])\w)*)
  | (?P<command>\\(?:[A-Za-z]+|[,;:! ]))
  | (?P<op>\*\*|[-+*/^×·⋅∗÷−–])
  | (?P<punct>[(){}\[\],|])
""", re.VERBOSE)

OPENERS = {"(": ")", "{": "}", "[": "]"}


@dataclass
class Token:
    kind: str       # num, name, sup, op, punct, frac, sqrt, end
    text: str       # normalised: × and \\times become *
    column: int     # 0-based index into the formula
    raw: str = ""   # as written


@dataclass
class Parsed:
    """A parsed formula: its SymPy expression and where each name it uses first appears."""

    expr: sp.Expr
    names: dict[str, int] = field(default_factory=dict)   # name -> 1-based column


def symbol(name: str) -> sp.Symbol:
    """The SymPy symbol for a quantity name; every quantity is real."""
    return sp.Symbol(name, real=True)


def _error(message: str, text: str, column: int, hint: str | None = None) -> DeriveError:
    return DeriveError(message, Spot(column=column + 1, text=text), hint)


def tokenize(text: str) -> list[Token]:
    """Split a formula into tokens, normalising pasted Unicode and LaTeX spellings."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            hint = None
            if ord(ch) < 32 or ch == "\x7f":
                hint = ("a control character: TOML double-quoted strings turn \\f, \\t, \\b, \\n, \\r "
                        "into control characters; write LaTeX formulas in single quotes, "
                        "e.g. pred = '\\frac{1}{1 + e^{-z}}'")
            raise _error(f"unexpected character {ch!r}", text, pos, hint)
        kind, tok = m.lastgroup, m.group()
        raw = tok
        if kind == "command":
            kind, tok = _command(tok, text, pos)
        elif kind in ("op", "name") and tok in SYMBOLS:
            tok = SYMBOLS[tok]
        if kind == "num" and len(tok) > MAX_LITERAL:
            raise _error(f"number literal longer than {MAX_LITERAL} characters", text, pos)
        if kind != "space":
            tokens.append(Token(kind, tok, pos, raw))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


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
    if tok in FUNCTIONS:
        return "name", tok
    if tok == r"\pi":
        return "name", "pi"
    if tok[1:] in GREEK:
        return "name", tok[1:]
    supported = r"\frac \sqrt \times \cdot \left( \right) \exp \log \ln \max \min \tanh \sigma"
    raise _error(f"unknown LaTeX command {tok}", text, pos, f"supported: {supported}, Greek letters")


class _Parser:
    def __init__(self, text: str, known: set[str] | None, evaluate: bool = True):
        self.evaluate = evaluate   # False: keep the formula as written (for display), no simplification
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.known = known
        self.names: dict[str, int] = {}
        self.depth = 0
        self.bars = 0          # how many |...| are open

    # -- helpers -------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def expect(self, punct: str) -> Token:
        if self.tok.kind == "punct" and self.tok.text == punct:
            return self.advance()
        found = f"{self.tok.text!r}" if self.tok.kind != "end" else "the end of the formula"
        raise self.error(f"expected {punct!r} but found {found}")

    def error(self, message: str, tok: Token | None = None, hint: str | None = None) -> DeriveError:
        return _error(message, self.text, (tok or self.tok).column, hint)

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"formula nested deeper than {MAX_DEPTH} levels")

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Parsed:
        if not self.text.strip():
            raise _error("empty formula", self.text, 0)
        expr = self.expr()
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.tok.raw!r}", hint=self._closing_hint())
        return Parsed(expr, self.names)

    def _closing_hint(self) -> str | None:
        if self.tok.text in (")", "}", "]"):
            return "this closing bracket has no matching opening bracket"
        return None

    def expr(self) -> sp.Expr:
        self.nest()
        terms = [self.term()]
        while self.is_op("+", "-"):
            sign = self.advance().text
            rhs = self.term()
            terms.append(rhs if sign == "+" else self.negate(rhs))
        self.depth -= 1
        return sp.Add(*terms, evaluate=self.evaluate)   # one Add, not a chain: long sums stay linear-time

    def negate(self, value: sp.Expr) -> sp.Expr:
        if self.evaluate:
            return -value
        return sp.Integer(-value) if value.is_Integer else sp.Mul(-1, value, evaluate=False)

    def term(self) -> sp.Expr:
        factors = [self.unary()]
        while True:
            if self.is_op("*", "/"):
                op = self.advance()
                rhs = self.unary()
                factor = _power(rhs, sp.Integer(-1), self, op) if op.text == "/" else rhs
                if not self.evaluate and factors == [sp.Integer(1)] and op.text == "/":
                    factors = [factor]       # 1/x as written is \frac{1}{x}, not 1 · \frac{1}{x}
                else:
                    factors.append(factor)
            elif self._starts_primary():
                factors.append(self.unary())
            else:
                return sp.Mul(*factors, evaluate=self.evaluate) if len(factors) > 1 else factors[0]

    def _starts_primary(self) -> bool:
        tok = self.tok
        if tok.kind in ("num", "name", "frac", "sqrt"):
            return True
        if tok.kind == "punct":
            return tok.text in OPENERS or (tok.text == "|" and self.bars == 0)
        return False

    def unary(self) -> sp.Expr:
        if self.is_op("-", "+"):
            sign = self.advance().text
            self.nest()
            operand = self.unary()
            self.depth -= 1
            return self.negate(operand) if sign == "-" else operand
        return self.power()

    def power(self) -> sp.Expr:
        base = self.postfix()
        if self.is_op("^"):
            op = self.advance()
            self.nest()
            exponent = self.unary()
            self.depth -= 1
            return _power(base, exponent, self, op)
        return base

    def postfix(self) -> sp.Expr:
        value = self.primary()
        while self.tok.kind == "sup":
            tok = self.advance()
            digits = "".join(SUPERSCRIPTS[c] for c in tok.text)
            if not re.fullmatch(r"-?\d+", digits):
                raise self.error("malformed superscript exponent", tok)
            value = _power(value, sp.Integer(int(digits)), self, tok)
        return value

    def primary(self) -> sp.Expr:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            return sp.Rational(*Fraction(tok.text).as_integer_ratio())
        if tok.kind == "name":
            return self.name()
        if tok.kind == "frac":
            self.advance()
            numerator = self.group("{")
            denominator = self.group("{")
            inverse = _power(denominator, sp.Integer(-1), self, tok)
            if not self.evaluate and numerator == 1:
                return inverse
            return sp.Mul(numerator, inverse, evaluate=self.evaluate)
        if tok.kind == "sqrt":
            self.advance()
            index = sp.Integer(2)
            if self.tok.text == "[":
                index = self.group("[")
            return _power(self.group("{"), sp.Integer(1) / index, self, tok)
        if tok.kind == "punct" and tok.text in OPENERS:
            return self.group(tok.text)
        if tok.kind == "punct" and tok.text == "|":
            self.advance()
            self.bars += 1
            inner = self.expr()
            self.bars -= 1
            self.expect("|")
            return sp.Abs(inner)
        return self._missing_operand(tok)

    def group(self, opener: str) -> sp.Expr:
        """An expression between matching brackets: ( ), { } or [ ]."""
        if self.tok.text != opener:
            raise self.error(f"expected {opener!r}", hint=r"write \frac{a}{b} and \sqrt{x} with braces")
        self.advance()
        saved, self.bars = self.bars, 0
        inner = self.expr()
        self.bars = saved
        self.expect(OPENERS[opener])
        return inner

    def _missing_operand(self, tok: Token):
        if tok.kind == "end":
            raise self.error("the formula ends where a number, name or '(' was expected",
                             hint="is something missing at the end?")
        if tok.kind == "op":
            prev = self.tokens[self.i - 1] if self.i else None
            hint = "two operators in a row: is a term missing between them?" if prev and prev.kind == "op" else None
            raise self.error(f"expected a number, name or '(' but found {tok.raw!r}", hint=hint)
        raise self.error(f"unexpected {tok.raw!r}", hint=self._closing_hint())

    def name(self) -> sp.Expr:
        tok = self.advance()
        name = tok.text
        if name in FUNCTIONS and not (self.known and name in self.known):
            return self.call(tok)
        if self.tok.text == "(" and self.known is not None and name not in self.known \
                and name not in CONSTANTS:
            raise self.error(f"unknown function {name!r}", tok, _suggest(name, FUNCTIONS, "function"))
        if self.known is not None and name in self.known or self.known is None and name not in CONSTANTS:
            self.names.setdefault(name, tok.column + 1)
            return symbol(name)
        if name in CONSTANTS:
            return CONSTANTS[name]
        raise self.error(f"undefined name {name!r}", tok, _suggest(name, self.known, "name"))

    def call(self, tok: Token) -> sp.Expr:
        op = FUNCTIONS[tok.text]
        if self.tok.text == "(":
            self.advance()
            args = [self.expr()]
            while self.tok.text == ",":
                self.advance()
                args.append(self.expr())
            self.expect(")")
        elif self.tok.kind in ("num", "name", "frac", "sqrt") or self.tok.text in ("{", "["):
            args = [self.power()]          # \log x, \exp{z}
        else:
            raise self.error(f"{tok.text} is a function: write {tok.text.lstrip(chr(92))}(...)", tok)
        problem = check_arity(op, len(args))
        if problem:
            raise self.error(problem, tok)
        return op.build(*args) if self.evaluate else op.build(*args, evaluate=False)


def _power(base: sp.Expr, exponent: sp.Expr, parser: _Parser, tok: Token) -> sp.Expr:
    """base^exponent, refusing numbers too large to compute (9^9^9) before SymPy tries."""
    if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
        raise parser.error(f"exponent {_short(exponent)} is too large (the limit is {MAX_EXPONENT})", tok)
    if base.is_Number and exponent.is_Number:
        if base == 0 and exponent < 0:
            raise parser.error("division by zero", tok)
        if base != 0 and float(abs(exponent)) * abs(_log10(base)) > MAX_DIGITS:
            raise parser.error(f"the number {_short(base)}^{_short(exponent)} is too large", tok)
    result = sp.Pow(base, exponent, evaluate=parser.evaluate)
    if result.is_Pow and result.exp.is_Number and abs(result.exp) > MAX_EXPONENT:
        raise parser.error(f"exponent {_short(result.exp)} is too large (the limit is {MAX_EXPONENT})", tok)
    return result


def _log10(number: sp.Rational) -> float:
    """log10 |number| for an exact rational of any size."""
    p, q = sp.Rational(number).as_numer_denom()
    return math.log10(abs(int(p))) - math.log10(int(q))


def _short(number: sp.Expr) -> str:
    text = str(number)
    return text if len(text) <= 20 else text[:8] + "…" + text[-8:]


def _suggest(name: str, candidates, what: str) -> str | None:
    plain = [c for c in candidates if not c.startswith("\\")]
    close = difflib.get_close_matches(name, plain, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if what == "function":
        return "for multiplication write * between the name and '(' ; functions: " + ", ".join(
            sorted({op.name for op in FUNCTIONS.values()}))
    return None


def parse(text: str, known: set[str] | None = None, evaluate: bool = True) -> Parsed:
    """Parse one formula. `known`: the names it may use (None: any name). `evaluate=False` keeps it as
    written — 2(a + b) stays a product — for display only. Raises DeriveError."""
    if len(text) > MAX_CHARS:
        raise DeriveError(f"formula longer than {MAX_CHARS} characters ({len(text)})")
    try:
        return _Parser(text, known, evaluate).parse()
    except RecursionError:
        raise DeriveError(f"formula nested too deeply (the limit is {MAX_DEPTH} levels)") from None


def parse_number(text: str) -> sp.Expr:
    """An exact real number written as text: "1/3", "sqrt(2)", "0.7", "-e"."""
    expr = parse(text, known=set()).expr
    if not expr.is_real or expr.has(sp.zoo, sp.nan, sp.oo):
        raise DeriveError(f"{text!r} is not a real number", Spot(text=text))
    return expr
