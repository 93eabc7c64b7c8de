"""Exercise files: TOML -> a checked, parsed exercise, every error pointing at its spot in the file."""
from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path

import networkx as nx
import sympy as sp

from .errors import DeriveError, Spot
from .ops import FUNCTIONS
from .parser import parse, parse_number

MAX_FILE_BYTES = 10_000_000
KINDS = ("gradient", "linear-system", "matmul-benchmark")
LANGS = ("en", "es")
TOP_KEYS = {
    "gradient": {"title", "kind", "lang", "values", "formulas", "gradient", "variants"},
    "linear-system": {"title", "kind", "lang", "unknowns", "equations", "solver", "variants"},
    "matmul-benchmark": {"title", "kind", "lang", "sizes", "dtypes", "devices", "quick", "repeats"},
}
NAME = re.compile(r"[^\W\d]\w*")


@dataclass
class Source:
    """An exercise file's text, with a finder for the line of `key =` under a `[table]`."""

    path: str
    text: str

    def __post_init__(self):
        self.lines = self.text.splitlines()
        self._where: dict[tuple[str, str], int] = {}
        table = ""
        for number, line in enumerate(self.lines, 1):
            header = re.match(r"\s*\[\s*([^\]\s]+)\s*\]", line)
            if header:
                table = header.group(1)
                self._where.setdefault(("", table), number)
                continue
            key = re.match(r"""\s*(["']?)([^"'=\s]+)\1\s*=""", line)
            if key:
                self._where.setdefault((table, key.group(2)), number)

    def spot(self, table: str, key: str, column: int | None = None) -> Spot:
        line = self._where.get((table, key))
        return Spot(self.path, line, column, self.lines[line - 1] if line else None)

    def value_column(self, table: str, key: str, value: str) -> int | None:
        """1-based column in the file where a one-line string `value` starts, if written verbatim."""
        line = self._where.get((table, key))
        if line is None:
            return None
        text = self.lines[line - 1]
        eq = text.index("=")
        for quote in ('"', "'"):
            start = text.find(quote + value + quote, eq)
            if start >= 0:
                return start + 2
        return None


@dataclass
class Formula:
    """One named formula as written and as parsed."""

    name: str
    text: str
    expr: sp.Expr
    uses: dict[str, int]          # names it uses -> 1-based column in `text`
    line: int | None = None
    display: sp.Expr | None = None   # the formula as written (2(a + b) stays a product): for reports only


@dataclass
class Range:
    """A value a variant may take: one of `choices` (exact), and the one used when none is drawn."""

    choices: list[sp.Expr]
    default: sp.Expr | None
    line: int | None = None


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


@dataclass
class BenchExercise:
    """kind = "matmul-benchmark": what to time (a bench.Spec)."""

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


def bundled() -> dict[str, Path]:
    """The exercises shipped inside the package, by name (ejercicio1, ejercicio2, ...)."""
    folder = resources.files("derive") / "exercises"
    return {Path(p.name).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


def resolve(name: str) -> Path:
    """A path on disk, or the name of a bundled exercise."""
    path = Path(name)
    if path.exists():
        return path
    shipped = bundled()
    if name in shipped:
        return shipped[name]
    hint = "bundled exercises: " + ", ".join(sorted(shipped))
    raise DeriveError(f"no such file: {name}", Spot(file=name), hint)


def read(path: str | Path) -> Source:
    """The file's text, refusing huge or non-UTF-8 files."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DeriveError(f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", Spot(file=str(path)))
        return Source(str(path), path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise DeriveError(f"not UTF-8 text ({e.reason} at byte {e.start})", Spot(file=str(path))) from None
    except OSError as e:
        raise DeriveError(f"cannot read the file: {e.strerror}", Spot(file=str(path))) from None


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
        raise DeriveError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}",
                          source.spot("", "kind"), "add a line: kind = \"gradient\"")
    for key in data:
        if key not in TOP_KEYS[kind]:
            close = difflib.get_close_matches(key, TOP_KEYS[kind], n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(sorted(TOP_KEYS[kind]))}"
            raise DeriveError(f"unknown key {key!r} for kind {kind!r}", source.spot("", key), hint)
    lang = _optional_str(data, "lang", source)
    if lang is not None and lang not in LANGS:
        raise DeriveError(f"lang must be one of {', '.join(LANGS)}; got {lang!r}", source.spot("", "lang"))
    title = _title(data, source, lang)
    if kind == "matmul-benchmark":
        from .bench import spec_of

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
    raise DeriveError("title must be a string or a table of languages", source.spot("", "title"),
                      'title = "Cálculo del gradiente"  or  title = { es = "Cálculo del gradiente", en = "Computing the gradient" }')


def title_for(exercise, lang: str) -> str | None:
    """The exercise's title in `lang`, else its only or first title."""
    titles = exercise.title
    return titles.get(lang) or titles.get("any") or next(iter(titles.values()), None) if titles else None


def _toml(source: Source) -> dict:
    try:
        return tomllib.loads(source.text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        at = re.search(r"\(at line (\d+), column (\d+)\)", message)
        spot = Spot(file=source.path)
        if at:
            line, column = int(at.group(1)), int(at.group(2))
            spot = Spot(source.path, line, column, source.lines[line - 1] if line <= len(source.lines) else None)
            message = message[:at.start()].strip()
        raise DeriveError(f"invalid TOML: {message}", spot) from None


def _optional_str(data: dict, key: str, source: Source) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise DeriveError(f"{key} must be a string", source.spot("", key))
    return value


def _table(data: dict, key: str, source: Source) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise DeriveError(f"{key} must be a table: [{key}]", source.spot("", key))
    return value


def _check_name(name: str, table: str, source: Source):
    spot = source.spot(table, name)
    if not NAME.fullmatch(name):
        raise DeriveError(f"{name!r} is not a valid name", spot, "names are letters, digits and _, "
                                                                "starting with a letter: x1, w0_3")
    if name in FUNCTIONS:
        raise DeriveError(f"{name!r} is a function name; choose another name", spot)


def range_of(raw: dict, name: str, source: Source) -> Range:
    """{ min = -5, max = 5, step = 1, default = 2 } or { choices = [1, 2, 3], default = 2 }. Without a
    default, the value is the first of the choices shuffled by random.Random(0)."""
    import random

    spot = source.spot("values", name)
    keys = set(raw)
    if keys - {"min", "max", "step", "default", "choices"} or not ({"min", "max"} <= keys or "choices" in keys):
        raise DeriveError(f"the range of {name!r} must have min and max (and step), or choices", spot,
                          "e.g. a = { min = -5, max = 5, step = 1, default = 2 }  or  a = { choices = [1, 2, 3] }")
    if "choices" in keys:
        if not isinstance(raw["choices"], list) or not raw["choices"]:
            raise DeriveError(f"the choices of {name!r} must be a non-empty list", spot)
        choices = [value_of(v, name, source) for v in raw["choices"]]
    else:
        low, high = value_of(raw["min"], name, source), value_of(raw["max"], name, source)
        step = value_of(raw.get("step", 1), name, source)
        if not (low.is_Rational and high.is_Rational and step.is_Rational) or step <= 0 or high < low:
            raise DeriveError(f"the range of {name!r} needs min <= max and a positive step", spot)
        count = int((high - low) / step) + 1
        if count > MAX_CHOICES:
            raise DeriveError(f"the range of {name!r} has {count} values; the limit is {MAX_CHOICES}", spot,
                              "use a larger step")
        choices = [low + i * step for i in range(count)]
    if "default" in raw:
        default = value_of(raw["default"], name, source)
        if default not in choices:
            raise DeriveError(f"the default of {name!r} is not one of its values", spot)
    else:
        default = random.Random(0).choice(choices)
    return Range(choices, default, spot.line)


def value_of(raw, name: str, source: Source) -> sp.Expr:
    """An exact value from TOML: int, float (as the decimal written) or a string such as "1/3"."""
    spot = source.spot("values", name)
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal, str)):
        raise DeriveError(f"the value of {name!r} is not a number: {raw!r}", spot,
                          'write a number (2, -1.5) or an exact string ("1/3", "sqrt(2)")')
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise DeriveError(f"the value of {name!r} is not finite", spot)
        return sp.Rational(str(raw))
    if isinstance(raw, int):
        return sp.Integer(raw)
    try:
        return parse_number(raw)
    except DeriveError as e:
        start = source.value_column("values", name, raw)
        e.spot = Spot(spot.file, spot.line, _shift(start, e.spot.column), spot.text if start else raw)
        raise


def _shift(start: int | None, column: int | None) -> int | None:
    if column is None:
        return None
    return start + column - 1 if start else column


def _gradient(data: dict, source: Source, title, lang) -> GradientExercise:
    values_raw = _table(data, "values", source)
    formulas_raw = _table(data, "formulas", source)
    if not formulas_raw:
        raise DeriveError("a gradient exercise needs a [formulas] table", Spot(file=source.path),
                          'add  [formulas]  with lines such as  loss = "log(pred)"')
    for name in values_raw:
        _check_name(name, "values", source)
    for name in formulas_raw:
        _check_name(name, "formulas", source)
        if name in values_raw:
            raise DeriveError(f"{name!r} is defined twice: as a value and as a formula",
                              source.spot("formulas", name))
    ranges = {name: range_of(raw, name, source) for name, raw in values_raw.items() if isinstance(raw, dict)}
    values = {name: ranges[name].default if name in ranges else value_of(raw, name, source)
              for name, raw in values_raw.items()}
    known = set(values) | set(formulas_raw)
    formulas = {name: _formula(name, text, known, source) for name, text in formulas_raw.items()}
    _check_acyclic(formulas, source)
    target, wrt = _gradient_table(data, values, formulas, source)
    return GradientExercise(source.path, title, lang, values, formulas, target, wrt, source, ranges=ranges,
                            variants=_table(data, "variants", source))


def _formula(name: str, text, known: set[str], source: Source) -> Formula:
    spot = source.spot("formulas", name)
    if not isinstance(text, str):
        raise DeriveError(f"formula {name!r} must be a string", spot, 'write it in quotes: m = "3a + 4b"')
    try:
        parsed = parse(text, known)
    except DeriveError as e:
        start = source.value_column("formulas", name, text)
        raise DeriveError(f"in formula {name!r}: {e.message}",
                          Spot(spot.file, spot.line, _shift(start, e.spot.column), spot.text if start else text),
                          e.hint) from None
    return Formula(name, text, parsed.expr, parsed.names, spot.line, as_written(text, known, parsed.expr))


def as_written(text: str, known, expr: sp.Expr) -> sp.Expr:
    """The formula parsed without simplification, for display; the simplified one if that fails."""
    try:
        return parse(text, known, evaluate=False).expr
    except (DeriveError, TypeError, ValueError):
        return expr


def _check_acyclic(formulas: dict[str, Formula], source: Source):
    """Refuse formulas that depend on each other in a cycle, naming the whole cycle."""
    uses = nx.DiGraph((name, used) for name, f in formulas.items() for used in f.uses if used in formulas)
    if nx.is_directed_acyclic_graph(uses):
        return
    ring = [name for name, _ in nx.find_cycle(uses)]          # each uses the next
    start = min(range(len(ring)), key=lambda i: list(formulas).index(ring[i]))
    ring = ring[start:] + ring[:start]
    first, second = ring[0], (ring + ring)[1]
    column = source.value_column("formulas", first, formulas[first].text)
    raise DeriveError(f"the formulas depend on each other in a cycle: {' -> '.join(ring + [first])} "
                      f"({first!r} uses {second!r}, which leads back to {first!r})",
                      source.spot("formulas", first, _shift(column, formulas[first].uses[second])),
                      "each formula may use only inputs and formulas that do not lead back to it")


def _gradient_table(data, values, formulas, source: Source) -> tuple[str, list[str]]:
    table = _table(data, "gradient", source)
    for key in table:
        if key not in ("of", "wrt"):
            raise DeriveError(f"unknown key {key!r} in [gradient]", source.spot("gradient", key),
                              "allowed: of, wrt")
    used = {n for f in formulas.values() for n in f.uses}
    target = table.get("of")
    if target is None:
        sinks = [n for n in formulas if n not in used]
        if len(sinks) != 1:
            raise DeriveError(f"cannot tell which formula is the target: {', '.join(sinks)}",
                              Spot(file=source.path), 'add  [gradient]  with  of = "loss"')
        target = sinks[0]
    elif target not in formulas:
        raise DeriveError(f"of = {target!r} is not a formula", source.spot("gradient", "of"),
                          _did_you_mean(target, formulas))
    wrt = table.get("wrt", list(values))
    if not isinstance(wrt, list) or not all(isinstance(w, str) for w in wrt):
        raise DeriveError("wrt must be a list of input names", source.spot("gradient", "wrt"))
    for w in wrt:
        if w not in values:
            raise DeriveError(f"wrt entry {w!r} is not an input (a name in [values])",
                              source.spot("gradient", "wrt"), _did_you_mean(w, values))
    if len(set(wrt)) != len(wrt):
        raise DeriveError("wrt names an input twice", source.spot("gradient", "wrt"))
    return target, wrt


def _did_you_mean(name: str, names) -> str | None:
    close = difflib.get_close_matches(name, list(names), n=1)
    return f"did you mean {close[0]!r}?" if close else None

