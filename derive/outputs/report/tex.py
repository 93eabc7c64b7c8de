"""A standalone LaTeX document (pdflatex/latexmk) from the report's blocks."""
from __future__ import annotations

import re

from .doc import B, C, Code, Figure, Heading, Items, M, Math, Mermaid, Para, Report, Table

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[utf8]{inputenc}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{booktabs}
\usepackage{longtable}
\usepackage{array}
\usepackage{xcolor}
\usepackage{fancyvrb}
\usepackage[hidelinks]{hyperref}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6em}
\allowdisplaybreaks
"""

_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
            "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
# characters outside what pdflatex's utf8 input knows, as math
_UNICODE = {"≈": r"$\approx$", "×": r"$\times$", "−": r"$-$", "σ": r"$\sigma$", "∂": r"$\partial$",
            "μ": r"$\mu$", "κ": r"$\kappa$", "ρ": r"$\rho$", "α": r"$\alpha$", "β": r"$\beta$", "λ": r"$\lambda$",
            "√": r"$\surd$", "ᵀ": r"$^{\mathsf T}$", "‖": r"$\Vert$", "→": r"$\to$", "≤": r"$\le$", "≥": r"$\ge$",
            "₁": r"$_1$", "₂": r"$_2$", "²": r"$^2$", "∇": r"$\nabla$", "·": r"$\cdot$", "µ": r"$\mu$",
            "′": r"$'$", "η": r"$\eta$", "∼": r"$\sim$"}
HEADINGS = {1: "section*", 2: "section*", 3: "subsection*", 4: "paragraph"}
LONG_TABLE = 25          # rows beyond which a table becomes a longtable


def text(value: str) -> str:
    """Plain text as LaTeX: its special characters escaped, and every control character (a NUL or BEL in a title,
    which TeX refuses as invalid) and line break written as a space."""
    return "".join(_ESCAPES.get(ch) or _UNICODE.get(ch) or (" " if ord(ch) < 32 or ch == "\x7f" else ch)
                   for ch in value)


def inline(spans) -> str:
    out = []
    for s in spans:
        if isinstance(s, M):
            out.append(f"${s.tex}$")
        elif isinstance(s, C):
            out.append(r"\texttt{" + re.sub(r"([./_-])", r"\1\\allowbreak{}", text(s.text)) + "}")  # file names break
        elif isinstance(s, B):
            out.append(r"\textbf{" + text(s.text) + "}")
        else:
            out.append(text(s))
    return "".join(out)


def _math(b: Math) -> str:
    body = b.tex.strip()
    if body.startswith(r"\begin{aligned}") and body.endswith(r"\end{aligned}") and body.count(r"\begin{aligned}") == 1:
        # align* may break across pages (\allowdisplaybreaks); an aligned block inside \[ \] may not
        rows = body[len(r"\begin{aligned}"):-len(r"\end{aligned}")].split(r" \\ ")
        return "\\begin{align*}\n" + " \\\\\n".join(row.strip() for row in rows) + "\n\\end{align*}"
    if b.wide:
        # a row may run past the margin: shrink the block to the text width, never enlarge it
        return (r"\[ \resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{$\displaystyle "
                + body + r"$} \]")
    return r"\[ " + body + r" \]"


def block(b) -> str:
    if isinstance(b, Heading):
        return "\\" + HEADINGS[b.level] + "{" + inline(b.text) + "}"
    if isinstance(b, Para):
        return inline(b.text)
    if isinstance(b, Items):
        return "\\begin{itemize}\n" + "\n".join(r"\item " + inline(i) for i in b.items) + "\n\\end{itemize}"
    if isinstance(b, Math):
        return _math(b)
    if isinstance(b, Table):
        align = b.align or "l" + "r" * (len(b.header) - 1)
        spec = "".join({"l": ">{\\raggedright\\arraybackslash}p{%s}" % _width(len(align)), "r": "r", "c": "c"}[a]
                       if a == "l" and len(align) > 4 else
                       ">{\\raggedright\\arraybackslash}p{%.2f\\linewidth}" % (0.95 - 0.17 * (len(align) - 1))
                       if a == "p" else a for a in align)
        rows = [" & ".join(r"\textbf{" + inline(h) + "}" for h in b.header) + r" \\ \midrule"]
        rows += [" & ".join(inline(c) for c in row) + r" \\" for row in b.rows]
        if len(b.rows) > LONG_TABLE:
            # a long table breaks across pages (longtable), so it cannot be scaled to the width
            return ("{\\small\n\\begin{longtable}{" + spec + "}\n\\toprule\n" + rows[0] + "\n\\endhead\n"
                    + "\n".join(rows[1:]) + "\n\\bottomrule\n\\end{longtable}}")
        body = "\\begin{tabular}{" + spec + "}\n\\toprule\n" + "\n".join(rows) + "\n\\bottomrule\n\\end{tabular}"
        return "\\begin{center}\\small\n\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n" \
               + body + "}\n\\end{center}"
    if isinstance(b, Figure):
        return ("\\begin{figure}[h]\n\\centering\n"
                f"\\includegraphics[width={b.width:g}\\linewidth,height=0.6\\textheight,keepaspectratio]{{{b.name}.pdf}}\n"
                f"\\caption*{{{inline(b.caption)}}}\n\\end{{figure}}")
    if isinstance(b, Code):
        return "\\begin{Verbatim}[fontsize=\\footnotesize,frame=single]\n" + b.source.rstrip("\n") + "\n\\end{Verbatim}"
    if isinstance(b, Mermaid):
        return ""                       # the figure shows the same graph
    raise TypeError(f"no LaTeX for {type(b).__name__}")


def _width(columns: int) -> str:
    return f"{0.9 / columns:.2f}\\linewidth"


def render(report: Report) -> str:
    body = "\n\n".join(x for x in (block(b) for b in report.blocks) if x)
    title = text(report.title)
    room = "\\setlength{\\jot}{14pt}\n\\renewcommand{\\arraystretch}{1.9}\n" if report.writing_room else ""
    return (PREAMBLE + unicode_declarations(body + title) + room + "\\usepackage{caption}\n\\title{" + title
            + "}\n\\date{}\n\\begin{document}\n\\maketitle\n" + body + "\n\n\\end{document}\n")


def unicode_declarations(body: str) -> str:
    """pdflatex knows Latin letters; any other character left in the document (a quantity named α or 中 in
    the code listings) is declared: Greek as the math letter, anything else by its code point."""
    import unicodedata

    lines = []
    for ch in sorted({c for c in body if ord(c) > 0x24F and not 0x2010 <= ord(c) <= 0x2027 and c != "€"}):
        name = unicodedata.name(ch, "")
        word = name.split()[-1].lower() if name.startswith("GREEK") and "LETTER" in name else None
        if word and "CAPITAL" in name:
            word = word.capitalize()
        if ch in _UNICODE:
            glyph = _UNICODE[ch].replace("$", "")
            replacement = "\\ensuremath{" + glyph + "}"
        elif word and word.lower() in ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
                                       "pi rho sigma tau upsilon phi chi psi omega").split():
            replacement = "\\ensuremath{\\" + word + "}"
        else:
            replacement = "\\textsf{[U+%04X]}" % ord(ch)
        lines.append("\\DeclareUnicodeCharacter{%04X}{%s}" % (ord(ch), replacement))
    return "\n".join(lines) + ("\n" if lines else "")
