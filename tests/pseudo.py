"""The pseudo-language's reader: what of a text derive wrote is outside the ⟦…⟧ that wrap every catalog sentence
(--lang qps), with the syntax of its format (math, LaTeX commands, HTML tags, code) taken away first. Any word
left that is not a name from the exercise or from derive's own vocabulary is a sentence that did not go through
the catalog."""
from __future__ import annotations

import io
import json
import re
import tokenize

from derive.core.ops import FUNCTIONS, OPS

WRAPPED = re.compile(r"⟦[^⟦⟧]*⟧")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_']*[A-Za-z0-9]")
FILE = re.compile(r"[\w./-]+\.(?:png|pdf|svg|mmd|dot|tex|md|html|ipynb|json|toml|xml|csv)\b")

# names that are no language's: derive's and torch's own, units, file kinds, warning and method codes
VOCABULARY = set("""
derive torch autograd PyTorch float float64 float32 cpu cuda mps dtype requires_grad backward tensor nn functional
utils benchmark ns µs ms GFLOP TFLOP png pdf svg tex mmd dot tikz md html ipynb json toml xml csv KaTeX MathML
saturation rounds to zero overflow cancellation underflow stable rewrite kink passed vanishing unproven hessian
gradient descent momentum nesterov conjugate adam exact sigmoid softplus logsigmoid relu tanh exp log max min abs
sqrt sum mean dot inf nan NaN vjp LR TB course top flowchart mermaid Moodle cloze NUMERICAL SHORTANSWER linear system seed GPU CPU
""".split())
VOCABULARY |= {name.lstrip("\\") for name in FUNCTIONS} | set(OPS)


def outside(text: str) -> str:
    """The text with every wrapped sentence taken out (nested ones too)."""
    while True:
        rest = WRAPPED.sub(" ", text)
        if rest == text:
            return rest
        text = rest


def leaks(text: str, allowed=(), prose=lambda text: text) -> list[str]:
    """Words outside the wrappers, once `prose` has taken the format's syntax away, that are neither the
    exercise's (`allowed`) nor in VOCABULARY."""
    rest = outside(text)
    assert "⟦" not in rest and "⟧" not in rest, rest[:300]
    known = {w.lower() for w in VOCABULARY | set(allowed)}
    in_math = " ".join(re.findall(r"\\text\{([^{}]*)\}", rest))        # words inside formulas are words too
    return sorted({w for w in WORD.findall(FILE.sub(" ", prose(rest)) + " " + in_math) if w.lower() not in known
                   and not (w.startswith("d") and w[1:].lower() in known)})          # dloss/da: d and a name


def words_of(text: str) -> set[str]:
    """The words of an input file: its names, formulas and titles are the exercise's, not derive's (\\frac in a
    double-quoted TOML string is a form feed and "rac": its words are those of either reading)."""
    text += " " + re.sub(r"\\[bfnrt]", " ", text)
    return set(WORD.findall(text)) | set(re.findall(r"[A-Za-z_]\w*", text))


def prose_of_markdown(md: str) -> str:
    """Markdown without its math and code (code's comments and printed strings are kept)."""
    code = "\n".join(_said_in_python(block) for block in re.findall(r"```python\n(.*?)```", md, re.S))
    md = re.sub(r"```.*?```", " ", md, flags=re.S)
    md = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", " ", md, flags=re.S)
    md = re.sub(r"!\[[^\]]*\]\(([^)]*)\)", lambda m: m.group(0).split("](")[0], md)       # image: alt only
    md = re.sub(r"\]\([^)]*\)", "]", md)                                                   # link: text only
    return md + "\n" + code


def prose_of_latex(tex: str) -> str:
    tex = tex[tex.find("\\begin{document}"):] if "\\begin{document}" in tex else tex
    tex = tex.replace("\\allowbreak{}", "")                                    # file names break at . and _
    code = "\n".join(_said_in_python(b) for b in re.findall(r"\\begin\{Verbatim\}.*?\n(.*?)\\end\{Verbatim\}", tex, re.S))
    tex = re.sub(r"\\begin\{Verbatim\}.*?\\end\{Verbatim\}", " ", tex, flags=re.S)
    tex = re.sub(r"\\\[.*?\\\]|\$\$.*?\$\$|\$[^$]*\$|\\begin\{(align\*?|equation\*?)\}.*?\\end\{\1\}", " ", tex,
                 flags=re.S)
    tex = re.sub(r"\\(begin|end|includegraphics|label|ref|href|url|input|usepackage)(\[[^\]]*\])?\{[^}]*\}", " ", tex)
    tex = re.sub(r"\\[A-Za-z]+", " ", tex)
    tex = re.sub(r"\{[lcrp|@{}]+\}|\b[lcr]{2,}\b", " ", tex)                               # column specs
    return tex + "\n" + code


def prose_of_html(page: str) -> str:
    page = re.sub(r"<(script|style|math|code|pre|file)\b.*?</\1>", " ", page, flags=re.S | re.I)
    alts = " ".join(re.findall(r'\b(?:alt|title|aria-label)="([^"]*)"', page))
    page = re.sub(r"<[^>]*>", " ", page)
    page = re.sub(r"&[a-z]+;|&#\d+;", " ", page)
    return page + "\n" + alts


def prose_of_moodle(text: str) -> str:
    """A Moodle XML bank: the text of its elements (files aside), HTML, TeX and cloze fields taken away."""
    import html
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text)
    parts = []
    for element in root.iter():
        if element.tag not in ("file", "tags", "tag", "idnumber") and element.text and element.text.strip():
            parts.append(html.unescape(element.text))
    said = re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.*?\$\$", " ", "\n".join(parts), flags=re.S)
    return re.sub(r"\{\d+:[A-Z_]+:[^}]*\}|@@PLUGINFILE@@", " ", prose_of_html(said))


def prose_of_notebook(text: str) -> str:
    nb = json.loads(text)
    parts = []
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        parts.append(prose_of_markdown(source) if cell["cell_type"] == "markdown" else _said_in_python(source))
    return "\n".join(parts)


def _said_in_python(code: str) -> str:
    """What Python code says to a reader: its comments and the text of its strings (f-strings' fields and
    short keys aside)."""
    out = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            out.append(tok.string)
        elif tok.type == tokenize.STRING and " " in tok.string:
            out.append(re.sub(r"\{[^{}]*\}", " ", tok.string))
        elif tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1) and " " in tok.string:
            out.append(tok.string)
    return "\n".join(out)
