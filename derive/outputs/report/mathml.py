"""LaTeX to MathML for the HTML page and Moodle-free viewers: latex2mathml (pure Python, maintained) for each
piece, and `aligned` blocks laid out here as an <mtable> (latex2mathml would print their & and \\\\ as
text, and Chromium's MathML Core has no line breaks). A fragment that cannot be converted becomes an
<merror> with its source, so a browser test finds it instead of a blank."""
from __future__ import annotations

import html
import re

_ALIGNED = re.compile(r"^\s*\\begin\{aligned\}(.*)\\end\{aligned\}\s*$", re.S)
_WORD_OPERATOR = re.compile(r"<mo>([A-Za-z]{2,})</mo>")     # \max, \operatorname{relu}: names, not symbols
# a blank to fill in (\underline{\hspace{6em}}): an underlined space, which latex2mathml draws as a dash
_BLANK = re.compile(r'<munder><mrow><mspace width="([\d.]+em)" /></mrow><mo accent="true">&#x02015;</mo></munder>')
_TOKEN = re.compile(r"\\begin\{\w+\}|\\end\{\w+\}|\\\\|\\.|[{}&]", re.S)


def split(tex: str, separator: str) -> list[str]:
    """`tex` cut at each `separator` (\\\\ or &) that is outside braces and nested environments."""
    parts, depth, start = [], 0, 0
    for m in _TOKEN.finditer(tex):
        token = m.group()
        if token == "{" or token.startswith(r"\begin"):
            depth += 1
        elif token == "}" or token.startswith(r"\end"):
            depth -= 1
        elif token == separator and depth == 0:
            parts.append(tex[start:m.start()])
            start = m.end()
    return parts + [tex[start:]]


def _inner(tex: str) -> str:
    """The MathML children of one piece of LaTeX (without the <math> element)."""
    from latex2mathml.converter import convert

    out = _WORD_OPERATOR.sub(r"<mi>\1</mi>", convert(tex))
    out = out.replace('fence="true" form=', 'fence="true" lspace="0em" rspace="0em" form=')   # as TeX spaces them
    out = _BLANK.sub(r'<mspace width="\1" height="1.1em" class="blank" '
                     r'style="border-bottom: 1.5px solid currentColor"></mspace>', out)
    return out[out.index(">") + 1:out.rindex("</math>")]


def _aligned(body: str) -> str:
    rows = [row for row in split(body, r"\\") if row.strip()]
    cells = []
    for row in rows:
        tds = []
        for i, cell in enumerate(split(row, "&")):
            align = "right" if i % 2 == 0 else "left"
            # the cell after & starts with its relation (=, ≈): keep it in that cell, as LaTeX does
            tds.append(f'<mtd columnalign="{align}" style="text-align: {align}"><mrow>{_inner(cell) if cell.strip() else ""}</mrow></mtd>')
        cells.append("<mtr>" + "".join(tds) + "</mtr>")
    return '<mtable displaystyle="true">' + "".join(cells) + "</mtable>"


# latex2mathml reads \begin{pmatrix}…\end{pmatrix}^{\top} as a superscript with four children (the brackets and
# the table as separate bases), which MathML Core draws all at script size: a vector the reader cannot read.
# Braced, the matrix is one base. And it keeps \cr (the Markdown's row break, portable on GitHub) as text.
_SCRIPTED_MATRIX = re.compile(r"(\\begin\{([pbv]?matrix)\}(?:(?!\\begin\{).)*?\\end\{\2\})(?=\s*[\^_])", re.S)


def _portable(tex: str) -> str:
    r"""The LaTeX as latex2mathml reads it right: a matrix with a superscript braced, \cr as \\."""
    return re.sub(r"\\cr(?![A-Za-z])", lambda m: "\\\\", _SCRIPTED_MATRIX.sub(r"{\1}", tex))


def mathml(tex: str, display: bool = False) -> str:
    """One <math> element for `tex`, block or inline."""
    mode = "block" if display else "inline"
    tex = _portable(tex)
    try:
        aligned = _ALIGNED.match(tex)
        body = _aligned(aligned.group(1)) if aligned else _inner(tex)
        if display:
            body = f'<mstyle displaystyle="true">{body}</mstyle>'
    except Exception as error:     # the converter's own exceptions have no common base class
        body = f"<merror><mtext>{html.escape(tex)} ({html.escape(type(error).__name__)})</mtext></merror>"
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{mode}">{body}</math>'
