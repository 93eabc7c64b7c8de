"""Reading an exercise file's text: where each key's value is (line and column, for every error), and a value
written in TOML (a number, an exact string such as "1/3", nested arrays for tensors) as an exact number or array.
Every reader of a table (exercise.py, stepspec.py, seed.py) builds on these two."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import sympy as sp

from ..core import arrays
from ..core.budget import MAX_ELEMENTS, MAX_FLOAT, MAX_LITERAL_EXPONENT, MAX_RANK
from ..core.errors import DeriveError, Spot
from ..core.parser import parse_number
from ..core.i18n import Msg


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

    def under(self, table: str) -> "Source":
        """The same source with every lookup sent to `table`: a value read outside [values] (a seed, a
        learning rate) gets its errors located at its own line."""
        return _Under(self, table)

    def alias(self, key: tuple[str, str], to: tuple[str, str]):
        """Locate `key` (a table and name made by derive, not written) at the line of `to`."""
        if to in self._where:
            self._where[key] = self._where[to]

    def spot(self, table: str, key: str, column: int | None = None) -> Spot:
        """Where `key =` under `[table]` is: its line, and the column given or else that of its value (a
        table's own line: its header), so every error of a file has a line and a column."""
        line = self._where.get((table, key))
        if line is None:
            return Spot(self.path, None, column, None)
        text = self.lines[line - 1]
        if column is None:
            equals = text.find("=") if table or key else -1
            start = equals + 1 if equals >= 0 and not re.match(r"\s*\[", text) else 0
            column = start + len(text[start:]) - len(text[start:].lstrip()) + 1
        return Spot(self.path, line, column, text)

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


class _Under:
    def __init__(self, source: Source, table: str):
        self._source, self._table = source, table

    def spot(self, table: str, key: str, column: int | None = None) -> Spot:
        return self._source.spot(self._table, key, column)

    def value_column(self, table: str, key: str, value: str) -> int | None:
        return self._source.value_column(self._table, key, value)

    def __getattr__(self, name):
        return getattr(self._source, name)


def value_of(raw, name: str, source: Source):
    """An exact value from TOML: int, float (as the decimal written) or a string such as "1/3"; a list is a
    vector, a list of lists a matrix (rows)."""
    if isinstance(raw, list):
        return _tensor(raw, name, source)
    value = _scalar(raw, name, source)
    if abs(float(value)) > MAX_FLOAT:
        raise DeriveError(Msg("err_float64_value", name=f'{name!r}'),
                          source.spot("values", name), Msg("err_float64_value_fix"))
    return value


def _scalar(raw, name: str, source: Source) -> sp.Expr:
    spot = source.spot("values", name)
    if isinstance(raw, bool) or not isinstance(raw, (int, Decimal, str)):
        raise DeriveError(Msg("err_not_number", name=f'{name!r}', raw=f'{raw!r}'), spot,
                          Msg("err_number_hint"))
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise DeriveError(Msg("err_not_finite", name=f'{name!r}'), spot)
        if abs(raw.adjusted()) > MAX_LITERAL_EXPONENT or len(raw.as_tuple().digits) > 200:
            raise DeriveError(Msg("err_literal_beyond", name=f'{name!r}', limit=MAX_LITERAL_EXPONENT), spot)
        return sp.Rational(str(raw))
    if isinstance(raw, int):
        return sp.Integer(raw)
    try:
        return parse_number(raw)
    except DeriveError as e:
        start = source.value_column("values", name, raw)
        e.spot = Spot(spot.file, spot.line, shift_column(start, e.spot.column), spot.text if start else raw)
        raise


def _tensor(raw: list, name: str, source: Source):
    """A tensor of any rank up to MAX_RANK from nested TOML arrays (a vector, a matrix as a list of rows, a batch
    of images as lists of lists of rows), checked to be rectangular and made of numbers."""
    spot = source.spot("values", name)
    example = Msg("err_tensor_example")
    level, depth = [raw], 0
    while any(isinstance(v, list) for v in level):
        if not all(isinstance(v, list) for v in level):
            raise DeriveError(Msg("err_mixed", name=f'{name!r}'), spot, example)
        depth += 1
        if depth > MAX_RANK:
            raise DeriveError(Msg("err_dimensions", name=f'{name!r}', limit=MAX_RANK), spot,
                              Msg("err_dimensions_fix", limit=MAX_RANK))
        lengths = [len(v) for v in level]
        if 0 in lengths:
            raise DeriveError(Msg("err_empty_array", name=f'{name!r}'), spot, example)
        if len(set(lengths)) != 1:
            raise DeriveError(Msg("err_ragged", name=f'{name!r}', rows=", ".join(map(str, lengths[:12]))),
                              spot, example)
        level = [v for row in level for v in row]
    value = arrays.array(raw, lambda v: _scalar(v, name, source))
    if value.size > MAX_ELEMENTS:
        raise DeriveError(Msg("err_elements", name=f'{name!r}', count=value.size, limit=MAX_ELEMENTS), spot)
    if any(abs(float(v)) > MAX_FLOAT for v in value.flat):
        raise DeriveError(Msg("err_element_float64", name=f'{name!r}'), spot)
    return value


def shift_column(start: int | None, column: int | None) -> int | None:
    if column is None:
        return None
    return start + column - 1 if start else column
