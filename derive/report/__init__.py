"""Worked solutions: compute each exercise once, build one Report per language, render every format."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DeriveError

FORMATS = ("md", "tex", "pdf", "ipynb", "html")


@dataclass
class Computed:
    """An exercise and everything computed about it, shared by both languages and every format."""

    exercise: object
    stem: str
    results: tuple


def stem_of(path: str) -> str:
    """A safe file-name stem from an exercise's path: letters, digits, '-', '_' and '.' only."""
    stem = re.sub(r"[^\w.-]", "_", Path(path).stem).strip(".") or "exercise"
    return stem[:80]


def compute(exercise, quick_bench: bool = True) -> Computed:
    """Every number the report needs, computed once."""
    stem = stem_of(exercise.path)
    if exercise.kind == "gradient":
        from ..engine import derive
        from ..numeric import check_gradients

        d = derive(exercise)
        if exercise.step is not None:
            from ..training import train

            d.training = train(d, exercise.step)
        return Computed(exercise, stem, (d, check_gradients(d)))
    if exercise.kind == "linear-system":
        from ..solvers import study
        from ..system import analyse

        analysis = analyse(exercise.system)
        return Computed(exercise, stem, (analysis, study(exercise.system, analysis)))
    if exercise.kind == "matmul-benchmark":
        from ..bench import run

        return Computed(exercise, stem, (run(exercise.spec, quick=quick_bench),))
    raise DeriveError(f"no report for kind {exercise.kind!r}")


def build(c: Computed, lang: str, audience: str = "teacher"):
    """The Report of one computed exercise in one language: the worked solution (teacher), or the student's
    sheet (NAME-student: the statement and the steps as questions, without the solution's numbers)."""
    from ..exercise import title_for

    ex = c.exercise
    title = title_for(ex, lang) or c.stem
    if audience == "student":
        from .i18n import t

        sheet = t(lang, "stu_title", title=title)
        if ex.kind == "gradient":
            from . import student

            return student.build(f"{c.stem}-student", sheet, c.results[0], lang)
        full = build(c, lang)                                  # other kinds: their statement, as the sheet
        cut = next((i for i, b in enumerate(full.blocks[1:], 1) if type(b).__name__ == "Heading"
                    and b.level == 2), len(full.blocks))
        return type(full)(f"{c.stem}-student", lang, sheet, full.blocks[:cut])
    if ex.kind == "gradient" and ex.tensor:
        from . import tensor

        return tensor.build(c.stem, title, *c.results, lang)
    if ex.kind == "gradient":
        from . import gradient

        return gradient.build(c.stem, title, *c.results, lang)
    if ex.kind == "linear-system":
        from . import linear

        return linear.build(c.stem, title, ex.system, *c.results, lang)
    from . import benchmark

    return benchmark.build(c.stem, title, c.stem, *c.results, lang)


def languages(option: str | None, exercise) -> list[str]:
    """--lang, else the exercise's lang, else English; "all" gives both."""
    from .i18n import LANGS

    if option == "all":
        return list(LANGS)
    if option:
        return [option]
    return [exercise.lang or "en"]
