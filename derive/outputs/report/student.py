"""The student's version of a gradient exercise (`report --for student`): the statement, the graph with names
only, and the steps of the solution as numbered questions with a blank for each answer. No number of the
solution appears: only the values and formulas the statement gives."""
from __future__ import annotations

import math

from ...model.derivation import Derivation
from . import figures, gradient, tensor
from .doc import Heading, Math, Para, Report, rich
from ...core.i18n import t
from ...core.ops import shape_text
from .mathtex import bar, name, partial, tex

BLANK = r"\underline{\hspace{6em}}"


def build(stem: str, title: str, d: Derivation, lang: str, compact: bool = False) -> Report:
    """Statement, graph to label, then forward pass, local derivatives (scalars), backward pass and gradient
    as questions; the walkthrough (`--for teacher`) answers them. compact: no figure (a variants sheet)."""
    r = Report(stem, lang, title, compact=compact, writing_room=True)
    statement = tensor.statement if d.tensor else gradient.statement
    statement(r, d, lang)
    r.blocks = [b for b in r.blocks if not solution_hint(b, lang)]        # "we compute them three ways"
    r.add(Para(rich(t(lang, "stu_instructions"))))
    r.figure(f"{stem}.graph", figures.shared(lambda path, formats: figures.graph_figure(d, path, formats, blank=True),
                                             ("blank", id(d))),
             rich(t(lang, "stu_graph_caption", target=f"${name(d.target)}$")))
    number = 1
    formulas = [n for n in d.order if n in d.exercise.formulas]
    target = f"${name(d.target)}$"
    number = _questions(r, number, lang, "stu_forward", target, [f"{name(n)} = {blank(d.nodes[n].shape)}" for n in formulas])
    if not d.tensor:
        edges = [(p, c) for c in formulas for p in d.graph.predecessors(c) if (p, c) in d.edges]
        number = _questions(r, number, lang, "stu_local", target, [f"{partial(c, p)} = {BLANK}" for p, c in edges])
    adjoints = [n for n in d.backward_order() if n in d.adjoints and n != d.target]
    number = _questions(r, number, lang, "stu_backward", target,
                        [f"{bar(n)} = {blank(d.nodes[n].shape)}" for n in adjoints])
    number = _questions(r, number, lang, "stu_gradient", target,
                        [f"{partial(d.target, x)} = {blank(d.nodes[x].shape)}" for x in d.exercise.wrt])
    step = d.exercise.step
    if step is not None:                 # the training step the exercise asks, as torch.optim.SGD takes it
        _questions(r, number, lang, "stu_step", target,
                   [f"{name(x)} - \\eta \\, {partial(d.target, x)} = {blank(d.nodes[x].shape)}" for x in d.exercise.wrt],
                   rate=f"$\\eta = {tex(step.learning_rate)}$",
                   update=t(lang, f"stu_update_{step.update}"))
    r.add(Para(rich(t(lang, "stu_check"))))
    return r


def blank(shape: tuple) -> str:
    """A blank shaped like its answer: a line for a number, a bracket of lines for a vector, a grid for a matrix."""
    if not shape:
        return BLANK
    if math.prod(shape) > MOST_CELLS:            # no room on paper for each element: one line, and the shape
        return BLANK + rf"\;\text{{{shape_text(shape)}}}"
    if len(shape) > 2:                           # a list of matrices, as the report writes such a tensor
        return r"\left[" + ",\\;".join([blank(shape[1:])] * shape[0]) + r"\right]"
    if len(shape) == 1:
        return r"\left[" + ",\\;".join([CELL] * shape[0]) + r"\right]"
    rows, columns = shape[0], shape[1] if len(shape) > 1 else 1
    return r"\begin{pmatrix}" + r" \cr ".join(" & ".join([CELL] * columns) for _ in range(rows)) + r"\end{pmatrix}"


CELL = r"\underline{\hspace{3.5em}}"
MOST_CELLS = 24          # blanks one answer may take on the sheet


def _questions(r: Report, number: int, lang: str, key: str, target: str, rows: list[str], **values) -> int:
    """One numbered question: its heading and sentence, then one row with a blank per answer asked."""
    r.add(Heading(2, [f"{number}. {t(lang, key)}"]), Para(rich(t(lang, key + "_text", target=target, **values))),
          Math(r"\begin{aligned} " + r" \\ ".join(f"&{row}" for row in rows) + r" \end{aligned}"))
    return number + 1


def solution_hint(block, lang: str) -> bool:
    return isinstance(block, Para) and any(isinstance(s, str) and t(lang, "g_three_ways")[:30] in s
                                           for s in block.text)
