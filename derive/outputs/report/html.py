"""One self-contained HTML page per report: math as MathML (no script, no font to fetch), figures embedded
as data URIs, a width that follows the screen (tables and wide formulas scroll sideways on a phone)."""
from __future__ import annotations

import base64
import re
from html import escape
from pathlib import Path

from .doc import B, C, Code, Figure, Heading, Items, M, Math, Mermaid, Para, Report, Table
from .mathml import mathml

STYLE = """
body { max-width: 48rem; margin: 0 auto; padding: 1rem; font: 17px/1.55 system-ui, sans-serif; color: #1b1b1b; }
h1 { font-size: 1.6rem; line-height: 1.25; } h2 { font-size: 1.3rem; margin-top: 2rem; } h3 { font-size: 1.1rem; }
.scroll { overflow-x: auto; max-width: 100%; }
math[display="block"] { margin: .6rem 0; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { border-bottom: 1px solid #ccc; padding: .25rem .6rem; text-align: right; vertical-align: top; }
th { border-bottom: 2px solid #888; } td.l, th.l, td.p, th.p { text-align: left; } td.c, th.c { text-align: center; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; } img.graph { max-width: none; width: max(100%, 44rem); }
figcaption { font-style: italic; font-size: .95rem; }
pre { background: #f5f5f5; padding: .7rem; overflow-x: auto; font-size: .85rem; }
code { font-size: .9em; }
""".strip()


def tex_math(tex: str, display: bool = False) -> str:
    """Math left as TeX between \\( \\) or \\[ \\], for a page that typesets it itself (Moodle's MathJax filter)."""
    return escape(rf"\[{tex}\]" if display else rf"\({tex}\)")


def inline(spans, math=mathml) -> str:
    out = []
    for s in spans:
        if isinstance(s, M):
            out.append(math(s.tex))
        elif isinstance(s, C):
            out.append(f"<code>{escape(s.text)}</code>")
        elif isinstance(s, B):
            out.append(f"<strong>{escape(s.text)}</strong>")
        else:
            out.append(escape(s))
    return "".join(out)


def _image(folder: Path | None, name: str) -> str:
    """The figure as a data URI: its SVG where one was drawn (the graph: it stays sharp when a phone zooms in),
    else its PNG (empty when neither was drawn: the browser test then fails)."""
    for suffix, kind in ((".svg", "svg+xml"), (".png", "png")):
        path = folder / f"{name}{suffix}" if folder is not None else None
        if path is not None and path.exists():
            return f"data:image/{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    return ""


def _table(b: Table, math) -> str:
    align = b.align or "l" + "r" * (len(b.header) - 1)
    head = "".join(f'<th class="{a}">{inline(h, math)}</th>' for a, h in zip(align, b.header))
    rows = "".join("<tr>" + "".join(f'<td class="{a}">{inline(c, math)}</td>' for a, c in zip(align, row)) + "</tr>"
                   for row in b.rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


TEX_WORDS = {r"\partial": "∂", r"\sigma": "σ", r"\cdot": "·", r"\times": "×", r"\top": "ᵀ", r"\approx": "≈",
             r"\to": "→", r"\odot": "⊙", r"\lambda": "λ", r"\eta": "η", r"\alpha": "α", r"\beta": "β"}


def plain_tex(tex: str) -> str:
    """Inline math as plain text for an alt attribute: \\mathit{loss} is loss, \\partial is ∂, braces go."""
    for command, symbol in TEX_WORDS.items():
        tex = tex.replace(command, symbol)
    tex = re.sub(r"\\(mathit|mathrm|operatorname|text|mathbf|bar|hat|overline)\s*", "", tex)
    return re.sub(r"[{}\\]", "", tex).replace("_", "")


def block(b, folder: Path | None, math=mathml) -> str:
    """One block as HTML; `math` turns LaTeX into what the page shows (MathML, or TeX for MathJax)."""
    if isinstance(b, Heading):
        return f"<h{b.level}>{inline(b.text, math)}</h{b.level}>"
    if isinstance(b, Para):
        return f"<p>{inline(b.text, math)}</p>" if not b.formats or "html" in b.formats else ""
    if isinstance(b, Items):
        return "<ul>" + "".join(f"<li>{inline(item, math)}</li>" for item in b.items) + "</ul>"
    if isinstance(b, Math):
        return f'<div class="scroll">{math(b.tex, display=True)}</div>'
    if isinstance(b, Table):
        return _table(b, math)
    if isinstance(b, Figure):
        alt = b.alt or "".join(s if isinstance(s, str) else plain_tex(s.tex) if isinstance(s, M) else
                               getattr(s, "text", "") for s in b.caption)
        source = _image(folder, b.name)
        if source.startswith("data:image/svg"):     # a graph: legible size kept, scrolled sideways on a phone
            return (f'<figure><div class="scroll"><img class="graph" src="{source}" alt="{escape(alt)}"></div>'
                    f"<figcaption>{inline(b.caption, math)}</figcaption></figure>")
        return (f'<figure><img src="{source}" alt="{escape(alt)}">'
                f"<figcaption>{inline(b.caption, math)}</figcaption></figure>")
    if isinstance(b, Code):
        return f'<pre><code class="language-python">{escape(b.source.rstrip())}</code></pre>'
    if isinstance(b, Mermaid):
        return ""                     # the graph's figure says the same, as in LaTeX
    raise TypeError(f"no HTML for {type(b).__name__}")


def render(report: Report, folder: Path | None = None) -> str:
    """The page; `folder` holds the figures drawn for it (as PNG)."""
    body = "\n".join(x for x in (block(b, folder) for b in report.blocks) if x)
    return (f'<!DOCTYPE html>\n<html lang="{report.lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(report.title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
            f"<h1>{escape(report.title)}</h1>\n{body}\n</body>\n</html>\n")
