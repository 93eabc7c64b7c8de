"""A Jupyter notebook (nbformat 4): the walkthrough in Markdown cells, one per section, the torch code as
runnable cells, and every figure as an attachment of its cell, so the .ipynb works alone (uploaded to Colab
without its folder)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

from . import markdown, stem_of
from .doc import Code, Figure, Heading, Math, Report
from ...core.i18n import t
from ...model.exercise import title_for
from .steps import STEPS

NBFORMAT = 4
NBFORMAT_MINOR = 5


def _cell_id(report: Report, i: int) -> str:
    return f"{report.stem}-{report.lang}-{i}"


def _markdown_cell(report, i, text: str, attachments: dict | None = None) -> dict:
    cell = {"cell_type": "markdown", "id": _cell_id(report, i), "metadata": {}, "source": text}
    if attachments:
        cell["attachments"] = attachments
    return cell


def _code_cell(report, i, source: str) -> dict:
    return {"cell_type": "code", "id": _cell_id(report, i), "metadata": {}, "execution_count": None,
            "outputs": [], "source": source.rstrip("\n")}


def cells(report: Report, folder: Path | None = None) -> list[dict]:
    """A Markdown cell per section (a level-2 heading starts one); each code block is its own cell. With
    `folder` (where the figures were drawn), each figure travels inside its cell as an attachment."""
    out, pending, attachments = [], [f"# {markdown.text(report.title)}"], {}

    def flush():
        if pending:
            out.append(_markdown_cell(report, len(out), "\n\n".join(pending), dict(attachments)))
        pending.clear()
        attachments.clear()

    for b in report.blocks:
        if isinstance(b, Code):
            flush()
            out.append(_code_cell(report, len(out), b.source))
            continue
        if isinstance(b, Heading) and b.level == 2:
            flush()
        png = folder / f"{b.name}.png" if isinstance(b, Figure) and folder is not None else None
        if png is not None and png.exists():
            attachments[png.name] = {"image/png": base64.b64encode(png.read_bytes()).decode("ascii")}
            pending.append(_block(b, report).replace(f"]({png.name})", f"](attachment:{png.name})"))
        else:
            pending.append(_block(b, report))
    flush()
    return out


def _block(b, report) -> str:
    # Jupyter's Markdown is MathJax on the raw text: \\ and \{ survive, but the portable forms render too
    if isinstance(b, Math):
        return "$$\n" + markdown.display(b.tex) + "\n$$"
    return markdown.block(b, report)


def _notebook(cell_list: list[dict]) -> str:
    nb = {"nbformat": NBFORMAT, "nbformat_minor": NBFORMAT_MINOR,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}},
          "cells": cell_list}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def render(report: Report, folder: Path | None = None) -> str:
    return _notebook(cells(report, folder))


def api_notebook(toml: str, exercise, lang: str) -> str:
    """A notebook on derive's Python API: the exercise's TOML inside its first code cell (so the .ipynb
    needs nothing beside it), then one cell per step of the solution, each showing itself."""
    stem = stem_of(exercise.path)
    report = Report(f"{stem}-api", lang, title_for(exercise, lang) or stem)
    out = [_markdown_cell(report, 0, f"# {markdown.text(report.title)}\n\n{t(lang, 'api_intro')}"),
           _code_cell(report, 1, f"import derive\n\nTOML = {toml!r}\nex = derive.Exercise.from_toml(TOML, "
                                 f"name={stem!r})\nex")]
    steps = [s for s in STEPS if not (exercise.tensor and s == "local_derivatives")
             and (s != "training" or exercise.step is not None)] if exercise.kind == "gradient" else []
    for name in steps:
        out.append(_code_cell(report, len(out), f"ex.{name}(lang={lang!r})"))
    out.append(_code_cell(report, len(out), "ex.report(lang=%r)" % lang if not steps else
                          "data = ex.to_dict()        # the same object as `derive gradients --json`\n"
                          "{x: g['decimal'] for x, g in data['gradients'].items()}"))
    return _notebook(out)
