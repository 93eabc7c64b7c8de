"""derive from Python, for notebooks: an Exercise computed once, and each step of its solution as an object
that shows itself in Jupyter (Markdown, HTML with MathML, PNG) and is plain data for code (`to_dict()`,
the same contract as `gradients --json`).

    import derive
    ex = derive.Exercise.load("ejercicio2")            # or .from_toml(text), or Exercise(values=..., formulas=...)
    ex.gradients()                                      # a table in Jupyter; .to_dict() for code
    ex.checks(); ex.graph(); ex.report(lang="es")
"""
from __future__ import annotations

import math
import re
import tempfile
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from pathlib import Path

from .. import pipeline
from ..core.budget import MAX_LITERAL
from ..core.errors import DeriveError, Spot
from ..outputs.report.steps import STEPS
from ..core.tomltext import toml_basic, toml_key
from ..core.i18n import LANGS, Msg, said, t
from ..model.exercise import Source, loads, read, resolve
from ..outputs.report import build, html, markdown
from ..outputs.report.doc import Heading, Report
from ..outputs.report.notebook import api_notebook
from ..outputs.report.write import tex_engine, write
from ..outputs.textjson import to_json



MAX_NESTING = 8                 # lists inside lists a value may have (a tensor's rank)


def _toml(value, where: str, depth: int = 0) -> str:
    """A Python value as TOML (numbers, strings such as "1/3", lists, range tables); anything else a DeriveError
    located at the argument (`values['a']`)."""
    if isinstance(value, bool) or value is None:
        raise DeriveError(Msg("err_api_not_number", value=f'{value!r}'), Spot(file=where),
                          Msg("err_api_not_number_fix"))
    if isinstance(value, int):
        if abs(value).bit_length() > MAX_LITERAL * 3.33:       # its decimal text past the literal limit
            raise DeriveError(Msg("err_api_long_integer", n=MAX_LITERAL), Spot(file=where),
                              Msg("err_api_long_integer_fix"))
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DeriveError(Msg("err_api_not_finite", value=f'{value!r}'), Spot(file=where),
                              Msg("err_api_not_finite_fix"))
        return repr(value)
    if isinstance(value, str):
        return toml_basic(value)
    if isinstance(value, (list, tuple)):
        if depth >= MAX_NESTING:
            raise DeriveError(Msg("err_api_nested", n=MAX_NESTING), Spot(file=where))
        return "[" + ", ".join(_toml(v, where, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_basic(str(k))} = {_toml(v, where, depth + 1)}" for k, v in value.items()) + " }"
    if isinstance(value, (Fraction, Decimal)) or getattr(value, "is_number", False):
        return toml_basic(str(value))            # Fraction, Decimal, SymPy numbers: their exact text
    raise DeriveError(Msg("err_api_type", kind=f'{type(value).__name__!r}'), Spot(file=where),
                      Msg("err_api_not_number_fix"))


def _names(value, what: str) -> list[str] | str | None:
    """`of` (a name or a list of names) and `wrt` (a list of names) checked, or a located DeriveError."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if what == "of" else [value]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise DeriveError(Msg("err_api_names", what=what, value=repr(value)[:160]),
                      Spot(file=what), Msg("err_api_names_fix"))


def _table(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise DeriveError(Msg("err_api_table", what=what, kind=type(value).__name__),
                          Spot(file=what), f"for example {what}={{'a': 2}}" if what == "values" else
                          f"for example {what}={{'y': 'a^2'}}")
    return value


def toml_text(values: dict, formulas: dict, of: str | None = None, wrt=None, title: str | None = None,
              lang: str = "en") -> str:
    """The exercise file the arguments stand for; a bad argument is a DeriveError naming it."""
    values, formulas = _table(values, "values"), _table(formulas, "formulas")
    of, wrt = _names(of, "of"), _names(wrt, "wrt")
    if lang not in ("en", "es"):
        raise DeriveError(Msg("err_api_lang", value=repr(lang)[:160]), Spot(file="lang"))
    if title is not None and not isinstance(title, (str, dict)):
        raise DeriveError(Msg("err_api_title"), Spot(file="title"))
    for name, formula in formulas.items():
        if not isinstance(formula, str):
            raise DeriveError(Msg("err_api_formula", kind=type(formula).__name__),
                              Spot(file=f"formulas[{name!r}]"), Msg("err_api_formula_fix"))
    lines = [f"title = {_toml(title, 'title')}"] if title else []
    lines += ['kind = "gradient"', f"lang = {toml_basic(lang)}", "[values]"]
    lines += [f"{toml_key(k)} = {_toml(v, f'values[{k!r}]')}" for k, v in values.items()]
    lines += ["[formulas]"] + [f"{toml_key(k)} = {toml_basic(v)}" for k, v in formulas.items()]
    if of or wrt:
        lines.append("[gradient]")
        lines += [f"of = {_toml(of, 'of')}"] if of else []
        lines += [f"wrt = {_toml(wrt, 'wrt')}"] if wrt else []
    return "\n".join(lines) + "\n"


def _at_argument(e: DeriveError, toml: str, formulas: dict, values: dict):
    """An error in the TOML built from the arguments, located in the argument instead: formulas['y'], its own
    text and column (the user never wrote a file)."""
    if e.spot.line is None or not toml:
        return
    line = toml.splitlines()[e.spot.line - 1] if e.spot.line <= len(toml.splitlines()) else ""
    for table, items in (("formulas", formulas), ("values", values)):
        for key, value in items.items():
            if line.startswith(f"{toml_key(key)} = "):
                start = len(toml_key(key)) + len(" = ") + (1 if table == "formulas" else 0)
                e.spot = Spot(f"{table}[{key!r}]", None,
                              None if e.spot.column is None else max(1, e.spot.column - start),
                              value if isinstance(value, str) else None)
                return


class Exercise:
    """One exercise, parsed and checked as `derive` does a file; everything is computed on first use."""

    def __init__(self, values: dict | None = None, formulas: dict | None = None, of: str | None = None,
                 wrt=None, title: str | None = None, lang: str = "en", *, toml: str | None = None,
                 name: str = "exercise"):
        self._arguments = None if toml is not None else (formulas or {}, values or {})
        try:
            self.toml = toml if toml is not None else toml_text(values or {}, formulas or {}, of, wrt, title, lang)
            self.exercise = loads(Source(f"{name}.toml", self.toml))
        except DeriveError as e:        # said in the exercise's language, at the argument, without derive's frames
            e.lang = lang if lang in LANGS else "en"
            if toml is None:
                _at_argument(e, self.toml if hasattr(self, "toml") else "", formulas or {}, values or {})
            raise e.with_traceback(None) from None

    @classmethod
    def from_toml(cls, text: str, name: str = "exercise") -> "Exercise":
        return cls(toml=text, name=name)

    @classmethod
    def load(cls, path: str | Path) -> "Exercise":
        """An exercise file, or a bundled exercise's name ("ejercicio2")."""
        found = resolve(str(path))
        return cls(toml=read(found).text, name=found.stem)

    @property
    def lang(self) -> str:
        return self.exercise.lang or "en"

    @cached_property
    def computed(self):
        """Every number of the worked solution (exact values, 30-digit decimals, torch checks), once."""
        try:
            return pipeline.compute(self.exercise)
        except DeriveError as e:          # a domain error at the point: in the exercise's language, no frames
            e.lang = self.lang
            if self._arguments is not None:
                _at_argument(e, self.toml, *self._arguments)
            raise e.with_traceback(None) from None

    def to_dict(self) -> dict:
        """What `derive gradients --json` prints (for a gradient exercise)."""
        return to_json(*self.computed.results)

    def report(self, lang: str | None = None, audience: str = "teacher") -> "Document":
        """The worked solution (or with audience="student", the student's sheet)."""
        return Document(build(self.computed, lang or self.lang, audience), self)

    def step(self, name: str, lang: str | None = None) -> "Document":
        """One section of the worked solution: statement, forward, graph, local_derivatives, backward,
        gradients, checks or diagnostics."""
        if name not in STEPS:
            raise ValueError(f"no step {name!r}; steps: {', '.join(STEPS)}")
        return self.report(lang).section(*STEPS[name])

    def statement(self, lang=None): return self.step("statement", lang)
    def forward(self, lang=None): return self.step("forward", lang)
    def graph(self, lang=None): return self.step("graph", lang)
    def local_derivatives(self, lang=None): return self.step("local_derivatives", lang)
    def backward(self, lang=None): return self.step("backward", lang)
    def gradients(self, lang=None): return self.step("gradients", lang)
    def checks(self, lang=None): return self.step("checks", lang)
    def diagnostics(self, lang=None): return self.step("diagnostics", lang)
    def training(self, lang=None): return self.step("training", lang)

    def notebook(self, lang: str | None = None) -> str:
        """A notebook (.ipynb text) that builds this exercise from its TOML and shows one step per cell: it
        needs derive installed, nothing beside it."""
        return api_notebook(self.toml, self.exercise, lang or self.lang)

    def __repr__(self) -> str:
        return f"<derive.Exercise {Path(self.exercise.path).stem}: {self.exercise.kind}>"


_NUMBERED = re.compile(r"^\d+\.\s*")


class Document:
    """A report, or one section of it: Markdown and HTML for Jupyter, figures drawn when first shown."""

    def __init__(self, report, owner: Exercise, keys: tuple[str, ...] = ()):
        self.report, self.owner, self.keys = report, owner, keys
        self._folder = None

    def section(self, headings: tuple[str, ...], keys: tuple[str, ...]) -> "Document":
        """The section whose heading is one of `headings` (i18n keys), as its own document."""
        titles = {_NUMBERED.sub("", t(self.report.lang, key)) for key in headings}
        heads = [i for i, b in enumerate(self.report.blocks) if isinstance(b, Heading)]
        found = next((i for i in heads if _NUMBERED.sub("", _plain(self.report.blocks[i].text)) in titles), None)
        if found is None:
            raise ValueError(f"this exercise's solution has no section {' or '.join(sorted(titles))!r}")
        level = self.report.blocks[found].level
        end = next((i for i in heads if i > found and self.report.blocks[i].level <= level), len(self.report.blocks))
        blocks = self.report.blocks[found + 1:end]
        names = {b.name for b in blocks if hasattr(b, "name")}
        part = Report(self.report.stem, self.report.lang, _plain(self.report.blocks[found].text), blocks,
                      {k: v for k, v in self.report.figures.items() if k in names})
        return Document(part, self.owner, keys)

    @property
    def title(self) -> str:
        return self.report.title

    @property
    def markdown(self) -> str:
        return markdown.render(self.report)

    def html(self) -> str:
        """A self-contained page (figures embedded, math as MathML)."""
        return html.render(self.report, self.figures())

    def figures(self) -> Path:
        """The folder where this document's figures are drawn (PNG), drawn once; removed with the document."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="derive-figures-")
            for name, draw in self.report.figures.items():
                draw(str(Path(self._folder.name) / name), ("png",))
        return Path(self._folder.name)

    def to_dict(self) -> dict:
        """The parts of `gradients --json` this step shows (the whole object for a whole report)."""
        data = self.owner.to_dict()
        return {k: data[k] for k in self.keys if k in data} if self.keys else data

    def _repr_markdown_(self) -> str:
        return self.markdown

    def _repr_html_(self) -> str:
        page = self.html()
        return page[page.index("<body>") + len("<body>"):page.index("</body>")]

    def _repr_png_(self) -> bytes | None:
        """The section's first figure (the graph, the finite-difference curve), where it has one."""
        for name in self.report.figures:
            return (self.figures() / f"{name}.png").read_bytes()
        return None

    def save(self, folder: str | Path, formats: str = "md,html") -> list[Path]:
        """Write it as `derive report` does (md, tex, pdf, ipynb, html) into folder/<lang>/."""
        wanted = set(formats.split(","))
        written, problems = write([self.report], Path(folder), wanted, tex_engine() if "pdf" in wanted else None)
        if problems:
            raise RuntimeError("\n".join(said(p, self.report.lang) for p in problems))
        return written

    def __repr__(self) -> str:
        return f"<derive.Document {self.title!r}>"


def _plain(spans) -> str:
    return "".join(s if isinstance(s, str) else getattr(s, "tex", getattr(s, "text", "")) for s in spans)
