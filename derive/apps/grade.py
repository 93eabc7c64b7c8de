"""`derive grade FILE ANSWERS`: a class's answers to the student sheet of FILE, marked answer by answer, each
wrong one with the mistake that gives it (or the two that give the same value, or none known) and the first step
where a student's work departs; for a class, a summary in Markdown and HTML with a chart of the mistakes by
step."""
from __future__ import annotations

from pathlib import Path

import mpmath

from .. import pipeline
from ..core import arrays
from ..core.errors import DeriveError
from ..core.i18n import Listing, Msg
from ..extend.grading import grade
from ..extend.mistakes import Chain, Quantity, answer_name, answers
from ..model import answers as answers_file
from ..model.exercise import title_for
from ..outputs.report import grades, stem_of
from ..outputs.report.moodle import FLOOR_FRACTION
from ..outputs.report.write import write

TOLERANCE = 0.01             # as the answer key and Moodle: within 1 % of the exact value, and never closer than
                             # Moodle's share (FLOOR_FRACTION) of that tolerance of a quantity's largest element


def floor_of(chain: Chain):
    """Each quantity's absolute floor, from the scale of its own elements (an exact 0 needs one)."""
    floors = {}
    for q in chain.quantities:
        scale = max((abs(v) for v in arrays.flat(chain.right[q])), default=mpmath.mpf(0))
        floors[q] = scale * TOLERANCE * FLOOR_FRACTION if scale else mpmath.mpf("1e-12")
    return floors


def marked(ex, path: str) -> tuple[Chain, list]:
    """The chain of the exercise's sheet and each student's verdicts."""
    if ex.kind != "gradient":
        raise DeriveError(Msg("err_needs_kind", file=ex.path, kind=repr(ex.kind), command="grade",
                              wanted='"gradient"'))
    d = pipeline.compute(ex, pipeline.Options(checks=False, training=False)).derivation
    chain = Chain(d)
    names = [answer_name(chain, q, i) for q, i in answers(chain)]
    moodle_fields = [answer_name(chain, Quantity("adjoint", x, input=True), i)
                     for x in ex.wrt for i in arrays.indices(arrays.shape_of(chain.right[Quantity("adjoint", x)]))]
    floors = floor_of(chain)
    graded = []
    for sheet in answers_file.load(path, names, moodle_fields):
        given = {k: v for k, v in sheet.answers.items() if v is not None}
        graded.append((sheet.student, grade(chain, given, TOLERANCE, floors)))
    return chain, graded


def run(ex, path: str, lang: str, out: str | None) -> tuple[str, list[Path]]:
    """The terminal's text and, for a class (or with --out), the summary files written."""
    _, graded = marked(ex, path)
    text = grades.text(graded, lang)
    written: list[Path] = []
    if out is not None or len(graded) > 1:
        title = title_for(ex, lang) or stem_of(ex.path)
        report = grades.build(stem_of(ex.path), title, graded, lang)
        written, problems = write([report], Path(out or "grades"), {"md", "html"}, None)
        if problems:
            raise DeriveError(Msg("err_grades_written", problems=Listing(problems, "list_semicolon")))
    return text, written

