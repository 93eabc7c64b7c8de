"""The report's document model: blocks of text, math, tables and figures that every renderer reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Union


@dataclass(frozen=True)
class M:
    """Inline math (LaTeX)."""

    tex: str


@dataclass(frozen=True)
class C:
    """Inline code."""

    text: str


@dataclass(frozen=True)
class B:
    """Bold text."""

    text: str


Span = Union[str, M, C, B]


def spans(*parts) -> list[Span]:
    return [p for p in parts if p != ""]


@dataclass
class Heading:
    level: int
    text: list[Span]


@dataclass
class Para:
    text: list[Span]
    formats: tuple[str, ...] = ()       # only in these formats (empty: all); e.g. a note on the files beside it


@dataclass
class Items:
    """A bulleted list."""

    items: list[list[Span]]


@dataclass
class Math:
    """Display math; rows of an `aligned` block are separated by \\\\ (renderers adapt it)."""

    tex: str
    wide: bool = False          # may exceed the line width: the LaTeX renderer scales it down


@dataclass
class Table:
    header: list[list[Span]]
    rows: list[list[list[Span]]]
    align: str = ""             # one of l/r/c per column (default: l then r)


@dataclass
class Figure:
    """A figure file made by the report's `figures` (without extension) and its caption."""

    name: str
    caption: list[Span]
    width: float = 1.0          # fraction of the text width in LaTeX
    alt: str | None = None      # what it shows, in words, for a screen reader (default: the caption as text)


@dataclass
class Code:
    """Python that reproduces a result; a runnable cell in the notebook."""

    source: str


@dataclass
class Mermaid:
    """A Mermaid flowchart (GitHub and JupyterLab draw it); LaTeX shows the figure instead."""

    text: str


Block = Union[Heading, Para, Items, Math, Table, Figure, Code, Mermaid]


@dataclass
class Report:
    """One exercise in one language: the blocks, the figures to draw, and extra files to write."""

    stem: str                                   # file name stem, e.g. "ejercicio2"
    lang: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    figures: dict[str, Callable[[str, tuple[str, ...]], None]] = field(default_factory=dict)
    attachments: dict[str, str] = field(default_factory=dict)   # file name -> text (DOT, TikZ, JSON)
    compact: bool = False        # no figures, files or code: one section of a longer document (answer keys)
    writing_room: bool = False   # a sheet students write on: rows and matrix cells spaced apart on paper

    def figure(self, name: str, draw, caption: list, width: float = 1.0, alt: str | None = None):
        """Add a figure drawn by `draw(path, formats)`, unless compact."""
        if not self.compact:
            self.figures[name] = draw
            self.add(Figure(name, caption, width, alt))

    def add(self, *blocks: Block) -> "Report":
        self.blocks.extend(blocks)
        return self


def rich(text: str) -> list[Span]:
    """Our own sentences (never user text) with inline math between $ signs and code between
    backticks, as spans."""
    parts = text.split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced $ in {text!r}")
    out: list[Span] = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(M(part))
            continue
        pieces = part.split("`")
        if len(pieces) % 2 == 0:
            raise ValueError(f"unbalanced ` in {text!r}")
        out += [C(p) if j % 2 else p for j, p in enumerate(pieces) if p]
    return out
