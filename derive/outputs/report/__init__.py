"""Worked solutions: compute each exercise once, build one Report per language, render every format."""
from __future__ import annotations

from ...pipeline import Computed, compute, stem_of  # noqa: F401  (re-exported: the API and tests read them here)
from . import benchmark
from ...core.i18n import LANGS
from ...model.exercise import title_for

FORMATS = ("md", "tex", "pdf", "ipynb", "html")


def build(c: Computed, lang: str, audience: str = "teacher"):
    """The Report of one computed exercise in one language: the worked solution (teacher), or the student's
    sheet (NAME-student: the statement and the steps as questions, without the solution's numbers)."""
    ex = c.exercise
    title = title_for(ex, lang) or c.stem
    if audience == "student":
        from ...core.i18n import t

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

    return benchmark.build(c.stem, title, c.stem, *c.results, lang)


def languages(option: str | None, exercise) -> list[str]:
    """--lang, else the exercise's lang, else English; "all" gives both."""
    if option == "all":
        return list(LANGS)
    if option:
        return [option]
    return [exercise.lang or "en"]
