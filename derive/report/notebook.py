"""A Jupyter notebook (nbformat 4): the walkthrough in Markdown cells, the torch code as runnable cells."""
from __future__ import annotations

import json

from . import markdown
from .doc import Code, Math, Report

NBFORMAT = 4
NBFORMAT_MINOR = 5


def _cell_id(report: Report, i: int) -> str:
    return f"{report.stem}-{report.lang}-{i}"


def _markdown_cell(report, i, text: str) -> dict:
    return {"cell_type": "markdown", "id": _cell_id(report, i), "metadata": {}, "source": text}


def _code_cell(report, i, source: str) -> dict:
    return {"cell_type": "code", "id": _cell_id(report, i), "metadata": {}, "execution_count": None,
            "outputs": [], "source": source.rstrip("\n")}


def cells(report: Report) -> list[dict]:
    """Consecutive non-code blocks share one Markdown cell; each code block is its own cell."""
    out, pending = [], [f"# {markdown.text(report.title)}"]
    for b in report.blocks:
        if isinstance(b, Code):
            out.append(_markdown_cell(report, len(out), "\n\n".join(pending)))
            out.append(_code_cell(report, len(out), b.source))
            pending = []
        else:
            pending.append(_block(b, report))
    if pending:
        out.append(_markdown_cell(report, len(out), "\n\n".join(pending)))
    return out


def _block(b, report) -> str:
    # Jupyter's Markdown is MathJax on the raw text: \\ and \{ survive, but the portable forms render too
    if isinstance(b, Math):
        return "$$\n" + markdown.display(b.tex) + "\n$$"
    return markdown.block(b, report)


def render(report: Report) -> str:
    nb = {"nbformat": NBFORMAT, "nbformat_minor": NBFORMAT_MINOR,
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}},
          "cells": cells(report)}
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
