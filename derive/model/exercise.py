"""Exercise files: TOML -> a checked, parsed exercise, every error pointing at its spot in the file."""
from __future__ import annotations

import difflib
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from pathlib import Path

import sympy as sp

from ..core import arrays
from ..core.budget import MAX_ELEMENTS, MAX_RANK
from . import gradformula, stepspec
from .catalog import bundled, title_for  # noqa: F401  (re-exported)
from ..core.errors import DeriveError, Spot, os_reason
from ..core.ops import OPS, op_of, operands
from ..core.parser import names_in, parse
from .reading import Source, shift_column, value_of
from ..core.i18n import Msg
from .seed import seeded

MAX_FILE_BYTES = 10_000_000
KINDS = ("gradient", "linear-system", "matmul-benchmark")
LANGS = ("en", "es")
TOP_KEYS = {
    "gradient": {"title", "kind", "lang", "values", "formulas", "gradient", "variants", "step"},
    "linear-system": {"title", "kind", "lang", "unknowns", "equations", "solver", "variants"},
    "matmul-benchmark": {"title", "kind", "lang", "sizes", "dtypes", "devices", "quick", "repeats"},
}
NAME = re.compile(r"[^\W\d]\w*")


@dataclass
class Formula:
    """One named formula as written and as parsed."""

    name: str
    text: str
    expr: sp.Expr
    uses: dict[str, int]          # names it uses -> 1-based column in `text`
    line: int | None = None
    shape: tuple = ()                # () for a scalar, (n,) for a vector, (rows, columns) for a matrix
    known: dict = field(default=None, repr=False, compare=False)    # the names it may use, with their shapes

    @cached_property
    def display(self) -> sp.Expr:
        """The formula as written (2(a + b) stays a product), for reports only: parsed on first use."""
        return as_written(self.text, self.known, self.expr)


@dataclass
class Range:
    """A value a variant may take: one of `choices` (exact), and the one used when none is drawn."""

    choices: list[sp.Expr]
    default: sp.Expr | None              # a tensor's default is an array of the shape
    line: int | None = None
    shape: tuple = ()                    # a tensor range draws every element from the choices


MAX_CHOICES = 100_000


@dataclass
class GradientExercise:
    """kind = "gradient": inputs with their values, formulas, a target and the inputs to differentiate by."""

    path: str
    title: dict[str, str]               # language (or "any") -> title
    lang: str | None
    values: dict[str, sp.Expr]
    formulas: dict[str, Formula]
    target: str
    wrt: list[str]
    source: Source = field(repr=False)
    kind: str = "gradient"
    ranges: dict[str, Range] = field(default_factory=dict)      # inputs that variants may change
    variants: dict = field(default_factory=dict)                 # the [variants] table: constraints
    indices: frozenset = frozenset()    # inputs used only as class indices (cross_entropy's k): no gradient
    seed: object = None                 # seed.Seed: several outputs or a tensor output, weighed (backward(seed))
    kink: str = "undefined"             # at a kink: no derivative, torch's convention, or a subgradient
    step: object = None                 # training.Step: gradient-descent updates after the gradient
    order: int = 1                      # 2: the Hessian as well; 3 and up: that derivative (one input)

    def shape(self, name: str) -> tuple:
        """The shape of an input or a formula: () for scalars."""
        if name in self.formulas:
            return self.formulas[name].shape
        return arrays.shape_of(self.values[name])

    @cached_property
    def tensor(self) -> bool:
        """Whether any value or formula is a vector or a matrix (computed once: variants replace the values,
        never with other shapes)."""
        return any(self.shape(n) for n in (*self.values, *self.formulas))


@dataclass
class BenchExercise:
    """kind = "matmul-benchmark": what to time (a benchspec.Spec)."""

    path: str
    title: dict[str, str]               # language (or "any") -> title
    lang: str | None
    spec: object
    source: Source = field(repr=False)
    kind: str = "matmul-benchmark"


@dataclass
class SystemExercise:
    """kind = "linear-system": the equations as a system.System."""

    path: str
    title: dict[str, str]               # language (or "any") -> title
    lang: str | None
    system: object
    source: Source = field(repr=False)
    kind: str = "linear-system"


def resolve(name: str) -> Path:
    """A path on disk, or the name of a bundled exercise."""
    path = Path(name)
    if path.exists():
        return path
    shipped = bundled()
    if name in shipped:
        return shipped[name]
    hint = Msg("err_bundled", names=", ".join(sorted(shipped)))
    raise DeriveError(Msg("err_no_file", name=name), Spot(file=name), hint)


def read(path: str | Path) -> Source:
    """The file's text, refusing huge or non-UTF-8 files."""
    path = Path(path)
    try:
        if not path.is_file():
            raise DeriveError(Msg("err_not_regular"), Spot(file=str(path)),
                              Msg("err_toml_path"))
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DeriveError(Msg("err_too_big", size=size, limit=MAX_FILE_BYTES), Spot(file=str(path)))
        return Source(str(path), path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise DeriveError(Msg("err_utf8", why=Msg("err_at_byte", reason=e.reason, start=e.start)), Spot(file=str(path))) from None
    except OSError as e:
        raise DeriveError(Msg("err_cannot_read", why=os_reason(e)), Spot(file=str(path))) from None


def load(path: str | Path):
    """Read, parse and check an exercise file (or a bundled exercise's name)."""
    return loads(read(resolve(str(path))))


def loads(source: Source | str):
    """Parse and check an exercise from its text (a str is named "<string>")."""
    if isinstance(source, str):
        source = Source("<string>", source)
    data = _toml(source)
    kind = data.get("kind", "gradient" if "formulas" in data else None)
    if kind not in KINDS:
        raise DeriveError(Msg("err_kind", kinds=', '.join(KINDS), kind=f'{kind!r}'),
                          source.spot("", "kind"), Msg("err_kind_hint"))
    for key in data:
        if key not in TOP_KEYS[kind]:
            close = difflib.get_close_matches(key, TOP_KEYS[kind], n=1)
            hint = Msg("err_mean", name=repr(close[0])) if close else Msg("err_allowed", keys=", ".join(sorted(TOP_KEYS[kind])))
            raise DeriveError(Msg("err_unknown_key", key=f'{key!r}', kind=f'{kind!r}'), source.spot("", key), hint)
    lang = _optional_str(data, "lang", source)
    if lang is not None and lang not in LANGS:
        raise DeriveError(Msg("err_lang", langs=', '.join(LANGS), lang=f'{lang!r}'), source.spot("", "lang"))
    title = _title(data, source, lang)
    if kind == "matmul-benchmark":
        from .benchspec import spec_of

        return BenchExercise(source.path, title, lang, spec_of(data, source), source)
    if kind == "linear-system":
        from .system import system_of

        return SystemExercise(source.path, title, lang, system_of(data, source), source)
    return _gradient(data, source, title, lang)


def _title(data: dict, source: Source, lang: str | None) -> dict[str, str]:
    """title = "..." (any language) or a table {en = "...", es = "..."}: language -> title."""
    raw = data.get("title")
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {lang or "any": raw}
    if isinstance(raw, dict) and raw and all(k in LANGS and isinstance(v, str) for k, v in raw.items()):
        return dict(raw)
    raise DeriveError(Msg("err_title"), source.spot("", "title"),
                      Msg("err_title_fix"))


# Python's TOML reader (tomllib) says what is wrong in English: its sentences, by their fixed wording, as catalog
# entries (the value after the fixed start, a key or a character, is kept as it is). Wording a later Python
# changes is shown as it is, inside the catalog's own "invalid TOML: …".
TOML_REASONS = {
    "Invalid value": "toml_invalid_value", "Invalid statement": "toml_invalid_statement",
    "Unclosed array": "toml_unclosed_array", "Unclosed inline table": "toml_unclosed_table",
    "Unterminated string": "toml_unterminated_string", "Invalid date or datetime": "toml_invalid_date",
    "Invalid hex value": "toml_invalid_hex", "Cannot overwrite a value": "toml_overwrite",
    "Invalid initial character for a key part": "toml_key_start",
    "Expected '=' after a key in a key/value pair": "toml_expected_equals",
    "Expected ']' at the end of a table declaration": "toml_expected_bracket",
    "Expected ']]' at the end of an array declaration": "toml_expected_brackets",
    "Unescaped '\\' in a string": "toml_unescaped_backslash",
    "Escaped character is not a Unicode scalar value": "toml_not_scalar",
}
TOML_REASON_STARTS = {
    "Cannot declare ": "toml_declared_twice", "Cannot mutate immutable namespace ": "toml_immutable",
    "Cannot redefine namespace ": "toml_redefine", "Duplicate inline table key ": "toml_duplicate_key",
    "Found invalid character ": "toml_invalid_character", "Illegal character ": "toml_illegal_character",
    "Expected ": "toml_expected",
}


def toml_reason(message: str) -> Msg | str:
    """tomllib's reason as a catalog sentence, or as it is when its wording is not one of the above."""
    if message in TOML_REASONS:
        return Msg(TOML_REASONS[message])
    for start, key in TOML_REASON_STARTS.items():
        if message.startswith(start):
            return Msg(key, what=message.removeprefix(start).removesuffix(" twice"))
    return message


def _toml(source: Source) -> dict:
    try:
        return tomllib.loads(source.text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        at = re.search(r"\(at line (\d+), column (\d+)\)", message)
        spot = Spot(file=source.path)
        hint = None
        if at:
            line, column = int(at.group(1)), int(at.group(2))
            text = source.lines[line - 1] if line <= len(source.lines) else None
            spot = Spot(source.path, line, column, text)
            message = message[:at.start()].strip()
            if text and "\u2212" in text:
                hint = Msg("err_unicode_minus")
        raise DeriveError(Msg("err_invalid_toml", message=toml_reason(message)), spot, hint) from None
    except ValueError:                 # Python refuses integers of more than 4,300 digits
        long = next((i for i, line in enumerate(source.lines, 1) if re.search(r"\d{1000}", line)), None)
        raise DeriveError(Msg("err_digits"),
                          Spot(source.path, long, None, source.lines[long - 1][:80] if long else None),
                          Msg("err_digits_fix")) from None


def _optional_str(data: dict, key: str, source: Source) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise DeriveError(Msg("err_string", key=key), source.spot("", key))
    return value


def _table(data: dict, key: str, source: Source) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise DeriveError(Msg("err_table", key=key, key2=key), source.spot("", key))
    return value


def _check_name(name: str, table: str, source: Source):
    spot = source.spot(table, name)
    if not NAME.fullmatch(name):
        raise DeriveError(Msg("err_name", name=f'{name!r}'), spot, Msg("err_name_hint"))


def range_of(raw: dict, name: str, source: Source) -> Range:
    """{ min = -5, max = 5, step = 1, default = 2 } or { choices = [1, 2, 3], default = 2 }. Without a
    default, the value is the first of the choices shuffled by random.Random(0)."""
    import random

    spot = source.spot("values", name)
    keys = set(raw)
    if keys - {"min", "max", "step", "default", "choices", "shape"} or not ({"min", "max"} <= keys or "choices" in keys):
        raise DeriveError(Msg("err_range", name=f'{name!r}'), spot,
                          Msg("err_range_fix"))
    if "choices" in keys:
        if not isinstance(raw["choices"], list) or not raw["choices"]:
            raise DeriveError(Msg("err_choices", name=f'{name!r}'), spot)
        choices = [value_of(v, name, source) for v in raw["choices"]]
        if any(arrays.shape_of(v) for v in choices):
            raise DeriveError(Msg("err_range_choices_numbers", name=f'{name!r}'), spot,
                              Msg("err_range_tensor_fix"))
    else:
        low, high = value_of(raw["min"], name, source), value_of(raw["max"], name, source)
        step = value_of(raw.get("step", 1), name, source)
        if any(arrays.shape_of(v) for v in (low, high, step)):
            raise DeriveError(Msg("err_range_bounds_numbers", name=f'{name!r}'), spot,
                              Msg("err_range_tensor_bounds_fix"))
        if not (low.is_Rational and high.is_Rational and step.is_Rational) or step <= 0 or high < low:
            raise DeriveError(Msg("err_range_order", name=f'{name!r}'), spot)
        count = int((high - low) / step) + 1
        if count > MAX_CHOICES:
            raise DeriveError(Msg("err_range_count", name=f'{name!r}', count=count, limit=MAX_CHOICES), spot,
                              Msg("err_larger_step"))
        choices = [low + i * step for i in range(count)]
    shape = _range_shape(raw.get("shape", []), name, spot)
    if "default" in raw:
        default = value_of(raw["default"], name, source)
        if arrays.shape_of(default) != shape:
            raise DeriveError(Msg("err_default_shape", name=f'{name!r}', shape=arrays.shape_of(default), expected=shape), spot)
        if any(v not in choices for v in arrays.flat(default)):
            raise DeriveError(Msg("err_default", name=f'{name!r}'), spot)
    else:
        rng = random.Random(0)
        default = arrays.drawn(shape, lambda: rng.choice(choices)) if shape else rng.choice(choices)
    return Range(choices, default, spot.line, shape)


def _range_shape(raw, name: str, spot: Spot) -> tuple:
    if not (isinstance(raw, list) and len(raw) <= MAX_RANK and all(type(n) is int and 1 <= n <= 64 for n in raw)
            and math.prod(raw) <= MAX_ELEMENTS):
        raise DeriveError(Msg("err_shape_spec", name=f'{name!r}'), spot)
    return tuple(raw)


def _gradient(data: dict, source: Source, title, lang) -> GradientExercise:
    values_raw = _table(data, "values", source)
    formulas_raw = _table(data, "formulas", source)
    if not formulas_raw:
        raise DeriveError(Msg("err_no_formulas"), Spot(file=source.path),
                          Msg("err_no_formulas_hint"))
    for name in values_raw:
        _check_name(name, "values", source)
    for name in formulas_raw:
        _check_name(name, "formulas", source)
        if name in values_raw:
            raise DeriveError(Msg("err_twice", name=f'{name!r}'),
                              source.spot("formulas", name))
    _check_lookalikes([*values_raw, *formulas_raw], source)
    ranges = {name: range_of(raw, name, source) for name, raw in values_raw.items() if isinstance(raw, dict)}
    values = {name: ranges[name].default if name in ranges else value_of(raw, name, source)
              for name, raw in values_raw.items()}
    for name, text in formulas_raw.items():
        if not isinstance(text, str):
            raise DeriveError(Msg("err_formula_string", name=f'{name!r}'), source.spot("formulas", name),
                              Msg("err_quotes"))
    order = _dependency_order(formulas_raw, source)
    known = {name: arrays.shape_of(v) for name, v in values.items()} | dict.fromkeys(formulas_raw, ())
    formulas = {}
    for name in order:                       # each formula's shape is known before a later one uses it
        formulas[name] = _formula(name, formulas_raw[name], known, source)
        known[name] = formulas[name].shape
    formulas = gradformula.expand(formulas, values, source)      # grad(L, w) written out (dependency order)
    formulas = {name: formulas[name] for name in formulas_raw}
    indices = _index_inputs(values, formulas)
    seed = _seed(data, values, formulas, known, source)
    target, wrt = _gradient_table(data, values, formulas, source, indices, seed)
    if formulas[target].shape:
        raise DeriveError(Msg("err_target_shape", target=f'{target!r}', shape=formulas[target].shape), source.spot("formulas", target),
                          Msg("err_target_shape_hint", a=target, b=target, c=target))
    ex = GradientExercise(source.path, title, lang, values, formulas, target, wrt, source, ranges=ranges,
                          variants=_table(data, "variants", source), indices=frozenset(indices), seed=seed,
                          kink=_kink(data, source), step=stepspec.read(_table(data, "step", source), source),
                          order=_order(data, source))
    if ex.order > 1:
        check_request(ex, ex.order, source)
    return ex


HESSIAN_MAX_ELEMENTS = 64         # inputs of a Hessian (its entries are this squared)


def elements(ex) -> list[tuple[str, tuple]]:
    return [(x, index) for x in ex.wrt for index in arrays.indices(ex.shape(x))]


def check_request(ex, order: int, source) -> None:
    """Refuse, when the file loads, an order that cannot be given (located at [gradient] order)."""
    spot = source.spot("gradient", "order")
    if order >= 3 and (len(ex.wrt) != 1 or ex.shape(ex.wrt[0])):
        raise DeriveError(Msg("err_order_one_input", order=order), spot,
                          Msg("err_order_one_input_fix"))
    if order == 2 and len(elements(ex)) > HESSIAN_MAX_ELEMENTS:
        raise DeriveError(Msg("err_hessian_size", count=len(elements(ex)), limit=HESSIAN_MAX_ELEMENTS), spot, Msg("err_hessian_size_fix"))


MAX_ORDER = 8


def _order(data, source) -> int:
    order = _table(data, "gradient", source).get("order", 1)
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise DeriveError(Msg("err_order_range", limit=MAX_ORDER), source.spot("gradient", "order"),
                          Msg("err_order_range_fix"))
    return order


def _seed(data, values, formulas, known, source):
    """A [gradient] seed: its formula (vjp = Σ seed · output) and, for a tensor output, its input added."""
    made = seeded(_table(data, "gradient", source), values, formulas, source, value_of)
    if made is None:
        return None
    seed, text = made
    if seed.input:
        values[seed.input] = seed.value
        known[seed.input] = arrays.shape_of(seed.value)
    source.alias(("formulas", seed.target), ("gradient", "seed"))
    formulas[seed.target] = _formula(seed.target, text, known, source)
    return seed


KINK_CONVENTIONS = ("undefined", "torch", "subgradient")


def _kink(data, source) -> str:
    kink = _table(data, "gradient", source).get("kink", "undefined")
    if kink not in KINK_CONVENTIONS:
        raise DeriveError(Msg("err_kink_convention", kink=f'{kink!r}'), source.spot("gradient", "kink"),
                          Msg("err_kink_convention_fix"))
    return kink


def _check_lookalikes(names: list[str], source: Source):
    """Refuse two names that Python (and the generated code) would read as one: ｘ and x."""
    seen: dict[str, str] = {}
    for name in names:
        folded = unicodedata.normalize("NFKC", name)
        if folded in seen and seen[folded] != name:
            table = "formulas" if source.spot("formulas", name).line else "values"
            raise DeriveError(Msg("err_nfkc", name=f'{name!r}', other=f'{seen[folded]!r}'), source.spot(table, name), Msg("err_rename_fix"))
        seen[folded] = name


def _dependency_order(formulas_raw: dict, source: Source) -> list[str]:
    """The formulas in an order where each comes after those it uses, refusing cycles."""
    uses = {name: {n: col for n, col in _located(name, text, source, names_in).items() if n in formulas_raw}
            for name, text in formulas_raw.items()}
    order, done, active = [], set(), set()
    for name in formulas_raw:                # depth first, in file order: each formula after those it uses
        stack = [(name, iter(uses[name]))]
        active.add(name)
        while stack:
            node, pending = stack[-1]
            child = next((c for c in pending if c not in done), None)
            if child is None:
                stack.pop()
                active.discard(node)
                if node not in done:
                    done.add(node)
                    order.append(node)
            elif child in active:            # a formula that leads back to itself: the stack holds the ring
                path = [entry[0] for entry in stack]
                _cycle_error(path[path.index(child):], uses, formulas_raw, source)
            else:
                active.add(child)
                stack.append((child, iter(uses[child])))
    return order


def _cycle_error(ring: list[str], uses, formulas_raw, source):
    """ring: formulas each of which uses the next, the last using the first."""
    start = min(range(len(ring)), key=lambda i: list(formulas_raw).index(ring[i]))
    ring = ring[start:] + ring[:start]
    first, second = ring[0], (ring + ring)[1]
    column = source.value_column("formulas", first, formulas_raw[first])
    raise DeriveError(Msg("err_cycle", cycle=Msg("err_cycle_chain", chain=" -> ".join(ring + [first]), first=repr(first),
                                                second=repr(second))),
                      source.spot("formulas", first, shift_column(column, uses[first][second])),
                      Msg("err_cycle_fix"))


def _index_inputs(values: dict, formulas: dict) -> set[str]:
    """Inputs used only as class indices (the k of cross_entropy): they have no derivative."""
    indexed = [f for f in formulas.values() if f.expr.has(*(op.cls for op in OPS.values() if op.index_args))]
    if not indexed:
        return set()
    inputs = set(values)
    as_index, elsewhere = set(), set()
    for f in formulas.values():
        for sub in sp.preorder_traversal(f.expr):
            op = op_of(sub)
            if op is None:
                continue
            for i, arg in enumerate(operands(sub, op)):
                names = {a.name for a in arg.free_symbols} & inputs
                (as_index if i in op.index_args else elsewhere).update(names)
    return as_index - elsewhere


def _located(name: str, text: str, source: Source, read, *args):
    """read(text, *args), with a DeriveError moved to the formula's line and column in the file."""
    try:
        return read(text, *args)
    except DeriveError as e:
        spot = source.spot("formulas", name)
        start = source.value_column("formulas", name, text)
        raise DeriveError(Msg("err_in_formula", name=f'{name!r}', message=e.message),
                          Spot(spot.file, spot.line, shift_column(start, e.spot.column), spot.text if start else text),
                          e.hint) from None


def _formula(name: str, text: str, known: dict, source: Source) -> Formula:
    spot = source.spot("formulas", name)
    parsed = _located(name, text, source, parse, known)
    return Formula(name, text, parsed.expr, parsed.names, spot.line, parsed.shape, known)


def as_written(text: str, known, expr: sp.Expr) -> sp.Expr:
    """The formula parsed without simplification, for display; the simplified one if that fails."""
    try:
        return parse(text, known, evaluate=False).expr
    except (DeriveError, TypeError, ValueError):
        return expr


GRADIENT_KEYS = ("of", "wrt", "seed", "kink", "order")


def _gradient_table(data, values, formulas, source: Source, indices=frozenset(), seed=None) -> tuple[str, list[str]]:
    table = _table(data, "gradient", source)
    for key in table:
        if key not in GRADIENT_KEYS:
            raise DeriveError(Msg("err_gradient_key", key=f'{key!r}'), source.spot("gradient", key),
                              Msg("err_allowed", keys=', '.join(GRADIENT_KEYS)))
    used = {n for f in formulas.values() for n in f.uses}
    target = seed.target if seed else table.get("of")
    if not isinstance(target, (str, type(None))):
        raise DeriveError(Msg("err_of"), source.spot("gradient", "of"),
                          Msg("err_of_fix"))
    if target is None:
        sinks = [n for n in formulas if n not in used]
        if len(sinks) != 1:
            raise DeriveError(Msg("err_target", sinks=', '.join(sinks)),
                              source.spot("", "formulas"), Msg("err_target_hint"))
        target = sinks[0]
    elif target not in formulas:
        raise DeriveError(Msg("err_not_formula", name=f'{target!r}'), source.spot("gradient", "of"),
                          _did_you_mean(target, formulas))
    wrt = table.get("wrt", [v for v in values if v not in indices and not (seed and v == seed.input)])
    if not isinstance(wrt, list) or not all(isinstance(w, str) for w in wrt):
        raise DeriveError(Msg("err_wrt_list"), source.spot("gradient", "wrt"))
    for w in wrt:
        if w not in values:
            raise DeriveError(Msg("err_wrt", name=f'{w!r}'),
                              source.spot("gradient", "wrt"), _did_you_mean(w, values))
    for w in wrt:
        if w in indices:
            raise DeriveError(Msg("err_class_index", name=f'{w!r}'),
                              source.spot("gradient", "wrt"), Msg("err_class_index_fix", name=f'{w!r}'))
    if len(set(wrt)) != len(wrt):
        raise DeriveError(Msg("err_wrt_twice"), source.spot("gradient", "wrt"))
    return target, wrt


def _did_you_mean(name: str, names) -> str | None:
    close = difflib.get_close_matches(name, list(names), n=1)
    return f"did you mean {close[0]!r}?" if close else None

