"""A class's answers to a student sheet (`derive grade`): TOML (one [[student]] table each), CSV (a row per
student, a column per answer named as the sheet names it), or Moodle's responses report exported as CSV (a
"Response N" column per question, "part 1: …; part 2: …" in each cell). Every error located: file, line,
column, and the names the sheet asks."""
from __future__ import annotations

import csv
import difflib
import io
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..core.errors import DeriveError, Spot
from ..core.i18n import Msg
from .exercise import read, toml_reason

MAX_STUDENTS = 2000


@dataclass
class Sheet:
    """One student's answers by name ("m", "dm/da", "bar z", "dloss/da", "dL/dW1[0, 1]", "w@1")."""

    student: str
    answers: dict = field(default_factory=dict)


def load(path: str, names: list[str], moodle_fields: list[str]) -> list[Sheet]:
    """The sheets of an answers file. `names`: every answer the sheet asks, element by element; `moodle_fields`:
    the answers a Moodle question asks, in the order of its fields (part 1, part 2, …)."""
    source = read(path)
    if path.lower().endswith(".csv"):
        return _csv(source, names, moodle_fields)
    return _toml(source, names)


def _number(raw, spot: Spot, name: str) -> Decimal | None:
    if raw is None or isinstance(raw, str) and not raw.strip():
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal, str)):
        raise DeriveError(Msg("err_answer_number", name=repr(name), raw=repr(raw)[:60]), spot,
                          Msg("err_answer_number_fix"))
    try:
        value = Decimal(str(raw).strip().replace(",", ".")) if isinstance(raw, str) else Decimal(str(raw))
    except InvalidOperation:
        raise DeriveError(Msg("err_answer_number", name=repr(name), raw=repr(raw)[:60]), spot,
                          Msg("err_answer_number_fix")) from None
    if not value.is_finite():
        raise DeriveError(Msg("err_answer_number", name=repr(name), raw=repr(raw)[:60]), spot,
                          Msg("err_answer_number_fix"))
    return value


def _unknown(name: str, names: list[str], spot: Spot) -> DeriveError:
    close = difflib.get_close_matches(name, names, n=1)
    hint = Msg("err_mean", name=repr(close[0])) if close else Msg("err_allowed", keys=", ".join(names[:12]) +
                                                                   (", …" if len(names) > 12 else ""))
    return DeriveError(Msg("err_answer_unknown", name=repr(name)), spot, hint)


def _toml(source, names: list[str]) -> list[Sheet]:
    try:
        data = tomllib.loads(source.text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        at = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line, column = (int(at.group(1)), int(at.group(2))) if at else (None, None)
        text = source.lines[line - 1] if line and line <= len(source.lines) else None
        raise DeriveError(Msg("err_invalid_toml", message=toml_reason(message[:at.start()].strip() if at else message)),
                          Spot(source.path, line, column, text)) from None
    students = data.get("student")
    starts = [i for i, line in enumerate(source.lines, 1) if re.match(r"\s*\[\[\s*student\s*\]\]", line)]
    if not isinstance(students, list) or not students or len(students) != len(starts):
        raise DeriveError(Msg("err_answers_students"), Spot(source.path, 1, 1, source.lines[0] if source.lines else None),
                          Msg("err_answers_students_fix"))
    if len(students) > MAX_STUDENTS:
        raise DeriveError(Msg("err_answers_many", limit=MAX_STUDENTS), Spot(source.path))
    sheets = []
    for number, (table, start) in enumerate(zip(students, starts), 1):
        end = starts[number] if number < len(starts) else len(source.lines) + 1
        where = {}
        for i in range(start, end):
            key = re.match(r"""\s*(["']?)(.+?)\1\s*=""", source.lines[i - 1])
            if key:
                where.setdefault(key.group(2), i)

        def spot(key: str) -> Spot:
            line = where.get(key, start)
            text = source.lines[line - 1]
            column = text.find("=") + 2 if "=" in text else 1
            return Spot(source.path, line, column + len(text[column - 1:]) - len(text[column - 1:].lstrip()), text)

        sheet = Sheet(str(table.get("name", number)))
        for key, raw in table.items():
            if key == "name":
                continue
            if isinstance(raw, list):             # a whole tensor: its elements, named as the sheet names them
                for index, value in _elements(raw):
                    name = f"{key}[{', '.join(map(str, index))}]"
                    if name not in names:
                        raise _unknown(name, names, spot(key))
                    sheet.answers[name] = _number(value, spot(key), name)
                continue
            if key not in names:
                raise _unknown(key, names, spot(key))
            sheet.answers[key] = _number(raw, spot(key), key)
        sheets.append(sheet)
    return sheets


def _elements(nested, index=()):
    if isinstance(nested, list):
        for i, item in enumerate(nested):
            yield from _elements(item, index + (i,))
    else:
        yield index, nested


STUDENT_COLUMNS = ("student", "name", "nombre", "estudiante", "alumno")
FIRST, LAST = ("first name", "nombre"), ("surname", "last name", "apellido(s)", "apellidos")
PART = re.compile(r"part\s*(\d+)\s*:\s*([^;]*)", re.I)


def _csv(source, names: list[str], moodle_fields: list[str]) -> list[Sheet]:
    rows = list(csv.reader(io.StringIO(source.text)))
    if not rows:
        raise DeriveError(Msg("err_answers_empty"), Spot(source.path))
    header = [h.strip() for h in rows[0]]
    lowered = [h.lower() for h in header]
    responses = [i for i, h in enumerate(lowered) if re.fullmatch(r"(response|respuesta)\s*\d+", h)]
    sheets = []
    if responses:               # Moodle's responses report: the cloze question's fields, "part k: value"
        first = next((i for i, h in enumerate(lowered) if h in FIRST), None)
        last = next((i for i, h in enumerate(lowered) if h in LAST), None)
        for line, row in enumerate(rows[1:], 2):
            if not any(cell.strip() for cell in row) or (row and row[0].lower().startswith("overall")):
                continue
            who = " ".join(row[i] for i in (first, last) if i is not None and i < len(row)).strip() or str(line - 1)
            sheet = Sheet(who)
            for i in responses:
                cell = row[i] if i < len(row) else ""
                for part, value in PART.findall(cell):
                    k = int(part) - 1
                    spot = Spot(source.path, line, _column(source.lines, line, cell), source.lines[line - 1])
                    if not 0 <= k < len(moodle_fields):
                        raise DeriveError(Msg("err_answers_part", part=part, count=len(moodle_fields)), spot)
                    sheet.answers[moodle_fields[k]] = _number(value, spot, moodle_fields[k])
            sheets.append(sheet)
        return sheets
    who = next((i for i, h in enumerate(lowered) if h in STUDENT_COLUMNS), None)
    for i, name in enumerate(header):
        if i != who and name and name not in names:
            raise _unknown(name, names, Spot(source.path, 1, _column(source.lines, 1, name), source.lines[0]))
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        sheet = Sheet(row[who].strip() if who is not None and who < len(row) else str(line - 1))
        for i, cell in enumerate(row):
            if i == who or i >= len(header) or not header[i]:
                continue
            spot = Spot(source.path, line, _column(source.lines, line, cell), source.lines[line - 1])
            sheet.answers[header[i]] = _number(cell, spot, header[i])
        sheets.append(sheet)
        if len(sheets) > MAX_STUDENTS:
            raise DeriveError(Msg("err_answers_many", limit=MAX_STUDENTS), Spot(source.path))
    if not sheets:
        raise DeriveError(Msg("err_answers_empty"), Spot(source.path))
    return sheets


def _column(lines: list[str], line: int, cell: str) -> int | None:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    at = text.find(cell) if cell else -1
    return at + 1 if at >= 0 else 1
