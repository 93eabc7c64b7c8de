"""The training-step section of a gradient walkthrough (scalar or tensor): each parameter's update with its
numbers, the loss after it, and for several steps a table and a plot of the loss."""
from __future__ import annotations

from ...model.derivation import Derivation
from . import figures
from .blocks import relation, value_tex
from .doc import Heading, Math, Para, Report, Table, rich
from ...core.i18n import t
from .mathtex import name, partial, short, tex

ROWS_SHOWN = 12           # steps listed in the table: the first ones and the last


def section(r: Report, d: Derivation, lang: str):

    points = d.training
    if not points:
        return
    step, target = d.exercise.step, d.target
    eta = tex(step.learning_rate, lang)
    r.add(Heading(3, [t(lang, "train" if step.steps == 1 else "train_many")]))     # part of "the gradient"
    if step.update == "sgd":
        r.add(Para(rich(t(lang, "train_sgd", eta=f"$\\eta = {eta}$", target=f"${name(target)}$"))))
    else:
        r.add(Para(rich(t(lang, "train_momentum", eta=f"$\\eta = {eta}$", beta=f"$\\beta = {tex(step.momentum, lang)}$",
                          target=f"${name(target)}$"))))
    before, after = points[0], points[1]
    rows = []
    for x in d.exercise.wrt:
        new = after.exact[x] if after.exact else None
        rows.append(rf"{name(x)} &\leftarrow {name(x)} - \eta \, {partial(target, x)} "
                    rf"= {value_tex(before.exact[x], before.value[x], lang)} - {eta} \cdot "
                    rf"{value_tex(d.gradients[x].exact, d.gradients[x].value, lang)} \cr "
                    rf"&{relation(new, after.value[x])} {value_tex(new, after.value[x], lang)}")
    r.add(Math(r"\begin{aligned} " + r" \\ ".join(rows) + r" \end{aligned}", wide=True))
    r.add(Para(rich(t(lang, "train_loss", target=f"${name(target)}$", before=f"${short(before.loss, 10)}$",
                      after=f"${short(after.loss, 10)}$"))))
    if step.steps > 1:
        _many(r, d, points, lang)


def _many(r: Report, d: Derivation, points, lang: str):
    shown = points if len(points) <= ROWS_SHOWN else points[:ROWS_SHOWN - 2] + points[-2:]
    rows = [[[str(p.step)], rich(f"${short(p.loss, 12)}$")] for p in shown]
    if len(shown) < len(points):
        rows.insert(ROWS_SHOWN - 2, [["…"], ["…"]])
    r.add(Para(rich(t(lang, "train_table", steps=len(points) - 1, target=f"${name(d.target)}$"))),
          Table([[t(lang, "step_axis")], rich(f"${name(d.target)}$")], rows, "rr"))
    losses = [float(p.loss) for p in points]
    r.figure(f"{r.stem}.loss", lambda path, formats: figures.loss_plot(losses, d.target, path, formats, lang),
             rich(t(lang, "train_caption", target=f"${name(d.target)}$")))
