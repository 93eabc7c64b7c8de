"""Markdown with $…$ and $$…$$ math that GitHub, Jupyter and VS Code all render (KaTeX-checked)."""
from __future__ import annotations

import re

from .doc import B, C, Code, Figure, Heading, Items, M, Math, Mermaid, Para, Report, Table

_TEXT_SPECIALS = re.compile(r"([\\`*_\[\]<>$|#~])")


def portable(tex: str) -> str:
    """Math that survives GitHub's Markdown pass: GitHub strips the backslash of \\\\ and \\{ before
    MathJax sees them, so rows end with \\cr, braces are \\lbrace/\\rbrace and bars \\vert (which
    also keeps table cells intact)."""
    tex = tex.replace(r"\\", r"\cr ").replace(r"\{", r"\lbrace ").replace(r"\}", r"\rbrace ")
    tex = tex.replace(r"\|", r"\Vert ")
    tex = tex.replace(r"\left|", r"\left\vert ").replace(r"\right|", r"\right\vert ").replace("|", r"\vert ")
    return re.sub(r"\s+", " ", tex).strip()


WIDTH = 110


def wrap(line: str, width: int = WIDTH) -> str:
    """A paragraph as lines of about `width` characters (Markdown joins them again), broken only at spaces
    outside inline math and code, so no line of a report is hundreds of characters long."""
    out, current, inside = [], "", None
    i = 0
    words = []
    word = ""
    while i < len(line):
        ch = line[i]
        if ch in "$`" and (i == 0 or line[i - 1] != "\\"):
            inside = None if inside == ch else (ch if inside is None else inside)
        if ch == " " and inside is None:
            words.append(word)
            word = ""
        else:
            word += ch
        i += 1
    words.append(word)
    for w in words:
        if current and len(current) + 1 + len(w) > width:
            out.append(current)
            current = w
        else:
            current = f"{current} {w}" if current else w
    out.append(current)
    return "\n".join(out)


def display(tex: str) -> str:
    """Display math, one row per line (\\cr ends each): a long derivation is many short lines, not one."""
    return portable(tex).replace(r"\cr ", "\\cr\n")


def text(value: str) -> str:
    return _TEXT_SPECIALS.sub(r"\\\1", value)


def inline(spans) -> str:
    out = []
    for s in spans:
        if isinstance(s, M):
            out.append(f"${portable(s.tex)}$")
        elif isinstance(s, C):
            out.append(f"`{s.text}`")
        elif isinstance(s, B):
            out.append(f"**{text(s.text)}**")
        else:
            out.append(text(s))
    return "".join(out)


_GREEK = {"alpha": "α", "beta": "β", "kappa": "κ", "mu": "μ", "rho": "ρ", "sigma": "σ", "partial": "∂",
          "times": "×", "approx": "≈", "lambda": "λ"}


def _plain_math(tex: str) -> str:
    """Math as readable plain text for alt text: Greek letters kept, other commands and braces dropped."""
    tex = re.sub(r"\\([a-zA-Z]+)", lambda m: _GREEK.get(m.group(1), " "), tex)
    return re.sub(r"\s+", " ", tex.replace("{", "").replace("}", "")).strip()


def block(b, report: Report) -> str:
    if isinstance(b, Heading):
        return "#" * b.level + " " + inline(b.text)
    if isinstance(b, Para):
        return wrap(inline(b.text))
    if isinstance(b, Items):
        return "\n".join("- " + inline(item) for item in b.items)
    if isinstance(b, Math):
        return "$$\n" + display(b.tex) + "\n$$"
    if isinstance(b, Table):
        align = b.align or "l" + "r" * (len(b.header) - 1)
        marks = {"l": ":---", "p": ":---", "r": "---:", "c": ":---:"}
        lines = ["| " + " | ".join(inline(h) for h in b.header) + " |",
                 "|" + "|".join(marks[a] for a in align) + "|"]
        lines += ["| " + " | ".join(inline(cell) for cell in row) + " |" for row in b.rows]
        return "\n".join(lines)
    if isinstance(b, Figure):
        caption = inline(b.caption)
        alt = "".join(s if isinstance(s, str) else _plain_math(s.tex) if isinstance(s, M) else s.text
                      for s in b.caption)
        return f"![{text(alt)}]({b.name}.png)\n\n*{caption}*"
    if isinstance(b, Code):
        return "```python\n" + b.source.rstrip("\n") + "\n```"
    if isinstance(b, Mermaid):
        return "```mermaid\n" + b.text.rstrip("\n") + "\n```"
    raise TypeError(f"no Markdown for {type(b).__name__}")


def render(report: Report) -> str:
    parts = [f"# {text(report.title)}"] + [block(b, report) for b in report.blocks]
    return "\n\n".join(parts) + "\n"
